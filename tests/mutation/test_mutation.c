/*
 * test_mutation.c - damaged copies of every real fixture stream: an answer,
 * never a crash, a hang or unbounded memory.
 *
 * Inputs: the raw streams of fixtures/qemu-7.2 and qemu-10.0 (the xz
 * fixtures unpacked by the "fixtures_raw" setup test; the two 57 MB
 * "booted" streams are left out for time, test_framing covers them) and
 * the libvirt save images (raw and compressed, as committed).
 *
 * For each, from a clean decode (which must succeed) and a small walk of
 * the RAM section's page records, the mutations are:
 *
 *   truncation   at every section offset, at sampled RAM record
 *                boundaries, at N random offsets
 *   bit flips    one bit at N random positions
 *   lengths      each located length field replaced by 0, 1, max-1, max:
 *                counted-string lengths (idstrs of sampled sections, the
 *                first ramblock name), the configuration section's machine
 *                name length (be32), the capability count (be32, when the
 *                stream has one), the first ramblock's used_length (be64),
 *                the vmdesc length (be32), a libvirt image's data_len
 *                (le32)
 *
 * Every result must be VMC_OK, or VMC_EMALFORMED / VMC_ELIMIT /
 * VMC_EUNSUPPORTED with has_offset set, within MAX_SECONDS per input.
 * Each fixture is mutated in a child process under RLIMIT_AS (512 MiB;
 * skipped when built with a sanitizer, which needs terabytes of shadow
 * address space), and the parent asserts the child exited cleanly rather
 * than being killed.  A sample also goes through the CLI, whose exit
 * status must be 0, 65 or 69.  Random choices use fixed seeds so that a
 * failure names a reproducible (fixture, mutation, position).
 *
 * Sizes are chosen so that the suite takes well under a minute in the
 * plain build and under three with ASan/UBSan.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define VMC_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
	__has_feature(thread_sanitizer)
#define VMC_TEST_SANITIZED 1
#endif
#endif
#ifndef VMC_TEST_SANITIZED
#define VMC_TEST_SANITIZED 0
#endif

#define AS_LIMIT (512ull << 20)
#define RANDOM_CUTS 12
#define RANDOM_FLIPS 12
#define RAM_CUTS 8
#define IDSTR_SECTIONS 4
#define CLI_SAMPLES 2
/* per decode; generous for a 1 MB stream under ASan on a loaded CI box */
#define MAX_SECONDS (VMC_TEST_SANITIZED ? 20.0 : 5.0)

typedef struct input {
	const char *rel;  /* under VMC_FIXTURES_RAW_DIR, or fixtures/ if !raw */
	int raw;          /* an unpacked copy, a QEQV stream                    */
	int libvirt;      /* a libvirt save image (header lengths are LE)       */
} input;

static const input inputs[] = {
	{"qemu-7.2/i440fx-generic.mig", 1, 0},
	{"qemu-7.2/i440fx-transitional.mig", 1, 0},
	{"qemu-7.2/i440fx-non-transitional.mig", 1, 0},
	{"qemu-7.2/i440fx-disable-legacy.mig", 1, 0},
	{"qemu-7.2/i440fx-disable-modern.mig", 1, 0},
	{"qemu-7.2/q35-generic.mig", 1, 0},
	{"qemu-7.2/q35-transitional.mig", 1, 0},
	{"qemu-7.2/q35-non-transitional.mig", 1, 0},
	{"qemu-7.2/q35-disable-legacy.mig", 1, 0},
	{"qemu-7.2/q35-legacy-only.mig", 1, 0},
	{"qemu-10.0/i440fx-generic.mig", 1, 0},
	{"qemu-10.0/i440fx-transitional.mig", 1, 0},
	{"qemu-10.0/i440fx-non-transitional.mig", 1, 0},
	{"qemu-10.0/i440fx-disable-legacy.mig", 1, 0},
	{"qemu-10.0/i440fx-disable-modern.mig", 1, 0},
	{"qemu-10.0/q35-generic.mig", 1, 0},
	{"qemu-10.0/q35-transitional.mig", 1, 0},
	{"qemu-10.0/q35-non-transitional.mig", 1, 0},
	{"qemu-10.0/q35-disable-legacy.mig", 1, 0},
	{"qemu-10.0/q35-legacy-only.mig", 1, 0},
	{"qemu-7.2/i440fx-generic-gzip.mig.gz", 0, 0},
	{"qemu-10.0/i440fx-generic-gzip.mig.gz", 0, 0},
	{"libvirt/save-raw.libvirt", 1, 1},
	{"libvirt/save-running.libvirt", 1, 1},
	{"libvirt/save-part.libvirt", 1, 1},
	{"libvirt/save-gzip.libvirt", 0, 1},
	{"libvirt/save-bzip2.libvirt", 0, 1},
	{"libvirt/save-xz.libvirt", 0, 1},
	{"libvirt/save-zstd.libvirt", 0, 1},
	{"libvirt/save-lzop.libvirt", 0, 1},
};

