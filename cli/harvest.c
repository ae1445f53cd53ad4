/*
 * harvest.c - `vmcompat harvest --qemu BINARY [--out FILE]`: record an
 * emulator profile (docs/profiles.md) from a real qemu-system-x86_64.
 *
 * The library never runs QEMU; this command does, because making profiles
 * is what QEMU is for.  Every guest is started with TCG, paused (-S),
 * -nodefaults, -m 32 and no display; QMP runs over a socketpair whose other
 * end QEMU receives as a pre-opened fd (-chardev socket,fd=N).  There are no
 * fixed sleeps: every wait blocks on a QMP reply or event, on the end of a
 * child's output, or on process exit, each bounded by HV_TIMEOUT_MS.  This is
 * the technique of fixtures/generate and tests/oracle/generate, in C.
 *
 * What is recorded (one YAML document, written to FILE.tmp then renamed):
 *   qemu             query-version, the package string, binary, command, date
 *   machine_families one guest per machine family (name without -X.Y) says
 *                    the kind of its root bus, read from `info qtree`
 *   machines         query-machines, with compat-props where QEMU has them
 *   vmstate          `-M MACHINE -dump-vmstate FILE`, per harvested machine,
 *                    reduced to what vmc_vmstate holds (versions and the
 *                    subsection names reachable from each top-level vmsd)
 *   devices          device-list-properties and the option ROM (qom-get
 *                    romfile and the ROM's block in `info ramblock`) of each
 *                    type in DEVICES, probed alone
 *   machine_base     sections and ramblocks of a device-less guest, saved by
 *                    QMP `migrate exec:cat > FILE` and decoded by libvmcompat
 *   references       one single-device guest per (bus kind x type x
 *                    flavour), saved and decoded the same way, plus what only
 *                    QMP says (host features; ROM blocks)
 * A combination QEMU refuses is recorded with QEMU's own message.
 *
 * Strings are written double-quoted with YAML escapes, so the file needs no
 * YAML library to write; parsers/profile.c reads it back with libyaml.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HV_TIMEOUT_MS 120000 /* upper bound of any single wait */
#define HV_RAM_MB 32
#define HV_MAX_ARGS 64

/* Device types whose defaults and option ROMs are recorded. */
static const char *const DEVICES[] = {
	"virtio-9p-pci", "virtio-blk-pci", "virtio-scsi-pci", "virtio-net-pci",
	"virtio-serial-pci", "virtio-balloon-pci", "virtio-rng-pci",
	"virtio-9p-pci-transitional", "virtio-blk-pci-transitional",
	"virtio-scsi-pci-transitional", "virtio-net-pci-transitional",
	"virtio-serial-pci-transitional", "virtio-balloon-pci-transitional",
	"virtio-rng-pci-transitional", "virtio-9p-pci-non-transitional",
	"virtio-blk-pci-non-transitional", "virtio-scsi-pci-non-transitional",
	"virtio-net-pci-non-transitional", "virtio-serial-pci-non-transitional",
	"virtio-balloon-pci-non-transitional", "virtio-rng-pci-non-transitional",
	"pcie-root-port", "pci-bridge", "pcie-pci-bridge", NULL};

/* virtio families: base QOM type and the properties its backend needs
 * (the backends of fixtures/generate, so references match the fixtures). */
static const struct family {
	const char *type; /* generic QOM type */
	const char *backend_props;
} FAMILIES[] = {
	{"virtio-9p-pci", ",fsdev=fs0,mount_tag=vmcompat"},
	{"virtio-blk-pci", ",drive=null0"},
	{"virtio-scsi-pci", ""},
	{"virtio-net-pci", ",netdev=n0"},
	{"virtio-serial-pci", ""},
	{"virtio-balloon-pci", ""},
	{"virtio-rng-pci", ""},
};

/* Flavours: QOM type suffix and extra properties; behind a PCIe port
 * disable-modern=on needs disable-legacy=off too (auto resolves to on
 * there, leaving neither mode: stream-format.md §11.1). */
static const struct flavour {
	const char *name, *suffix, *props, *props_on_port;
} FLAVOURS[] = {
	{"generic", "", "", ""},
	{"transitional", "-transitional", "", ""},
	{"non-transitional", "-non-transitional", "", ""},
	{"disable-legacy", "", "disable-legacy=on", "disable-legacy=on"},
	{"disable-modern", "", "disable-modern=on", "disable-modern=on,disable-legacy=off"},
};

/* Bus kinds: machine family, and the -device arguments placing the device
 * under test (id dut) with what it needs in front of it. */
static const struct bus {
	const char *name, *family, *pre1, *pre2, *dut_loc;
	int pcie_port; /* the device sits on a PCIe non-root bus */
} BUSES[] = {
	{"pci-root", "pc-i440fx", NULL, NULL, "bus=pci.0,addr=0x3", 0},
	{"pci-bridge", "pc-i440fx", "pci-bridge,id=br0,bus=pci.0,addr=0x3,chassis_nr=1", NULL,
	 "bus=br0,addr=0x1", 0},
	{"pcie-root", "pc-q35", NULL, NULL, "bus=pcie.0,addr=0x3", 0},
	{"pcie-root-port", "pc-q35", "pcie-root-port,id=rp0,bus=pcie.0,addr=0x3,chassis=1", NULL,
	 "bus=rp0,addr=0x0", 1},
	{"pcie-pci-bridge", "pc-q35", "pcie-root-port,id=rp0,bus=pcie.0,addr=0x3,chassis=1",
	 "pcie-pci-bridge,id=br0,bus=rp0,addr=0x0", "bus=br0,addr=0x1", 0},
};

typedef struct strv {
	char **v;
	size_t n, cap;
} strv;

typedef struct harvest {
	const char *qemu;
	char workdir[64];
	FILE *out;
	json_object *machines;  /* query-machines reply */
	int compat_props;       /* 1 if query-machines took compat-props */
	unsigned major, minor;
	strv base_machines;     /* machine names harvested for machine_base */
	strv base_blocks;       /* "machine\nblock" of every base ramblock */
	strv base_sections;     /* "machine\nidstr\ninstance" of every base section */
	unsigned nvm, nrefused;
	char *status_broken;    /* why x-query-virtio-status is not asked */
} harvest;

/* ---- small helpers ------------------------------------------------------ */

static void die_oom(void)
{
	fprintf(stderr, "vmcompat harvest: out of memory\n");
	exit(EXIT_SOFTWARE);
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die_oom();
	return p;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = malloc((size_t)n + 1);
	if (!p)
		die_oom();
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

static void strv_push(strv *s, char *owned)
{
	if (s->n == s->cap) {
		size_t n = s->cap ? s->cap * 2 : 16;
		char **p = realloc(s->v, n * sizeof(*p));
		if (!p)
			die_oom();
		s->v = p;
		s->cap = n;
	}
	s->v[s->n++] = owned;
}

static int strv_has(const strv *s, const char *x)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i], x) == 0)
			return 1;
	return 0;
}

