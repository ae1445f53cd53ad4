/*
 * qemu_version.c - which QEMU `prove` and `check --target` answer for, on
 * the command line's side (docs/prove.md "Which QEMU"); the library only
 * takes a version or a loaded profile (vmc_prove_options) and never runs
 * or looks for anything.
 *
 * --source-qemu/--target-qemu ARG is:
 *   - a version ("7.2", "7.2.22", "8.2"): the library picks the bundled
 *     profile of its release line;
 *   - a QEMU binary or wrapper (a path, or a name found on PATH; an ELF file
 *     or a "#!" script): its profile from the per-user cache, harvested
 *     there with `vmcompat harvest` (cli/harvest.c) on first use;
 *   - any other file: a profile (what `vmcompat harvest --out` writes).
 * Without the option: qemu-system-x86_64 on PATH, by its `--version` line
 * (running --version starts no guest and decides nothing), with its cached
 * harvest when there is one; no emulator on PATH: the newest bundled
 * profile, and the report says so.
 *
 * The cache: ${XDG_CACHE_HOME:-$HOME/.cache}/vmcompat/profiles/
 * qemu-X.Y.Z-KEY.yaml, KEY the first 16 hex digits of
 *   sha256(VERSION_LINE "\n" sha256hex(contents of the resolved file)).
 * Why contents, not st_dev/st_ino/size/mtime: a rebuild or an upgrade that
 * keeps the mtime (cp -p, reproducible builds with SOURCE_DATE_EPOCH, an
 * in-place make install) would keep a stale profile, while a reinstall of
 * the same bytes (new inode) would force a needless 20 s harvest.  The
 * version line is in the key because the resolved file of a wrapper script
 * stays the same when the binary behind it changes; the line carries
 * Debian's package version.  Hashing an 18 MB binary takes about 0.1 s and
 * is only done when the cache holds a profile of that version, or on
 * harvest.  Limitation: a wrapper whose wrapped binary is rebuilt without
 * a new version line keeps its cached profile (delete the file;
 * `vmcompat profiles` lists them).
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "cli.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QEMU_NAME "qemu-system-x86_64"

int cli_profile_cache_dir(char *out, size_t cap)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	/* XDG Base Directory: a relative XDG_CACHE_HOME is invalid, ignore it */
	if (x && x[0] == '/')
		n = snprintf(out, cap, "%s/vmcompat/profiles", x);
	else if (home && home[0] == '/')
		n = snprintf(out, cap, "%s/.cache/vmcompat/profiles", home);
	else
		return -1;
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* An executable regular file named name in PATH, made absolute; malloc'd. */
static char *find_in_path(const char *name)
{
	const char *path = getenv("PATH"), *p;
	char buf[PATH_MAX];

	if (!path)
		return NULL;
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct stat st;
		int n;

		if (len == 0)
			n = snprintf(buf, sizeof(buf), "./%s", name); /* empty entry: cwd */
		else
			n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, name);
		if (n > 0 && (size_t)n < sizeof(buf) && stat(buf, &st) == 0 &&
		    S_ISREG(st.st_mode) && access(buf, X_OK) == 0) {
			char abs[PATH_MAX];
			if (buf[0] == '/')
				return strdup(buf);
			if (getcwd(abs, sizeof(abs)) &&
			    strlen(abs) + strlen(buf) + 2 < sizeof(abs)) {
				strcat(abs, "/");
				strcat(abs, buf);
				return strdup(abs);
			}
			return NULL;
		}
		if (!end)
			return NULL;
		p = end;
	}
}

/* Run `bin --version` (stdin and stderr /dev/null, at most 10 s) and keep
 * the first line that says "version".  0 on success. */
static int run_version(const char *bin, char *line, size_t cap)
{
	char out[4096];
	size_t n = 0;
	int fd[2], status = 0, waited = 0;
	pid_t pid;
	time_t start = time(NULL);
	char *l, *nl;

	if (pipe(fd) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 2);
		}
		dup2(fd[1], 1);
		close(fd[0]);
		execl(bin, bin, "--version", (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		struct pollfd pfd = {fd[0], POLLIN, 0};
		ssize_t r;
		int left = 10 - (int)(time(NULL) - start);

		if (left <= 0 || poll(&pfd, 1, left * 1000) <= 0)
			break;
		r = read(fd[0], out + n, sizeof(out) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(out) - 1)
			break;
	}
	close(fd[0]);
	if (waitpid(pid, &status, WNOHANG) == pid)
		waited = 1;
	else {
		kill(pid, SIGKILL);
		waited = waitpid(pid, &status, 0) == pid;
	}
	out[n] = '\0';
	if (!waited || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	for (l = out; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(l, "version ")) {
			snprintf(line, cap, "%.*s", (int)(cap - 1), l);
			return 0;
		}
	}
	return -1;
}