/* Totals, reported by the parent from what the children print. */
static unsigned long g_total;

typedef struct run {
	const input *in;
	uint8_t *orig;    /* the file as committed / unpacked */
	uint8_t *work;    /* a mutable copy                  */
	size_t len;
	uint64_t header;  /* bytes before the QEMU stream (libvirt header) */
	unsigned long n;  /* mutations tried                              */
	double worst;     /* slowest decode, seconds                      */
} run;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* In the child: report and exit (cmocka's asserts belong to the parent). */
#define CHILD_FAIL(r, ...)                                                            \
	do {                                                                          \
		fprintf(stderr, "mutation: %s: ", (r)->in->rel);                       \
		fprintf(stderr, __VA_ARGS__);                                         \
		fputc('\n', stderr);                                                  \
		_exit(1);                                                             \
	} while (0)

/* Decode work[0..len) and check the answer.  what/where name the
 * mutation in a failure. */
static void decode(run *r, size_t len, const char *what, uint64_t where)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	double t0, dt;
	int rc;

	if (vmc_ctx_new(&ctx, NULL) != VMC_OK)
		CHILD_FAIL(r, "vmc_ctx_new");
	t0 = now();
	rc = vmc_stream_read_buffer(&s, ctx, r->work, len, r->in->rel, NULL);
	dt = now() - t0;
	r->n++;
	if (dt > r->worst)
		r->worst = dt;
	if (dt > MAX_SECONDS)
		CHILD_FAIL(r, "%s at %llu: %.2fs (limit %.0fs)", what, (unsigned long long)where,
			   dt, MAX_SECONDS);
	if (rc == VMC_OK) {
		vmc_stream_free(s);
	} else {
		const vmc_error *e = vmc_error_last(ctx);

		if (rc != VMC_EMALFORMED && rc != VMC_ELIMIT && rc != VMC_EUNSUPPORTED)
			CHILD_FAIL(r, "%s at %llu: %s (%s)", what, (unsigned long long)where,
				   vmc_strerror(rc), e->message);
		if (!e->has_offset)
			CHILD_FAIL(r, "%s at %llu: %s without an offset (%s)", what,
				   (unsigned long long)where, vmc_strerror(rc), e->message);
		if (e->message[0] == '\0')
			CHILD_FAIL(r, "%s at %llu: %s without a message", what,
				   (unsigned long long)where, vmc_strerror(rc));
	}
	vmc_ctx_free(ctx);
}

static void restore(run *r, size_t at, size_t n)
{
	memcpy(r->work + at, r->orig + at, n);
}

/* Write a width-byte field at `at` (big- or little-endian) with v. */
static void put(uint8_t *p, unsigned width, int le, uint64_t v)
{
	unsigned i;

	for (i = 0; i < width; i++)
		p[le ? i : width - 1 - i] = (uint8_t)(v >> (8 * i));
}