static void strv_free(strv *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* A YAML double-quoted scalar. */
static void yq(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read everything from fd until EOF or the deadline; returns malloc'd text. */
static char *read_all(int fd, long long deadline, int *timed_out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		die_oom();
	*timed_out = 0;
	for (;;) {
		struct pollfd p = {fd, POLLIN, 0};
		long long left = deadline - monotonic_ms();
		ssize_t r;
		if (left <= 0) {
			*timed_out = 1;
			break;
		}
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (len + 1 >= cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				die_oom();
			buf = nb;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	return buf;
}

/* ---- processes ------------------------------------------------------------ */

/* Start argv with stdin /dev/null and stdout+stderr into errfd; keep_fd
 * stays open in the child.  Returns the pid or -1. */
static pid_t spawn(char *const argv[], int errfd, int keep_fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(errfd, 1);
		dup2(errfd, 2);
		if (keep_fd >= 0)
			fcntl(keep_fd, F_SETFD, 0);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

/* Wait for pid; if it does not exit by itself it is killed. */
static int reap(pid_t pid, int kill_it)
{
	int st = 0;

	if (kill_it)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

/* Run a command to completion (bounded); its output is returned. */
static char *run_capture(char *const argv[], int *status)
{
	int pfd[2], to;
	pid_t pid;
	char *out;

	*status = -1;
	if (pipe(pfd) < 0)
		return NULL;
	fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
	pid = spawn(argv, pfd[1], -1);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return NULL;
	}
	out = read_all(pfd[0], monotonic_ms() + HV_TIMEOUT_MS, &to);
	close(pfd[0]);
	*status = reap(pid, to);
	return out;
}

/* ---- a QEMU guest and its QMP connection --------------------------------- */

typedef struct vm {
	pid_t pid;
	int qmp;          /* our end of the socketpair */
	int errfd;        /* QEMU's stdout/stderr (a file in the work dir) */
	char *errpath;
	char *buf;        /* unread QMP bytes */
	size_t len, cap;
	int migration_done; /* 1 completed, -1 failed/cancelled */
	int timed_out;      /* a QMP wait reached HV_TIMEOUT_MS */
	char *argv_text;  /* the command line, for the profile */
} vm;

/* One QMP message (NULL on EOF/timeout/garbage). */
static json_object *qmp_read(vm *v)
{
	long long deadline = monotonic_ms() + HV_TIMEOUT_MS;

	for (;;) {
		char *nl = v->buf ? memchr(v->buf, '\n', v->len) : NULL;
		struct pollfd p = {v->qmp, POLLIN, 0};
		long long left;
		ssize_t r;

		if (nl) {
			json_object *o;
			*nl = '\0';
			o = json_tokener_parse(v->buf);
			v->len -= (size_t)(nl + 1 - v->buf);
			memmove(v->buf, nl + 1, v->len);
			if (o)
				return o;
			continue;
		}
		left = deadline - monotonic_ms();
		if (left <= 0) {
			v->timed_out = 1;
			return NULL;
		}
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (v->len + 65536 > v->cap) {
			size_t n = v->cap ? v->cap * 2 : 131072;
			char *nb = realloc(v->buf, n);
			if (!nb)
				die_oom();
			v->buf = nb;
			v->cap = n;
		}
		r = read(v->qmp, v->buf + v->len, v->cap - v->len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return NULL;
		v->len += (size_t)r;
	}
}

static void note_event(vm *v, json_object *ev)
{
	json_object *e, *d, *s;
	const char *st;

	if (!json_object_object_get_ex(ev, "event", &e) ||
	    strcmp(json_object_get_string(e), "MIGRATION") != 0 ||
	    !json_object_object_get_ex(ev, "data", &d) || !json_object_object_get_ex(d, "status", &s))
		return;
	st = json_object_get_string(s);
	if (strcmp(st, "completed") == 0)
		v->migration_done = 1;
	else if (strcmp(st, "failed") == 0 || strcmp(st, "cancelled") == 0)
		v->migration_done = -1;
}

/* Send a command (args: a JSON object or NULL, consumed) and return the
 * whole reply ({"return": ...} or {"error": ...}); events are noted. */
static json_object *qmp_cmd(vm *v, const char *execute, json_object *args)
{
	json_object *req = json_object_new_object();
	const char *text;
	size_t n;

	json_object_object_add(req, "execute", json_object_new_string(execute));
	if (args)
		json_object_object_add(req, "arguments", args);
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	n = strlen(text);
	if (write(v->qmp, text, n) != (ssize_t)n || write(v->qmp, "\n", 1) != 1) {
		json_object_put(req);
		return NULL;
	}
	json_object_put(req);
	for (;;) {
		json_object *m = qmp_read(v), *x;
		if (!m)
			return NULL;
		if (json_object_object_get_ex(m, "event", &x)) {
			note_event(v, m);
			json_object_put(m);
			continue;
		}
		return m;
	}
}

/* The "return" of a command (a new reference), or NULL (error printed
 * into err when given). */
static json_object *qmp_ok(vm *v, const char *execute, json_object *args, char **err)
{
	json_object *r = qmp_cmd(v, execute, args), *x;

	if (r && json_object_object_get_ex(r, "return", &x)) {
		json_object_get(x);
		json_object_put(r);
		return x;
	}
	if (err) {
		json_object *e, *d;
		*err = xstrdup(r && json_object_object_get_ex(r, "error", &e) &&
					       json_object_object_get_ex(e, "desc", &d)
				       ? json_object_get_string(d)
				       : "no reply (QEMU exited?)");
	}
	json_object_put(r);
	return NULL;
}

static char *hmp(vm *v, const char *cmdline)
{
	json_object *a = json_object_new_object(), *r;
	char *s;

	json_object_object_add(a, "command-line", json_object_new_string(cmdline));
	r = qmp_ok(v, "human-monitor-command", a, NULL);
	s = xstrdup(r ? json_object_get_string(r) : "");
	json_object_put(r);
	return s;
}

static char *slurp_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f)
		return xstrdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc((size_t)(n > 0 ? n : 0) + 1);
	if (!s)
		die_oom();
	n = (long)fread(s, 1, (size_t)(n > 0 ? n : 0), f);
	s[n] = '\0';
	fclose(f);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

static void vm_close(vm *v, int kill_it)
{
	if (v->qmp >= 0)
		close(v->qmp);
	if (v->pid > 0)
		reap(v->pid, kill_it);
	if (v->errfd >= 0)
		close(v->errfd);
	if (v->errpath)
		unlink(v->errpath);
	free(v->errpath);
	free(v->buf);
	free(v->argv_text);
	memset(v, 0, sizeof(*v));
	v->qmp = v->errfd = -1;
}

/*
 * Start QEMU paused with machine (NULL: the binary's default) and extra
 * arguments (NULL-terminated).  Returns 0, or -1 with *refusal set to
 * QEMU's own message when it refused the command line.
 */
static int vm_start(harvest *h, vm *v, const char *machine, const char *const *extra,
		    char **refusal)
{
	char *argv[HV_MAX_ARGS];
	char fdarg[64], mem[16];
	int sv[2], n = 0, i;
	json_object *g;
	size_t tl = 0;

	memset(v, 0, sizeof(*v));
	v->qmp = v->errfd = -1;
	*refusal = NULL;
	h->nvm++;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return *refusal = xasprintf("socketpair: %s", strerror(errno)), -1;
	fcntl(sv[0], F_SETFD, FD_CLOEXEC);
	fcntl(sv[1], F_SETFD, FD_CLOEXEC);
	v->errpath = xasprintf("%s/qemu-%u.log", h->workdir, h->nvm);
	v->errfd = open(v->errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	snprintf(fdarg, sizeof(fdarg), "socket,id=qmp,fd=%d", sv[1]);
	snprintf(mem, sizeof(mem), "%d", HV_RAM_MB);
	argv[n++] = (char *)h->qemu;
	argv[n++] = "-accel";
	argv[n++] = "tcg";
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-S";
	argv[n++] = "-m";
	argv[n++] = mem;
	if (machine) {
		argv[n++] = "-machine";
		argv[n++] = (char *)machine;
	}
	argv[n++] = "-chardev";
	argv[n++] = fdarg;
	argv[n++] = "-mon";
	argv[n++] = "chardev=qmp,mode=control";
	for (i = 0; extra && extra[i] && n < HV_MAX_ARGS - 1; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	for (i = 1; i < n; i++)
		tl += strlen(argv[i]) + 1;
	v->argv_text = calloc(1, tl + 1);
	if (!v->argv_text)
		die_oom();
	for (i = 1; i < n; i++) {
		if (i > 1)
			strcat(v->argv_text, " ");
		strcat(v->argv_text, strncmp(argv[i], "socket,id=qmp,fd=", 17) == 0
					     ? "socket,id=qmp,fd=N"
					     : argv[i]);
	}
	v->pid = v->errfd >= 0 ? spawn(argv, v->errfd, sv[1]) : -1;
	close(sv[1]);
	v->qmp = sv[0];
	if (v->pid < 0) {
		*refusal = xasprintf("cannot start %s", h->qemu);
		vm_close(v, 0);
		return -1;
	}
	g = qmp_read(v);
	if (g) {
		json_object *r = qmp_cmd(v, "qmp_capabilities", NULL), *x;
		int ok = r && json_object_object_get_ex(r, "return", &x);
		json_object_put(r);
		json_object_put(g);
		if (ok) {
			/* realize errors come after the greeting: a cheap command
			 * that answers proves the machine is up */
			json_object *st = qmp_ok(v, "query-status", NULL, NULL);
			if (st) {
				json_object_put(st);
				return 0;
			}
		}
	}
	/* QEMU refused: the socket closed because it exits (its message is
	 * in the log); only a wait that timed out needs a kill */
	close(v->qmp);
	v->qmp = -1;
	reap(v->pid, v->timed_out);
	v->pid = 0;
	*refusal = slurp_text(v->errpath);
	if (!**refusal) {
		free(*refusal);
		*refusal = xstrdup("QEMU exited without a message");
	}
	vm_close(v, 0);
	return -1;
}

/* `quit` and wait for the exit (QEMU closes QMP when it goes). */
static void vm_quit(vm *v)
{
	json_object *r = qmp_cmd(v, "quit", NULL);
	int to;
	char *rest;

	json_object_put(r);
	rest = read_all(v->qmp, monotonic_ms() + HV_TIMEOUT_MS, &to);
	free(rest);
	vm_close(v, to);
}

/*
 * Save the paused guest's stream to path and quit the guest.  QEMU writes
 * to `exec:cat > FIFO` and this process copies the FIFO to path: the file
 * is complete exactly when the FIFO reports end of input (cat has exited),
 * which does not depend on when QEMU reaps its exec child (an exec:cat
 * straight into the file was seen truncated right after QEMU exited).
 * Linux reports POLLHUP on a FIFO only after a writer has come and gone,
 * so opening it before QEMU does is safe.  Returns 0 or -1 with *err.
 */
static int vm_save_and_quit(vm *v, const char *path, char **err)
{
	json_object *caps = json_object_new_array(), *cap = json_object_new_object(), *a, *r;
	char *fifo = xasprintf("%s.fifo", path), *uri = xasprintf("exec:cat > '%s'", fifo);
	long long deadline = monotonic_ms() + HV_TIMEOUT_MS;
	int rfd = -1, wfd = -1, eof = 0, rc = -1;
	char buf[65536];

	unlink(fifo);
	if (mkfifo(fifo, 0600) < 0 ||
	    (rfd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 ||
	    (wfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		*err = xasprintf("cannot make %s: %s", fifo, strerror(errno));
		goto out;
	}
	json_object_object_add(cap, "capability", json_object_new_string("events"));
	json_object_object_add(cap, "state", json_object_new_boolean(1));
	json_object_array_add(caps, cap);
	a = json_object_new_object();
	json_object_object_add(a, "capabilities", caps);
	caps = NULL;
	json_object_put(qmp_ok(v, "migrate-set-capabilities", a, NULL));
	a = json_object_new_object();
	json_object_object_add(a, "uri", json_object_new_string(uri));
	r = qmp_ok(v, "migrate", a, err);
	if (!r)
		goto out;
	json_object_put(r);
	while (!eof || !v->migration_done) {
		struct pollfd p[2];
		long long left = deadline - monotonic_ms();
		int np = 0, fifo_ready = 0, qmp_ready = 0;
		if (v->migration_done < 0)
			break;
		if (v->buf && memchr(v->buf, '\n', v->len)) {
			qmp_ready = 1; /* a whole message is buffered already */
		} else {
			if (left <= 0)
				break;
			if (!eof)
				p[np++] = (struct pollfd){rfd, POLLIN, 0};
			p[np++] = (struct pollfd){v->qmp, POLLIN, 0};
			if (poll(p, (nfds_t)np, (int)left) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			fifo_ready = !eof && (p[0].revents & (POLLIN | POLLHUP));
			qmp_ready = (p[np - 1].revents & (POLLIN | POLLHUP)) != 0;
		}
		if (fifo_ready) {
			ssize_t got = read(rfd, buf, sizeof(buf));
			if (got > 0) {
				if (write(wfd, buf, (size_t)got) != got)
					break;
			} else if (got == 0) {
				eof = 1;
			} else if (errno != EAGAIN && errno != EINTR) {
				break;
			}
		}
		if (qmp_ready) {
			json_object *m = qmp_read(v), *x;
			if (!m)
				break;
			if (json_object_object_get_ex(m, "event", &x))
				note_event(v, m);
			json_object_put(m);
		}
	}
	if (!eof || v->migration_done != 1) {
		*err = xasprintf("migration did not complete (%s)",
				 v->migration_done < 0 ? "failed" : "timed out or QEMU exited");
		goto out;
	}
	rc = 0;
out:
	json_object_put(caps);
	if (rfd >= 0)
		close(rfd);
	if (wfd >= 0 && close(wfd) != 0 && rc == 0) {
		*err = xasprintf("cannot write %s", path);
		rc = -1;
	}
	unlink(fifo);
	free(fifo);
	free(uri);
	if (rc == 0)
		vm_quit(v);
	else
		vm_close(v, 1);
	return rc;
}

/* ---- info ramblock ---------------------------------------------------------- */

typedef struct rblock {
	char name[256];
	uint64_t used, max;
} rblock;

/* Parse `info ramblock` (7.2: Name, PSize (2 tokens), Offset, Used, Total;
 * 10.0 adds HVA and RO at the end).  Returns the number of rows. */
static size_t parse_ramblock(const char *text, rblock *out, size_t cap)
{
	size_t n = 0;
	int extra = 0;
	const char *line = text;

	while (line && *line && n < cap) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char buf[1024], *tok[16];
		int nt = 0;

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = end ? end + 1 : NULL;
		for (char *s = strtok(buf, " \t\r"); s && nt < 16; s = strtok(NULL, " \t\r"))
			tok[nt++] = s;
		if (nt == 0)
			continue;
		if (strcmp(tok[0], "Block") == 0) {
			extra = 0;
			for (int i = 0; i < nt; i++)
				extra += strcmp(tok[i], "HVA") == 0 || strcmp(tok[i], "RO") == 0;
			continue;
		}
		if (nt < 6 + extra)
			continue;
		nt -= extra;
		snprintf(out[n].name, sizeof(out[n].name), "%s", tok[0]);
		out[n].used = strtoull(tok[nt - 2], NULL, 16);
		out[n].max = strtoull(tok[nt - 1], NULL, 16);
		n++;
	}
	return n;
}

/* ---- decoding a saved stream with libvmcompat ------------------------------- */

static int decode(const char *path, vmc_ctx **ctx, vmc_stream **s, char **err)
{
	if (vmc_ctx_new(ctx, NULL) < 0)
		die_oom();
	if (vmc_stream_read_path(s, *ctx, path, NULL) < 0) {
		*err = xasprintf("vmcompat cannot decode the saved stream: %s",
				 vmc_error_last(*ctx)->message);
		vmc_ctx_free(*ctx);
		return -1;
	}
	return 0;
}

static void emit_sections_ramblocks(FILE *f, const char *ind, const vmc_stream *s, const rblock *rb,
				    size_t nrb)
{
	size_t i, j;

	fprintf(f, "%ssections:\n", ind);
	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		fprintf(f, "%s  - {idstr: ", ind);
		yq(f, vmc_section_idstr(sec));
		fprintf(f, ", instance: %" PRIu32 ", version: %" PRIu32 "}\n",
			vmc_section_instance_id(sec), vmc_section_version_id(sec));
	}
	fprintf(f, "%sramblocks:\n", ind);
	for (i = 0; i < vmc_stream_ramblock_count(s); i++) {
		const vmc_ramblock *b = vmc_stream_ramblock(s, i);
		uint64_t max = 0;
		for (j = 0; j < nrb; j++)
			if (strcmp(rb[j].name, vmc_ramblock_name(b)) == 0)
				max = rb[j].max;
		fprintf(f, "%s  - {name: ", ind);
		yq(f, vmc_ramblock_name(b));
		fprintf(f, ", used: %" PRIu64 ", max: %" PRIu64 "}\n", vmc_ramblock_used_length(b),
			max);
	}
}

/* ---- query-machines ---------------------------------------------------------- */

static const char *jstr(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

static int jbool(json_object *o, const char *k)
{
	json_object *v;
	return o && json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

/* The family of a machine type: its name without a trailing -X.Y[.Z]. */
static char *machine_family(const char *name)
{
	const char *dash = strrchr(name, '-');
	char *f;

	if (dash && dash[1] >= '0' && dash[1] <= '9' &&
	    strspn(dash + 1, "0123456789.") == strlen(dash + 1))
		f = strndup(name, (size_t)(dash - name));
	else
		f = strdup(name);
	if (!f)
		die_oom();
	return f;
}

/* Resolve an alias or name to a machine entry. */
static json_object *find_machine(harvest *h, const char *name)
{
	size_t i;

	for (i = 0; i < json_object_array_length(h->machines); i++) {
		json_object *m = json_object_array_get_idx(h->machines, i);
		const char *a = jstr(m, "alias");
		if (strcmp(jstr(m, "name"), name) == 0 || (a && strcmp(a, name) == 0))
			return m;
	}
	return NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_machine(const void *a, const void *b)
{
	return strcmp(jstr(*(json_object *const *)a, "name"), jstr(*(json_object *const *)b, "name"));
}

/* Newest member of a family: the alias target when there is one, else the
 * greatest version by numeric comparison. */
static const char *family_probe_machine(harvest *h, const char *fam)
{
	const char *best = NULL;
	unsigned bmaj = 0, bmin = 0;
	size_t i;

	for (i = 0; i < json_object_array_length(h->machines); i++) {
		json_object *m = json_object_array_get_idx(h->machines, i);
		const char *name = jstr(m, "name");
		char *f = machine_family(name);
		unsigned a = 0, b = 0;
		int same = strcmp(f, fam) == 0;
		free(f);
		if (!same)
			continue;
		if (jstr(m, "alias") && !strchr(jstr(m, "alias"), '-'))
			return name;
		sscanf(name + strlen(fam), "-%u.%u", &a, &b);
		if (!best || a > bmaj || (a == bmaj && b > bmin))
			best = name, bmaj = a, bmin = b;
	}
	return best;
}

/* The first bus of `info qtree` with a PCI type: "pci"/"pcie" and its name. */
static void root_bus_kind(const char *qtree, char *kind, size_t kl, char *name, size_t nl)
{
	const char *p = qtree;

	snprintf(kind, kl, "none");
	name[0] = '\0';
	while ((p = strstr(p, "bus: ")) != NULL) {
		const char *eol = strchr(p, '\n'), *t;
		char bus[128];
		size_t bl = eol ? (size_t)(eol - p - 5) : strlen(p + 5);
		if (bl >= sizeof(bus))
			bl = sizeof(bus) - 1;
		memcpy(bus, p + 5, bl);
		while (bl > 0 && (bus[bl - 1] == '\r' || bus[bl - 1] == ' '))
			bl--;
		bus[bl] = '\0';
		t = eol ? eol + 1 : p + strlen(p);
		while (*t == ' ')
			t++;
		if (strncmp(t, "type PCIE", 9) == 0 && (t[9] == '\n' || t[9] == '\r' || !t[9])) {
			snprintf(kind, kl, "pcie");
			snprintf(name, nl, "%s", bus);
			return;
		}
		if (strncmp(t, "type PCI", 8) == 0 && (t[8] == '\n' || t[8] == '\r' || !t[8])) {
			snprintf(kind, kl, "pci");
			snprintf(name, nl, "%s", bus);
			return;
		}
		p += 5;
	}
}

static void emit_machines(harvest *h, strv *fam_names, strv *fam_kinds)
{
	FILE *f = h->out;
	size_t i, j;

	fprintf(f, "machines:\n  compat_props: %s\n  list:\n",
		h->compat_props ? "\"query-machines\"" : "\"absent\"");
	for (i = 0; i < json_object_array_length(h->machines); i++) {
		json_object *m = json_object_array_get_idx(h->machines, i), *cp;
		char *fam = machine_family(jstr(m, "name"));
		const char *kind = "unknown";

		for (j = 0; j < fam_names->n; j++)
			if (strcmp(fam_names->v[j], fam) == 0)
				kind = fam_kinds->v[j];
		fprintf(f, "    - name: ");
		yq(f, jstr(m, "name"));
		fprintf(f, "\n");
		if (jstr(m, "alias")) {
			fprintf(f, "      alias: ");
			yq(f, jstr(m, "alias"));
			fprintf(f, "\n");
		}
		fprintf(f, "      default: %s\n      deprecated: %s\n      family: ",
			jbool(m, "is-default") ? "true" : "false",
			jbool(m, "deprecated") ? "true" : "false");
		yq(f, fam);
		fprintf(f, "\n      root_bus: ");
		yq(f, kind);
		fprintf(f, "\n");
		if (h->compat_props && json_object_object_get_ex(m, "compat-props", &cp)) {
			fprintf(f, "      compat_props:%s\n", json_object_array_length(cp) ? "" : " []");
			for (j = 0; j < json_object_array_length(cp); j++) {
				json_object *e = json_object_array_get_idx(cp, j);
				fprintf(f, "        - [");
				yq(f, jstr(e, "qom-type"));
				fprintf(f, ", ");
				yq(f, jstr(e, "property"));
				fprintf(f, ", ");
				yq(f, jstr(e, "value"));
				fprintf(f, "]\n");
			}
		}
		free(fam);
	}
}

/* ---- vmstate dumps ------------------------------------------------------------ */

static void walk_subs(json_object *desc, strv *subs, const char *top)
{
	json_object *arr;
	size_t i;

	if (!json_object_is_type(desc, json_type_object))
		return;
	if (json_object_object_get_ex(desc, "Fields", &arr) && json_object_is_type(arr, json_type_array))
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *d;
			if (json_object_object_get_ex(json_object_array_get_idx(arr, i), "Description",
						      &d))
				walk_subs(d, subs, top);
		}
	if (json_object_object_get_ex(desc, "Subsections", &arr) &&
	    json_object_is_type(arr, json_type_array))
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *s = json_object_array_get_idx(arr, i);
			const char *name = jstr(s, "name");
			if (name) {
				char *k = xasprintf("%s", name);
				if (!strv_has(subs, k))
					strv_push(subs, k);
				else
					free(k);
			}
			walk_subs(s, subs, top);
		}
}

/* The compact text of one dump: one YAML line per top-level vmsd, sorted
 * (what vmc_vmstate keeps; duplicates by vmsd name dropped).  NULL with
 * *err on failure. */
static char *vmstate_compact(harvest *h, const char *machine, char **err)
{
	char *path = xasprintf("%s/vmstate-%s.json", h->workdir, machine);
	char *argv[] = {(char *)h->qemu, "-machine", (char *)machine, "-accel", "tcg",
			"-nodefaults", "-display", "none", "-dump-vmstate", path, NULL};
	int st = 0;
	char *log = run_capture(argv, &st);
	json_object *root;
	strv lines = {0};
	size_t i, total = 0;
	char *text;

	root = json_object_from_file(path);
	unlink(path);
	free(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		*err = xasprintf("-dump-vmstate failed (status %d): %s", st, log ? log : "");
		free(log);
		json_object_put(root);
		return NULL;
	}
	free(log);
	json_object_object_foreach(root, key, val)
	{
		json_object *desc, *ver, *min;
		const char *name;
		strv subs = {0};
		char *line;
		size_t k;

		if (strcmp(key, "vmschkmachine") == 0 ||
		    !json_object_object_get_ex(val, "Description", &desc) ||
		    !(name = jstr(desc, "name")) ||
		    !json_object_object_get_ex(desc, "version_id", &ver) ||
		    !json_object_object_get_ex(desc, "minimum_version_id", &min))
			continue;
		walk_subs(desc, &subs, name);
		if (subs.n)
			qsort(subs.v, subs.n, sizeof(char *), cmp_str);
		{
			FILE *mf;
			char *buf = NULL;
			size_t bl = 0;

			mf = open_memstream(&buf, &bl);
			if (!mf)
				die_oom();
			fprintf(mf, "      - {name: ");
			yq(mf, name);
			fprintf(mf, ", version: %" PRId64 ", minimum_version: %" PRId64,
				json_object_get_int64(ver), json_object_get_int64(min));
			if (subs.n) {
				fprintf(mf, ", subsections: [");
				for (k = 0; k < subs.n; k++) {
					if (k)
						fprintf(mf, ", ");
					yq(mf, subs.v[k]);
				}
				fprintf(mf, "]");
			}
			fprintf(mf, "}\n");
			fclose(mf);
			line = buf;
		}
		strv_free(&subs);
		/* several QOM types share one vmsd (uhci, vga, ...): keep one */
		if (strv_has(&lines, line))
			free(line);
		else
			strv_push(&lines, line);
	}
	json_object_put(root);
	qsort(lines.v, lines.n, sizeof(char *), cmp_str);
	for (i = 0; i < lines.n; i++)
		total += strlen(lines.v[i]);
	text = calloc(1, total + 1);
	if (!text)
		die_oom();
	for (i = 0; i < lines.n; i++)
		strcat(text, lines.v[i]);
	strv_free(&lines);
	return text;
}

static void emit_vmstate(harvest *h)
{
	strv texts = {0}, groups = {0};
	size_t i, j;

	fprintf(h->out, "vmstate:\n");
	for (i = 0; i < h->base_machines.n; i++) {
		char *err = NULL, *t = vmstate_compact(h, h->base_machines.v[i], &err);
		if (!t) {
			fprintf(h->out, "  - machines: [");
			yq(h->out, h->base_machines.v[i]);
			fprintf(h->out, "]\n    error: ");
			yq(h->out, err);
			fprintf(h->out, "\n");
			free(err);
			continue;
		}
		for (j = 0; j < texts.n; j++)
			if (strcmp(texts.v[j], t) == 0)
				break;
		if (j < texts.n) {
			char *g = xasprintf("%s, \"%s\"", groups.v[j], h->base_machines.v[i]);
			free(groups.v[j]);
			groups.v[j] = g;
			free(t);
		} else {
			strv_push(&texts, t);
			strv_push(&groups, xasprintf("\"%s\"", h->base_machines.v[i]));
		}
	}
	for (j = 0; j < texts.n; j++)
		fprintf(h->out, "  - machines: [%s]\n    vmsds:\n%s", groups.v[j], texts.v[j]);
	strv_free(&texts);
	strv_free(&groups);
}

/* ---- devices ---------------------------------------------------------------- */

static void emit_default(FILE *f, json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		yq(f, json_object_get_string(v));
	else
		yq(f, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

/* The -device arguments a family needs in front (backends). */
static const char *const *backend_args(harvest *h)
{
	static const char *args[16];
	static char fsdev[160];
	int n = 0;

	snprintf(fsdev, sizeof(fsdev), "local,id=fs0,path=%s,security_model=none", h->workdir);
	args[n++] = "-fsdev";
	args[n++] = fsdev;
	args[n++] = "-blockdev";
	args[n++] = "driver=null-co,node-name=null0,size=67108864";
	args[n++] = "-netdev";
	args[n++] = "user,id=n0";
	args[n] = NULL;
	return args;
}

static const char *backend_props_of(const char *type)
{
	size_t i;
	for (i = 0; i < sizeof(FAMILIES) / sizeof(FAMILIES[0]); i++)
		if (strncmp(type, FAMILIES[i].type, strlen(FAMILIES[i].type)) == 0)
			return FAMILIES[i].backend_props;
	return "";
}

/* Build extra args: backends, then up to two placement devices and the
 * device under test.  Strings are owned by `own`. */
static void build_extra(harvest *h, const char **extra, strv *own, const char *pre1,
			const char *pre2, const char *dut)
{
	const char *const *b = backend_args(h);
	int n = 0;

	while (*b)
		extra[n++] = *b++;
	if (pre1) {
		extra[n++] = "-device";
		extra[n++] = pre1;
	}
	if (pre2) {
		extra[n++] = "-device";
		extra[n++] = pre2;
	}
	extra[n++] = "-device";
	extra[n++] = dut;
	strv_push(own, (char *)dut);
	extra[n] = NULL;
}

static void emit_devices(harvest *h, vm *probe)
{
	FILE *f = h->out;
	size_t i, j;

	fprintf(f, "devices:\n");
	for (i = 0; DEVICES[i]; i++) {
		const char *type = DEVICES[i];
		json_object *a = json_object_new_object(), *props;
		char *err = NULL, *refusal = NULL, *dut;
		const char *machine, *pre = NULL, *loc;
		const char *extra[24];
		strv own = {0};
		vm v;

		json_object_object_add(a, "typename", json_object_new_string(type));
		props = qmp_ok(probe, "device-list-properties", a, &err);
		fprintf(f, "  - type: ");
		yq(f, type);
		fprintf(f, "\n");
		if (!props) {
			fprintf(f, "    absent: ");
			yq(f, err);
			fprintf(f, "\n");
			free(err);
			continue;
		}
		/* probe it alone on its natural bus for romfile and the ROM block */
		if (strcmp(type, "pcie-root-port") == 0 || strcmp(type, "pcie-pci-bridge") == 0) {
			machine = "q35";
			loc = "bus=pcie.0,addr=0x3";
		} else {
			machine = "pc";
			loc = "bus=pci.0,addr=0x3";
		}
		if (strcmp(type, "pcie-root-port") == 0)
			loc = "bus=pcie.0,addr=0x3,chassis=1";
		if (strcmp(type, "pci-bridge") == 0)
			loc = "bus=pci.0,addr=0x3,chassis_nr=1";
		dut = xasprintf("%s,id=dut,%s%s", type, loc, backend_props_of(type));
		build_extra(h, extra, &own, pre, NULL, dut);
		fprintf(f, "    probe: {machine: ");
		yq(f, machine);
		fprintf(f, ", device: ");
		yq(f, dut);
		fprintf(f, "}\n");
		if (vm_start(h, &v, machine, extra, &refusal) == 0) {
			json_object *ga = json_object_new_object(), *rom;
			rblock rb[64];
			size_t nrb;
			char *txt;
			json_object_object_add(ga, "path",
					       json_object_new_string("/machine/peripheral/dut"));
			json_object_object_add(ga, "property", json_object_new_string("romfile"));
			rom = qmp_ok(&v, "qom-get", ga, NULL);
			fprintf(f, "    romfile: ");
			yq(f, rom ? json_object_get_string(rom) : "");
			fprintf(f, "\n");
			json_object_put(rom);
			txt = hmp(&v, "info ramblock");
			nrb = parse_ramblock(txt, rb, 64);
			free(txt);
			/* the block is "ADDR/TYPE.rom", cut to 31 characters after
			 * the '/' (pci_add_option_rom formats into char name[32]):
			 * "virtio-net-pci-non-transitional" has no ".rom" */
			for (j = 0; j < nrb; j++) {
				char *want = xasprintf("%s.rom", type);
				const char *slash = strrchr(rb[j].name, '/');
				size_t cl = slash ? strlen(slash + 1) : 0;
				if (cl >= strlen(type) && cl <= strlen(want) &&
				    strncmp(slash + 1, want, cl) == 0) {
					fprintf(f, "    rom_block: ");
					yq(f, rb[j].name);
					fprintf(f, "\n    rom_size: %" PRIu64 "\n", rb[j].used);
				}
				free(want);
			}
			vm_quit(&v);
		} else {
			fprintf(f, "    refused: ");
			yq(f, refusal);
			fprintf(f, "\n");
			free(refusal);
		}
		strv_free(&own);
		fprintf(f, "    properties:\n");
		for (j = 0; j < json_object_array_length(props); j++) {
			json_object *p = json_object_array_get_idx(props, j), *dv;
			fprintf(f, "      - {name: ");
			yq(f, jstr(p, "name"));
			fprintf(f, ", type: ");
			yq(f, jstr(p, "type"));
			if (json_object_object_get_ex(p, "default-value", &dv)) {
				fprintf(f, ", default: ");
				emit_default(f, dv);
			}
			fprintf(f, "}\n");
		}
		json_object_put(props);
	}
}

/* ---- machine_base -------------------------------------------------------------- */

static void emit_machine_base(harvest *h, const char *requested)
{
	FILE *f = h->out;
	json_object *m = find_machine(h, requested);
	const char *name;
	char *refusal = NULL, *err = NULL, *path, *txt, *fam;
	rblock rb[64];
	size_t nrb, i;
	vmc_ctx *ctx;
	vmc_stream *s;
	vm v;

	if (!m)
		return;
	name = jstr(m, "name");
	if (strv_has(&h->base_machines, name))
		return;
	strv_push(&h->base_machines, xstrdup(name));
	fam = machine_family(name);
	fprintf(f, "  - machine: ");
	yq(f, name);
	fprintf(f, "\n    requested: ");
	yq(f, requested);
	fprintf(f, "\n    family: ");
	yq(f, fam);
	fprintf(f, "\n    ram_mb: %d\n", HV_RAM_MB);
	free(fam);
	if (vm_start(h, &v, name, NULL, &refusal) < 0) {
		fprintf(f, "    refused: ");
		yq(f, refusal);
		fprintf(f, "\n");
		free(refusal);
		return;
	}
	fprintf(f, "    argv: ");
	yq(f, v.argv_text);
	fprintf(f, "\n");
	txt = hmp(&v, "info ramblock");
	nrb = parse_ramblock(txt, rb, 64);
	free(txt);
	path = xasprintf("%s/base.mig", h->workdir);
	if (vm_save_and_quit(&v, path, &err) < 0 || decode(path, &ctx, &s, &err) < 0) {
		fprintf(f, "    error: ");
		yq(f, err);
		fprintf(f, "\n");
		free(err);
		unlink(path);
		free(path);
		return;
	}
	unlink(path);
	free(path);
	emit_sections_ramblocks(f, "    ", s, rb, nrb);
	for (i = 0; i < vmc_stream_ramblock_count(s); i++)
		strv_push(&h->base_blocks,
			  xasprintf("%s\n%s", name, vmc_ramblock_name(vmc_stream_ramblock(s, i))));
	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		strv_push(&h->base_sections, xasprintf("%s\n%s\n%" PRIu32, name, vmc_section_idstr(sec),
						       vmc_section_instance_id(sec)));
	}
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
}

/* A stream vmcompat could not decode is kept for a bug report. */
static void keep_failed(harvest *h, const char *path, const char *err)
{
	char *keep = xasprintf("/tmp/vmcompat-harvest-failed-%u.mig", h->nvm);

	if (rename(path, keep) == 0)
		fprintf(stderr, "vmcompat harvest: kept %s (%s)\n", keep, err);
	free(keep);
}

/* ---- references ------------------------------------------------------------------ */

/* Host features as QEMU prints them: names (before ':') and the bits it
 * cannot name. */
static void emit_features(FILE *f, json_object *feat)
{
	static const char *const lists[] = {"transports", "dev-features"};
	json_object *arr, *unk;
	size_t i, k, n = 0;

	fprintf(f, "    host_features:\n      names: [");
	for (k = 0; k < 2; k++) {
		if (!json_object_object_get_ex(feat, lists[k], &arr))
			continue;
		for (i = 0; i < json_object_array_length(arr); i++) {
			const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
			const char *colon = strchr(s, ':');
			char *name = colon ? strndup(s, (size_t)(colon - s)) : xstrdup(s);
			if (!name)
				die_oom();
			fprintf(f, "%s", n++ ? ", " : "");
			yq(f, name);
			free(name);
		}
	}
	fprintf(f, "]\n");
	if (json_object_object_get_ex(feat, "unknown-dev-features", &unk))
		fprintf(f, "      unknown: 0x%" PRIx64 "\n", (uint64_t)json_object_get_int64(unk));
}

static const vmc_field *child(const vmc_field *f, const char *name)
{
	return f ? vmc_field_find(f, name) : NULL;
}

static void emit_virtio_facts(FILE *f, const vmc_section *sec)
{
	const vmc_field *facts = vmc_section_facts(sec), *x, *fields = vmc_section_fields(sec);
	const uint8_t *cfg;
	size_t len = 0, i, trimmed;

	fprintf(f, "    section: {idstr: ");
	yq(f, vmc_section_idstr(sec));
	fprintf(f, ", instance: %" PRIu32 ", version: %" PRIu32 "}\n", vmc_section_instance_id(sec),
		vmc_section_version_id(sec));
	if ((x = child(facts, "mode")) && vmc_field_string(x)) {
		fprintf(f, "    mode: ");
		yq(f, vmc_field_string(x));
		fprintf(f, "\n");
	}
	x = child(child(child(fields, "virtio"), "pci"), "config");
	cfg = x ? vmc_field_bytes(x, &len) : NULL;
	if (cfg) {
		for (trimmed = len; trimmed > 0 && cfg[trimmed - 1] == 0; trimmed--)
			;
		fprintf(f, "    config: {size: %zu, hex: \"", len);
		for (i = 0; i < trimmed; i++)
			fprintf(f, "%02x", cfg[i]);
		fprintf(f, "\"}\n");
	}
	if ((x = child(child(facts, "msix"), "vectors")))
		fprintf(f, "    msix_vectors: %" PRIu64 "\n", vmc_field_uint(x));
	else
		fprintf(f, "    msix_vectors: 0\n");
	if ((x = child(facts, "config_len")))
		fprintf(f, "    config_len: %" PRIu64 "\n", vmc_field_uint(x));
	if ((x = child(facts, "queues"))) {
		fprintf(f, "    queues: [");
		for (i = 0; i < vmc_field_child_count(x); i++)
			fprintf(f, "%s%" PRIu64, i ? ", " : "",
				vmc_field_uint(child(vmc_field_child(x, i), "num")));
		fprintf(f, "]\n");
	}
	if ((x = child(facts, "subsections"))) {
		fprintf(f, "    subsections: [");
		for (i = 0; i < vmc_field_child_count(x); i++) {
			fprintf(f, "%s", i ? ", " : "");
			yq(f, vmc_field_string(vmc_field_child(x, i)));
		}
		fprintf(f, "]\n");
	}
}

static void emit_reference(harvest *h, const char *machine, const struct bus *bus,
			   const struct family *fam, const struct flavour *fl)
{
	FILE *f = h->out;
	char *type = xasprintf("%s%s", fam->type, fl->suffix), *path;
	const char *props = bus->pcie_port ? fl->props_on_port : fl->props;
	char *dut = xasprintf("%s,id=dut,%s%s%s%s", type, bus->dut_loc, fam->backend_props,
			      *props ? "," : "", props);
	const char *extra[24];
	strv own = {0};
	char *refusal = NULL, *err = NULL, *st_err = NULL, *txt;
	json_object *a, *st, *hf;
	rblock rb[64];
	size_t nrb, i, j;
	vmc_ctx *ctx;
	vmc_stream *s;
	vm v;

	fprintf(f, "  - family: ");
	yq(f, bus->family);
	fprintf(f, "\n    machine: ");
	yq(f, machine);
	fprintf(f, "\n    bus: ");
	yq(f, bus->name);
	fprintf(f, "\n    type: ");
	yq(f, type);
	fprintf(f, "\n    flavour: ");
	yq(f, fl->name);
	fprintf(f, "\n    props: ");
	yq(f, props);
	fprintf(f, "\n    device: ");
	yq(f, dut);
	fprintf(f, "\n");
	if (bus->pre1) {
		fprintf(f, "    placement: [");
		yq(f, bus->pre1);
		if (bus->pre2) {
			fprintf(f, ", ");
			yq(f, bus->pre2);
		}
		fprintf(f, "]\n");
	}
	build_extra(h, extra, &own, bus->pre1, bus->pre2, dut);
	free(type);
	if (vm_start(h, &v, machine, extra, &refusal) < 0) {
		fprintf(f, "    refused: ");
		yq(f, refusal);
		fprintf(f, "\n");
		free(refusal);
		h->nrefused++;
		strv_free(&own);
		return;
	}
	strv_free(&own);
	if (h->status_broken) {
		st = NULL;
		st_err = xstrdup(h->status_broken);
	} else {
		a = json_object_new_object();
		json_object_object_add(
			a, "path", json_object_new_string("/machine/peripheral/dut/virtio-backend"));
		st = qmp_ok(&v, "x-query-virtio-status", a, &st_err);
	}
	txt = hmp(&v, "info ramblock");
	nrb = parse_ramblock(txt, rb, 64);
	free(txt);
	path = xasprintf("%s/ref.mig", h->workdir);
	if (vm_save_and_quit(&v, path, &err) < 0 || decode(path, &ctx, &s, &err) < 0) {
		keep_failed(h, path, err);
		fprintf(f, "    error: ");
		yq(f, err);
		fprintf(f, "\n");
		free(err);
		free(st_err);
		json_object_put(st);
		unlink(path);
		free(path);
		return;
	}
	unlink(path);
	free(path);
	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		if (vmc_section_facts(sec) && child(vmc_section_facts(sec), "family")) {
			emit_virtio_facts(f, sec);
			break;
		}
	}
	if (st && json_object_object_get_ex(st, "host-features", &hf))
		emit_features(f, hf);
	else if (st_err) {
		fprintf(f, "    host_features_error: ");
		yq(f, st_err);
		fprintf(f, "\n");
	}
	free(st_err);
	json_object_put(st);
	/* what the machine alone does not have: the device's (and the
	 * placement devices') ramblocks and sections */
	fprintf(f, "    ramblocks: [");
	for (i = 0, j = 0; i < vmc_stream_ramblock_count(s); i++) {
		const vmc_ramblock *b = vmc_stream_ramblock(s, i);
		char *key = xasprintf("%s\n%s", machine, vmc_ramblock_name(b));
		uint64_t max = 0;
		size_t k;
		if (!strv_has(&h->base_blocks, key)) {
			for (k = 0; k < nrb; k++)
				if (strcmp(rb[k].name, vmc_ramblock_name(b)) == 0)
					max = rb[k].max;
			fprintf(f, "%s{name: ", j++ ? ", " : "");
			yq(f, vmc_ramblock_name(b));
			fprintf(f, ", used: %" PRIu64 ", max: %" PRIu64 "}", vmc_ramblock_used_length(b),
				max);
		}
		free(key);
	}
	fprintf(f, "]\n    other_sections: [");
	for (i = 0, j = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		char *key = xasprintf("%s\n%s\n%" PRIu32, machine, vmc_section_idstr(sec),
				      vmc_section_instance_id(sec));
		if (!strv_has(&h->base_sections, key) &&
		    !(vmc_section_facts(sec) && child(vmc_section_facts(sec), "family"))) {
			fprintf(f, "%s{idstr: ", j++ ? ", " : "");
			yq(f, vmc_section_idstr(sec));
			fprintf(f, ", instance: %" PRIu32 ", version: %" PRIu32 "}",
				vmc_section_instance_id(sec), vmc_section_version_id(sec));
		}
		free(key);
	}
	fprintf(f, "]\n");
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
}

/* QEMU 11.1.2 aborts on x-query-virtio-status for a never-started device
 * (qapi-visit-core.c visit_start_struct assertion): ask it once in a guest
 * of its own, and when QEMU dies, record why and ask no more. */
static void probe_virtio_status(harvest *h)
{
	static const char *const extra[] = {"-device", "virtio-rng-pci,id=dut,bus=pci.0,addr=0x3",
					    NULL};
	json_object *a = json_object_new_object(), *st;
	char *refusal = NULL, *err = NULL;
	vm v;

	if (vm_start(h, &v, "pc", extra, &refusal) < 0) {
		free(refusal);
		json_object_put(a);
		return;
	}
	json_object_object_add(a, "path",
			       json_object_new_string("/machine/peripheral/dut/virtio-backend"));
	st = qmp_ok(&v, "x-query-virtio-status", a, &err);
	if (st) {
		json_object_put(st);
		vm_quit(&v);
		return;
	}
	if (!strstr(err, "QEMU exited")) {
		vm_quit(&v); /* an ordinary error (5.2: no such command) */
		free(err);
		return;
	}
	free(err);
	close(v.qmp);
	v.qmp = -1;
	reap(v.pid, v.timed_out);
	v.pid = 0;
	{
		char *log = slurp_text(v.errpath), *line = strstr(log, "Assertion");
		const char *what = line ? line : log;
		char *nl;
		while ((nl = strrchr(what, '\n')) && nl[1] == '\0')
			*nl = '\0';
		h->status_broken = xasprintf("not asked: x-query-virtio-status made this QEMU exit "
					     "(%s)",
					     what);
		free(log);
	}
	vm_close(&v, 0);
}

/* ---- the command ---------------------------------------------------------------- */

static void hv_usage(FILE *f)
{
	fprintf(f, "usage: vmcompat harvest --qemu BINARY [--out FILE] [--only PART]...\n"
		   "  record an emulator profile (docs/profiles.md) by running BINARY\n"
		   "  (TCG, paused guests, QMP over a socketpair); PART is one of\n"
		   "  machines, vmstate, devices, machine_base, references (default: all)\n");
}

int cmd_harvest(int argc, char **argv)
{
	const char *out_path = NULL;
	char *refusal = NULL, *tmp_path = NULL, cmdline[4096], date[32];
	unsigned parts = 0;
	json_object *ver, *q, *a;
	strv fam_names = {0}, fam_kinds = {0}, bases = {0};
	harvest h;
	time_t now = time(NULL);
	struct tm tmv;
	vm probe;
	size_t i, b, fi, fl;
	int k;

	memset(&h, 0, sizeof(h));
	snprintf(cmdline, sizeof(cmdline), "vmcompat harvest");
	for (k = 0; k < argc; k++)
		snprintf(cmdline + strlen(cmdline), sizeof(cmdline) - strlen(cmdline), " %s", argv[k]);
	for (k = 0; k < argc; k++) {
		if (strcmp(argv[k], "--qemu") == 0 && k + 1 < argc) {
			h.qemu = argv[++k];
		} else if (strcmp(argv[k], "--out") == 0 && k + 1 < argc) {
			out_path = argv[++k];
		} else if (strcmp(argv[k], "--only") == 0 && k + 1 < argc) {
			static const char *const names[] = {"machines", "vmstate", "devices",
							    "machine_base", "references"};
			size_t n;
			for (n = 0; n < 5 && strcmp(names[n], argv[k + 1]) != 0; n++)
				;
			if (n == 5) {
				hv_usage(stderr);
				return EXIT_USAGE;
			}
			parts |= 1u << n;
			k++;
		} else if (strcmp(argv[k], "--help") == 0) {
			hv_usage(stdout);
			return 0;
		} else {
			hv_usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!parts)
		parts = 31;
	if (!h.qemu || h.qemu[0] != '/') {
		fprintf(stderr, "vmcompat harvest: --qemu needs an absolute path\n");
		hv_usage(stderr);
		return EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	snprintf(h.workdir, sizeof(h.workdir), "/tmp/vmcompat-harvest-XXXXXX");
	if (!mkdtemp(h.workdir)) {
		fprintf(stderr, "vmcompat harvest: mkdtemp: %s\n", strerror(errno));
		return EXIT_IOERR;
	}
	if (out_path) {
		tmp_path = xasprintf("%s.tmp", out_path);
		h.out = fopen(tmp_path, "w");
		if (!h.out) {
			fprintf(stderr, "vmcompat harvest: cannot write %s: %s\n", tmp_path,
				strerror(errno));
			rmdir(h.workdir);
			return EXIT_IOERR;
		}
	} else {
		h.out = stdout;
	}

	/* 1. the binary's default machine: version, machines, properties */
	if (vm_start(&h, &probe, NULL, NULL, &refusal) < 0) {
		fprintf(stderr, "vmcompat harvest: %s refused to start: %s\n", h.qemu, refusal);
		free(refusal);
		return EXIT_SOFTWARE;
	}
	ver = qmp_ok(&probe, "query-version", NULL, NULL);
	a = json_object_new_object();
	json_object_object_add(a, "compat-props", json_object_new_boolean(1));
	h.machines = qmp_ok(&probe, "query-machines", a, NULL);
	h.compat_props = h.machines != NULL;
	if (!h.machines)
		h.machines = qmp_ok(&probe, "query-machines", NULL, NULL);
	if (!ver || !h.machines) {
		fprintf(stderr, "vmcompat harvest: query-version/query-machines failed\n");
		return EXIT_SOFTWARE;
	}
	json_object_array_sort(h.machines, cmp_machine);
	q = json_object_object_get(ver, "qemu");
	h.major = (unsigned)json_object_get_int(json_object_object_get(q, "major"));
	h.minor = (unsigned)json_object_get_int(json_object_object_get(q, "minor"));
	gmtime_r(&now, &tmv);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tmv);
	fprintf(h.out, "# vmcompat emulator profile (docs/profiles.md); made by vmcompat harvest, "
		       "do not edit\nformat: 1\nqemu:\n  version: \"%u.%u.%d\"\n  package: ",
		h.major, h.minor, json_object_get_int(json_object_object_get(q, "micro")));
	yq(h.out, jstr(ver, "package"));
	fprintf(h.out, "\n  binary: ");
	yq(h.out, h.qemu);
	fprintf(h.out, "\n  harvested_by: ");
	yq(h.out, cmdline);
	fprintf(h.out, "\n  date: \"%s\"\n  vmcompat: \"%s\"\n", date, VMC_VERSION_STRING);

	/* 2. machine families: one guest each, root bus from info qtree */
	{
		strv fams = {0};
		for (i = 0; i < json_object_array_length(h.machines); i++) {
			char *fam = machine_family(
				jstr(json_object_array_get_idx(h.machines, i), "name"));
			if (strv_has(&fams, fam))
				free(fam);
			else
				strv_push(&fams, fam);
		}
		qsort(fams.v, fams.n, sizeof(char *), cmp_str);
		fprintf(h.out, "machine_families:\n");
		for (i = 0; i < fams.n; i++) {
			const char *pm = family_probe_machine(&h, fams.v[i]);
			char kind[16], bus[128];
			vm v;
			fprintf(h.out, "  - {family: ");
			yq(h.out, fams.v[i]);
			fprintf(h.out, ", probe_machine: ");
			yq(h.out, pm);
			if (vm_start(&h, &v, pm, NULL, &refusal) < 0) {
				fprintf(h.out, ", root_bus: \"unknown\", refused: ");
				yq(h.out, refusal);
				free(refusal);
				strv_push(&fam_kinds, xstrdup("unknown"));
			} else {
				char *qt = hmp(&v, "info qtree");
				root_bus_kind(qt, kind, sizeof(kind), bus, sizeof(bus));
				free(qt);
				vm_quit(&v);
				fprintf(h.out, ", root_bus: ");
				yq(h.out, kind);
				if (bus[0]) {
					fprintf(h.out, ", root_bus_name: ");
					yq(h.out, bus);
				}
				strv_push(&fam_kinds, xstrdup(kind));
			}
			fprintf(h.out, "}\n");
			strv_push(&fam_names, xstrdup(fams.v[i]));
		}
		strv_free(&fams);
	}
	if (parts & 1)
		emit_machines(&h, &fam_names, &fam_kinds);

	/* machines harvested in machine_base (and vmstate): the defaults of
	 * both families, and pc-*-7.2 / pc-*-5.2 where the binary has them
	 * (the machine types cross-version pairs use) */
	strv_push(&bases, xstrdup("pc"));
	strv_push(&bases, xstrdup("q35"));
	strv_push(&bases, xstrdup("pc-i440fx-7.2"));
	strv_push(&bases, xstrdup("pc-q35-7.2"));
	strv_push(&bases, xstrdup("pc-i440fx-5.2"));
	strv_push(&bases, xstrdup("pc-q35-5.2"));
	if (parts & (8 | 16 | 2)) {
		fprintf(h.out, "machine_base:\n");
		for (i = 0; i < bases.n; i++)
			emit_machine_base(&h, bases.v[i]);
	}
	if (parts & 2)
		emit_vmstate(&h);
	if (parts & 4)
		emit_devices(&h, &probe);
	vm_quit(&probe);

	if (parts & 16) {
		probe_virtio_status(&h);
		fprintf(h.out, "references:\n");
		for (b = 0; b < sizeof(BUSES) / sizeof(BUSES[0]); b++) {
			json_object *m = find_machine(&h, strcmp(BUSES[b].family, "pc-q35") == 0
								  ? "q35"
								  : "pc");
			if (!m)
				continue;
			for (fi = 0; fi < sizeof(FAMILIES) / sizeof(FAMILIES[0]); fi++)
				for (fl = 0; fl < sizeof(FLAVOURS) / sizeof(FLAVOURS[0]); fl++)
					emit_reference(&h, jstr(m, "name"), &BUSES[b], &FAMILIES[fi],
						       &FLAVOURS[fl]);
			fflush(h.out);
		}
	}

	json_object_put(ver);
	json_object_put(h.machines);
	strv_free(&fam_names);
	strv_free(&fam_kinds);
	strv_free(&bases);
	strv_free(&h.base_machines);
	strv_free(&h.base_blocks);
	strv_free(&h.base_sections);
	free(h.status_broken);
	rmdir(h.workdir);
	fprintf(stderr, "vmcompat harvest: %u guests started, %u references refused by QEMU\n",
		h.nvm, h.nrefused);
	if (out_path) {
		if (fclose(h.out) != 0 || rename(tmp_path, out_path) != 0) {
			fprintf(stderr, "vmcompat harvest: cannot write %s\n", out_path);
			free(tmp_path);
			return EXIT_IOERR;
		}
		free(tmp_path);
	} else if (fflush(stdout) != 0) {
		return EXIT_IOERR;
	}
	return 0;
}