/* "QEMU emulator version 7.2.22 (Debian ...)" -> "7.2.22". 0 on success. */
static int parse_version_line(const char *line, char *ver, size_t cap)
{
	const char *p = strstr(line, "version ");
	size_t n = 0;
	int dots = 0;

	if (!p)
		return -1;
	p += 8;
	while ((p[n] >= '0' && p[n] <= '9') || (p[n] == '.' && n > 0 && p[n - 1] != '.')) {
		dots += p[n] == '.';
		n++;
	}
	if (n && p[n - 1] == '.')
		n--, dots--;
	if (dots < 1 || n + 1 > cap)
		return -1;
	memcpy(ver, p, n);
	ver[n] = '\0';
	return 0;
}

/* sha256hex of a file's contents; 0 on success. */
static int hash_file(const char *path, char hex[65])
{
	cli_sha256 s;
	char buf[65536];
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	cli_sha256_init(&s);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		cli_sha256_update(&s, buf, (size_t)r);
	close(fd);
	if (r < 0)
		return -1;
	cli_sha256_hex(&s, hex);
	return 0;
}

/* Cache file of (version line, resolved file); 0 on success. */
static int cache_path(char *out, size_t cap, const char *dir, const char *ver, const char *line,
		      const char *real)
{
	char fh[65], key[65];
	cli_sha256 s;
	int n;

	if (hash_file(real, fh) < 0)
		return -1;
	cli_sha256_init(&s);
	cli_sha256_update(&s, line, strlen(line));
	cli_sha256_update(&s, "\n", 1);
	cli_sha256_update(&s, fh, 64);
	cli_sha256_hex(&s, key);
	n = snprintf(out, cap, "%s/qemu-%s-%.16s.yaml", dir, ver, key);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* Does the cache hold any profile of version ver?  (Spares the hash.) */
static int cache_has_version(const char *dir, const char *ver)
{
	char prefix[64];
	struct dirent *e;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d)
		return 0;
	snprintf(prefix, sizeof(prefix), "qemu-%s-", ver);
	while (!found && (e = readdir(d)))
		found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return found;
}

static int mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0700) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* A cached profile, checked to be of version ver; 1 loaded, 0 none. */
static int load_cached(cli_qemu *q, vmc_ctx *ctx, const char *file, const char *ver)
{
	vmc_profile *p;

	if (access(file, R_OK) != 0)
		return 0;
	if (vmc_profile_read_path(&p, ctx, file, "cached harvest") < 0) {
		fprintf(stderr, "vmcompat: ignoring the cached profile %s: %s\n", file,
			vmc_error_last(ctx)->message);
		vmc_error_clear(ctx);
		return 0;
	}
	if (strcmp(vmc_profile_version(p), ver) != 0) {
		fprintf(stderr, "vmcompat: ignoring the cached profile %s: it is of QEMU %s, not %s\n",
			file, vmc_profile_version(p), ver);
		vmc_profile_free(p);
		return 0;
	}
	q->profile = p;
	return 1;
}

/* Harvest bin into the cache file (cli/harvest.c), then load it. */
static int harvest_into(cli_qemu *q, vmc_ctx *ctx, const char *bin, const char *dir,
			const char *file, const char *ver)
{
	char tmp[PATH_MAX + 128];
	char *argv[5];
	int rc;

	if (mkdirs(dir) < 0) {
		fprintf(stderr, "vmcompat: cannot create the profile cache %s: %s\n", dir,
			strerror(errno));
		return EXIT_IOERR;
	}
	/* harvest writes TMP.tmp and renames it to TMP; TMP is ours (pid), so
	 * two harvests of one binary at once do not write one file */
	if (snprintf(tmp, sizeof(tmp), "%s.%ld", file, (long)getpid()) >= (int)sizeof(tmp))
		return EXIT_USAGE;
	fprintf(stderr,
		"vmcompat: no profile of %s (QEMU %s) yet: harvesting it once (about 20 s) into "
		"%s\n",
		bin, ver, file);
	argv[0] = "--qemu";
	argv[1] = (char *)bin;
	argv[2] = "--out";
	argv[3] = tmp;
	argv[4] = NULL;
	rc = cmd_harvest(4, argv);
	if (rc != 0) {
		fprintf(stderr, "vmcompat: harvesting %s failed (exit status %d)\n", bin, rc);
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, file) < 0) {
		fprintf(stderr, "vmcompat: cannot rename %s: %s\n", tmp, strerror(errno));
		unlink(tmp);
		return EXIT_IOERR;
	}
	if (!load_cached(q, ctx, file, ver)) {
		fprintf(stderr, "vmcompat: the profile harvested from %s does not load\n", bin);
		return EXIT_SOFTWARE;
	}
	return 0;
}