/* The field of `width` bytes at stream offset `at` set to 0, 1, max-1, max. */
static void lengths(run *r, uint64_t at, unsigned width, int le, const char *what)
{
	uint64_t max = width == 8 ? UINT64_MAX : (1ull << (8 * width)) - 1;
	const uint64_t vals[] = {0, 1, max - 1, max};
	size_t k;

	if (at + width > r->len)
		return;
	for (k = 0; k < 4; k++) {
		put(r->work + at, width, le, vals[k]);
		decode(r, r->len, what, at);
		restore(r, (size_t)at, width);
	}
}

/*
 * RAM record boundaries: the ram section's START record (offset `ram`) is
 * header (type, be32 id, counted idstr, be32 instance, be32 version), then
 * be64 total|MEM_SIZE, the block list (counted name, be64 used_length,
 * more only with capabilities the fixtures do not use), then page records:
 * be64 addr|flags, a counted block name unless CONTINUE, then 1 byte
 * (ZERO) or a page (PAGE), until EOS.  Anything else stops the walk: the
 * boundaries are a sample, not a parser.  Returns how many were found.
 */
static size_t ram_boundaries(const run *r, uint64_t ram, uint64_t page, uint64_t *out,
			     size_t max, uint64_t *first_block)
{
	const uint8_t *d = r->orig + r->header;
	size_t len = r->len - (size_t)r->header, n = 0;
	uint64_t p = ram, total, got = 0;

	if (p + 6 > len)
		return 0;
	p += 1 + 4;
	p += 1 + d[p] + 4 + 4;
	if (p + 8 > len)
		return 0;
	total = 0;
	{
		uint64_t w = 0;
		unsigned i;

		for (i = 0; i < 8; i++)
			w = w << 8 | d[p + i];
		if (!(w & 0x04))
			return 0;
		total = w & ~0xfffull;
	}
	p += 8;
	*first_block = p;
	while (got < total && p < len) {
		uint64_t u = 0;
		unsigned i;

		p += 1 + d[p];
		if (p + 8 > len)
			return 0;
		for (i = 0; i < 8; i++)
			u = u << 8 | d[p + i];
		p += 8;
		got += u;
	}
	while (p + 8 <= len && n < max) {
		uint64_t w = 0, flags;
		unsigned i;

		out[n++] = p;
		for (i = 0; i < 8; i++)
			w = w << 8 | d[p + i];
		flags = w & 0xfff;
		p += 8;
		if (flags & 0x10) /* EOS */
			break;
		if (!(flags & 0x20)) { /* no CONTINUE: block name */
			if (p >= len)
				break;
			p += 1 + d[p];
		}
		if (flags & 0x02) /* ZERO */
			p += 1;
		else if (flags & 0x08) /* PAGE */
			p += page;
		else
			break;
	}
	return n;
}

/* memmem() without _GNU_SOURCE. */
static const uint8_t *find(const uint8_t *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

static void mutate_stream(run *r, unsigned seed)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	uint64_t *offs, rb[4096], first_block = 0, ram = 0, vd = 0, page;
	size_t nsec, nrb, i;
	int rc, has_vmdesc = 0;

	if (vmc_ctx_new(&ctx, NULL) != VMC_OK)
		CHILD_FAIL(r, "vmc_ctx_new");
	rc = vmc_stream_read_buffer(&s, ctx, r->orig, r->len, r->in->rel, NULL);
	if (rc != VMC_OK && r->in->libvirt && vmc_error_last(ctx)->code == VMC_EUNSUPPORTED) {
		/* lzop: not readable, still must not crash when damaged */
		nsec = 0;
		offs = NULL;
		page = 4096;
	} else {
		if (rc != VMC_OK && !strstr(r->in->rel, "save-part"))
			CHILD_FAIL(r, "clean decode: %s", vmc_error_last(ctx)->message);
		if (rc != VMC_OK) {
			/* an unfinished save: damage it anyway, without landmarks */
			nsec = 0;
			offs = NULL;
			page = 4096;
		} else {
			const vmc_section *rs = vmc_stream_find_section(s, "ram", 0);

			r->header = vmc_container_header_size(vmc_stream_container(s));
			nsec = vmc_stream_section_count(s);
			offs = calloc(nsec ? nsec : 1, sizeof(*offs));
			if (!offs)
				CHILD_FAIL(r, "out of memory");
			for (i = 0; i < nsec; i++)
				offs[i] = vmc_section_offset(vmc_stream_section(s, i));
			ram = rs ? vmc_section_offset(rs) : 0;
			has_vmdesc = vmc_stream_has_vmdesc(s);
			vd = vmc_stream_vmdesc_offset(s);
			page = vmc_stream_page_size(s) ? vmc_stream_page_size(s) : 4096;
			vmc_stream_free(s);
		}
	}
	vmc_ctx_free(ctx);

	/* Landmarks are stream offsets; on a compressed container only
	 * file-level damage makes sense. */
	if (r->in->raw && offs) {
		const uint8_t *d = r->orig + r->header;
		size_t slen = r->len - (size_t)r->header;
		uint64_t h = r->header;

		/* truncation at every section offset */
		for (i = 0; i < nsec; i++)
			decode(r, (size_t)(h + offs[i]), "cut at section", h + offs[i]);
		/* and at sampled RAM record boundaries */
		nrb = ram ? ram_boundaries(r, ram, page, rb, 4096, &first_block) : 0;
		for (i = 0; i < RAM_CUTS && nrb; i++) {
			size_t k = (size_t)(rand_r(&seed) % nrb);

			decode(r, (size_t)(h + rb[k]), "cut at RAM record", h + rb[k]);
		}
		/* counted-string lengths of sampled section idstrs: type, be32
		 * id, then the u8 length (START/FULL records only) */
		for (i = 0; i < IDSTR_SECTIONS && nsec; i++) {
			size_t k = (size_t)(rand_r(&seed) % nsec);

			if (offs[k] + 5 < slen && (d[offs[k]] == 0x01 || d[offs[k]] == 0x04))
				lengths(r, h + offs[k] + 5, 1, 0, "idstr length");
		}
		/* configuration section: 0x07 at 8, be32 machine name length */
		if (slen > 13 && d[8] == 0x07) {
			uint64_t caps;
			const uint8_t *hit;

			lengths(r, h + 9, 4, 0, "machine name length");
			/* capability count: after "configuration/capabilities"
			 * and its be32 version */
			hit = find(d, slen < 4096 ? slen : 4096, "configuration/capabilities");
			if (hit) {
				caps = (uint64_t)(hit - d) + 26 + 4;
				lengths(r, h + caps, 4, 0, "capability count");
			}
		}
		if (first_block) {
			lengths(r, h + first_block, 1, 0, "ramblock name length");
			lengths(r, h + first_block + 1 + d[first_block], 8, 0, "ramblock used_length");
		}
		if (has_vmdesc)
			lengths(r, h + vd + 1, 4, 0, "vmdesc length");
	}
	if (r->in->libvirt)
		lengths(r, 20, 4, 1, "libvirt data_len");

	/* random truncation and bit flips on the file as it is */
	for (i = 0; i < RANDOM_CUTS; i++) {
		size_t cut = (size_t)(rand_r(&seed) % r->len);

		decode(r, cut, "random cut", cut);
	}
	for (i = 0; i < RANDOM_FLIPS; i++) {
		size_t pos = (size_t)(rand_r(&seed) % r->len);

		r->work[pos] ^= (uint8_t)(1u << (rand_r(&seed) % 8));
		decode(r, r->len, "bit flip", pos);
		restore(r, pos, 1);
	}
	free(offs);
}

static char *path_of(const input *in)
{
	char *p;

	if (in->raw) {
		size_t n = strlen(VMC_FIXTURES_RAW_DIR) + strlen(in->rel) + 2;

		p = malloc(n);
		assert_non_null(p);
		snprintf(p, n, "%s/%s", VMC_FIXTURES_RAW_DIR, in->rel);
		return p;
	}
	return vmc_test_fixture(in->rel);
}

/* Fork; in the child (under RLIMIT_AS unless sanitized) mutate one input
 * and print "N WORST"; the parent asserts a clean exit. */