static int set_reason(cli_qemu *q, const char *fmt, const char *a, const char *b)
{
	size_t cap = strlen(fmt) + (a ? strlen(a) : 0) + (b ? strlen(b) : 0) + 1;

	q->reason = malloc(cap);
	if (!q->reason)
		return EXIT_SOFTWARE;
	snprintf(q->reason, cap, fmt, a ? a : "", b ? b : "");
	return 0;
}

/* A binary: cached profile, else harvest (only when asked by path). */
static int from_binary(cli_qemu *q, vmc_ctx *ctx, const char *bin, int may_harvest,
		       const char *what)
{
	char line[512], real[PATH_MAX], dir[PATH_MAX], file[PATH_MAX + 64];
	int have_dir;

	if (run_version(bin, line, sizeof(line)) < 0 ||
	    parse_version_line(line, q->vbuf, sizeof(q->vbuf)) < 0) {
		if (!may_harvest)
			return -1;
		fprintf(stderr, "vmcompat: %s did not print 'QEMU emulator version X.Y.Z' for "
				"--version\n", bin);
		return EXIT_UNSUPPORTED;
	}
	if (set_reason(q, what, bin, line))
		return EXIT_SOFTWARE;
	have_dir = cli_profile_cache_dir(dir, sizeof(dir)) == 0;
	if (have_dir && (may_harvest || cache_has_version(dir, q->vbuf)) && realpath(bin, real) &&
	    cache_path(file, sizeof(file), dir, q->vbuf, line, real) == 0) {
		if (load_cached(q, ctx, file, q->vbuf))
			return 0;
		if (may_harvest)
			return harvest_into(q, ctx, bin, dir, file, q->vbuf);
	} else if (may_harvest) {
		fprintf(stderr, "vmcompat: no profile cache for %s (set XDG_CACHE_HOME or HOME)\n",
			bin);
		return EXIT_USAGE;
	}
	q->version = q->vbuf; /* the bundled profile of its release line */
	return 0;
}

static int looks_like_version(const char *s)
{
	if (!(*s >= '0' && *s <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return 0;
	return 1;
}

/* ELF or "#!": something to run, not a profile file. */
static int is_program(const char *path)
{
	unsigned char head[4] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	return (n >= 4 && memcmp(head, "\177ELF", 4) == 0) || (n >= 2 && head[0] == '#' &&
								 head[1] == '!');
}

int cli_qemu_resolve(cli_qemu *q, vmc_ctx *ctx, const char *arg, const char *option)
{
	char *path = NULL, abs[PATH_MAX];
	int rc;

	memset(q, 0, sizeof(*q));
	if (!arg) {
		/* the emulator the user has */
		path = find_in_path(QEMU_NAME);
		if (path && from_binary(q, ctx, path, 0, QEMU_NAME " on PATH is %s: %s") == 0) {
			free(path);
			return 0;
		}
		free(q->reason);
		q->reason = NULL;
		rc = set_reason(q,
				path ? QEMU_NAME " on PATH (%s) did not print its version: the "
					      "newest bundled profile%s"
				     : "no " QEMU_NAME " on PATH: the newest bundled profile%s%s",
				path, NULL);
		free(path);
		return rc;
	}
	if (looks_like_version(arg)) {
		q->version = arg;
		return set_reason(q, "%s %s", option, arg);
	}
	if (strchr(arg, '/'))
		path = strdup(arg);
	else
		path = find_in_path(arg);
	if (!path || access(path, R_OK) != 0) {
		fprintf(stderr,
			"vmcompat: %s: expected a QEMU version (7.2, 7.2.22), a QEMU binary or a "
			"profile file, found '%s'\n",
			option, arg);
		free(path);
		return EXIT_USAGE;
	}
	if (path[0] != '/') {
		if (!getcwd(abs, sizeof(abs)) || strlen(abs) + strlen(path) + 2 > sizeof(abs)) {
			free(path);
			return EXIT_USAGE;
		}
		strcat(abs, "/");
		strcat(abs, path);
		free(path);
		path = strdup(abs);
		if (!path)
			return EXIT_SOFTWARE;
	}
	if (is_program(path)) {
		char what[64];
		snprintf(what, sizeof(what), "%s %%s: %%s", option);
		rc = from_binary(q, ctx, path, 1, what);
	} else {
		rc = vmc_profile_read_path(&q->profile, ctx, path, "file");
		if (rc < 0) {
			cli_report_error(ctx, path);
			/* a user's file that is no profile is bad input, not a bug */
			rc = rc == VMC_ESCHEMA ? EXIT_MALFORMED : cli_exit_status(rc);
		} else {
			rc = set_reason(q, "%s %s", option, path);
		}
	}
	free(path);
	return rc;
}

void cli_qemu_free(cli_qemu *q)
{
	vmc_profile_free(q->profile);
	free(q->reason);
	memset(q, 0, sizeof(*q));
}