static void mutate_in_child(const input *in, unsigned seed)
{
	char *path = path_of(in);
	int pipefd[2], status;
	pid_t pid;
	char buf[128] = "";
	ssize_t got;

	if (!vmc_test_exists(path)) {
		fprintf(stderr, "mutation: %s missing (fixtures_raw not run?)\n", path);
		free(path);
		fail();
	}
	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		run r;
		FILE *out;

		close(pipefd[0]);
		if (!VMC_TEST_SANITIZED) {
			struct rlimit rl = {AS_LIMIT, AS_LIMIT};

			if (setrlimit(RLIMIT_AS, &rl) != 0)
				_exit(3);
		}
		memset(&r, 0, sizeof(r));
		r.in = in;
		r.orig = vmc_test_slurp(path, &r.len);
		r.work = malloc(r.len);
		if (!r.work)
			_exit(4);
		memcpy(r.work, r.orig, r.len);
		mutate_stream(&r, seed);
		out = fdopen(pipefd[1], "w");
		if (out) {
			fprintf(out, "%lu %.3f\n", r.n, r.worst);
			fclose(out);
		}
		free(r.work);
		free(r.orig);
		_exit(0);
	}
	close(pipefd[1]);
	got = read(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	if (got > 0)
		buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fprintf(stderr, "mutation: %s: killed by signal %d\n", in->rel, WTERMSIG(status));
	assert_false(WIFSIGNALED(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	{
		unsigned long n = strtoul(buf, NULL, 10);

		g_total += n;
		printf("mutation: %-40s %5lu inputs, slowest %ss\n", in->rel, n,
		       strchr(buf, ' ') ? strchr(buf, ' ') + 1 : "?");
	}
	free(path);
}

static void test_mutation__every_fixture(void **state)
{
	size_t i;
	double t0 = now();
	(void)state;

	g_total = 0;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++)
		mutate_in_child(&inputs[i], 0x5eed0000u + (unsigned)i);
	printf("mutation: %lu damaged inputs decoded in %.1fs%s\n", g_total, now() - t0,
	       VMC_TEST_SANITIZED ? " (sanitized: no RLIMIT_AS)" : "");
	assert_true(g_total > 1000);
}

/* The CLI on a sample: exit 0, 65 (malformed/limit) or 69 (unsupported),
 * never a signal or another status. */
static void test_mutation__cli_exit_status(void **state)
{
	char dir[] = "/tmp/vmc-mutation-XXXXXX";
	unsigned seed = 0xc11u;
	size_t i, k;
	(void)state;

	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i += 3) {
		char *path = path_of(&inputs[i]);
		size_t len;
		uint8_t *d = vmc_test_slurp(path, &len);

		for (k = 0; k < CLI_SAMPLES; k++) {
			char file[256], cmd[512];
			size_t n = len, pos = (size_t)(rand_r(&seed) % len);
			FILE *f;
			int status;

			if (k & 1)
				d[pos] ^= (uint8_t)(1u << (rand_r(&seed) % 8));
			else
				n = pos;
			snprintf(file, sizeof(file), "%s/in", dir);
			f = fopen(file, "wb");
			assert_non_null(f);
			assert_int_equal(fwrite(d, 1, n, f), n);
			fclose(f);
			snprintf(cmd, sizeof(cmd), "'%s' decode --json '%s' >/dev/null 2>&1",
				 VMC_CLI_PATH, file);
			free(vmc_test_run(cmd, &status));
			if (status != 0 && status != 65 && status != 69)
				fprintf(stderr, "mutation: CLI on %s (%s at %zu): status %d\n",
					inputs[i].rel, k & 1 ? "flip" : "cut", pos, status);
			assert_true(status == 0 || status == 65 || status == 69);
			unlink(file);
		}
		free(d);
		free(path);
	}
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mutation__every_fixture),
		cmocka_unit_test(test_mutation__cli_exit_status),
	};
	return cmocka_run_group_tests_name("mutation", tests, NULL, NULL);
}
