/*
 * test_decompress.c - the streaming decompressors on real compressed data:
 * the QEMU-written gzip fixture, the xz fixtures, and the payloads of the
 * libvirt save images (gzip, bzip2, xz as libvirt 9.0 wrote them; zstd as
 * documented in fixtures/libvirt/README.md).  Expected bytes come from the
 * command-line tools (gzip -dc, xz -dc, ...), never from vmcompat.  Damaged
 * variants are real data plus one documented edit; each asserts code,
 * offset (in the compressed input) and path.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/decompress.h"

#include <zlib.h>

#define SCRATCH VMC_FIXTURES_RAW_DIR "/scratch-decompress"
/* fixtures/libvirt/README.md: every image has data_len 66805, so its QEMU
 * stream (or compressed payload) starts at 92 + 66805. */
#define LV_PAYLOAD 66897u
/* Bytes of the QEMU stream in save-raw / -gzip / -bzip2 / -xz / -zstd. */
#define LV_STREAM_SIZE 347714u

static const char *const kinds[] = {"gzip", "bzip2", "xz", "zstd"};

/* ---- helpers ------------------------------------------------------------ */

static void sh(const char *cmd)
{
	int status;

	free(vmc_test_run(cmd, &status));
	assert_int_equal(status, 0);
}

static uint8_t *fixture_bytes(const char *rel, size_t *len)
{
	char *path = vmc_test_fixture(rel);
	uint8_t *d = vmc_test_slurp(path, len);

	free(path);
	return d;
}

static uint8_t *scratch_bytes(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), SCRATCH "/%s", name);
	return vmc_test_slurp(path, len);
}

/* A pull reader that hands out at most `max` bytes per call, like a pipe. */
typedef struct trickle {
	const uint8_t *data;
	size_t len, pos, max;
} trickle;

static int trickle_read(void *payload, uint8_t *buf, size_t cap, size_t *got)
{
	trickle *t = payload;
	size_t n = t->len - t->pos;

	if (n > cap)
		n = cap;
	if (n > t->max)
		n = t->max;
	memcpy(buf, t->data + t->pos, n);
	t->pos += n;
	*got = n;
	return VMC_OK;
}

/*
 * Decompress data[skip..len) as `kind`, the lower source over all of data
 * (so offsets are offsets in data), feeding at most in_max bytes per read
 * and reading at most out_max per call.  The output is malloc'd.
 */
static int decode(vmc_ctx *ctx, const char *kind, const uint8_t *data, size_t len, size_t skip,
		  size_t in_max, size_t out_max, uint8_t **out, size_t *out_len)
{
	trickle t = {data, len, 0, in_max};
	vmc__source lower;
	vmc__decomp *d = NULL;
	size_t cap = 1 << 20, n = 0;
	uint8_t *buf = malloc(cap);
	int rc;

	assert_non_null(buf);
	*out = NULL;
	*out_len = 0;
	rc = vmc__source_init(&lower, ctx, trickle_read, &t, 0);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	if (skip)
		assert_int_equal(vmc__source_skip(&lower, skip, "test skip"), VMC_OK);
	rc = vmc__decomp_new(&d, ctx, kind, &lower);
	while (rc == VMC_OK) {
		size_t got = 0;

		if (cap - n < out_max) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		rc = vmc__decomp_read(d, buf + n, out_max, &got);
		if (rc == VMC_OK && got == 0)
			break;
		n += got;
	}
	if (rc < 0 && d) {
		/* errors are sticky */
		size_t got = 1;
		assert_int_equal(vmc__decomp_read(d, buf, 16, &got), rc);
		assert_int_equal(got, 0);
	}
	vmc__decomp_free(d);
	vmc__source_fini(&lower);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*out = buf;
	*out_len = n;
	return VMC_OK;
}

static vmc_ctx *new_ctx(void)
{
	vmc_ctx *ctx = NULL;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	return ctx;
}

static void assert_error(vmc_ctx *ctx, int code, uint64_t offset, const char *path,
			 const char *message)
{
	const vmc_error *e = vmc_error_last(ctx);

	assert_int_equal(e->code, code);
	assert_true(e->has_offset);
	assert_int_equal(e->offset, offset);
	assert_string_equal(e->path, path);
	assert_string_equal(e->message, message);
}

/* The QEMU stream inside save-raw.libvirt.xz, made by xz and tail. */
static uint8_t *raw_stream(size_t *len)
{
	uint8_t *d = scratch_bytes("stream.bin", len);

	assert_int_equal(*len, LV_STREAM_SIZE);
	return d;
}

static int setup(void **state)
{
	(void)state;
	sh("mkdir -p '" SCRATCH "'");
	sh("xz -dc '" VMC_FIXTURES_DIR "/libvirt/save-raw.libvirt.xz' | tail -c +66898 > '" SCRATCH
	   "/stream.bin'");
	/* Two halves of the stream, each compressed on its own and then
	 * concatenated: multi-member gzip, two bzip2 streams, two xz streams,
	 * two zstd frames. */
	sh("cd '" SCRATCH "' && head -c 100000 stream.bin > a && tail -c +100001 stream.bin > b"
	   " && for k in gzip bzip2 xz zstd; do"
	   "   $k -q -c a > a.$k && $k -q -c b > b.$k && cat a.$k b.$k > ab.$k; done");
	/* a zstd frame with a 256 MiB window (size unknown: from a pipe) */
	sh("cd '" SCRATCH "' && cat stream.bin | zstd -q --long=28 -c > long.zstd");
	return 0;
}

/* ---- cases -------------------------------------------------------------- */

/* QEMU's own gzip stream (exec:gzip -c) equals gzip -dc of it. */
static void test_decompress__gzip_qemu_fixture(void **state)
{
	vmc_ctx *ctx = new_ctx();
	size_t len, n, want_len;
	uint8_t *data = fixture_bytes("qemu-7.2/i440fx-generic-gzip.mig.gz", &len);
	uint8_t *out, *want;

	(void)state;
	sh("gzip -dc '" VMC_FIXTURES_DIR "/qemu-7.2/i440fx-generic-gzip.mig.gz' > '" SCRATCH
	   "/qemu-gzip.bin'");
	want = scratch_bytes("qemu-gzip.bin", &want_len);
	assert_int_equal(decode(ctx, "gzip", data, len, 0, SIZE_MAX, 65536, &out, &n), VMC_OK);
	assert_int_equal(n, want_len);
	assert_memory_equal(out, "QEVM\0\0\0\3", 8);
	assert_memory_equal(out, want, n);
	free(out);
	free(want);
	free(data);
	vmc_ctx_free(ctx);
}

/* Every committed QEMU fixture compressed with xz equals xz -dc of it. */
static void test_decompress__xz_fixtures(void **state)
{
	static const char *const names[] = {"i440fx-generic", "q35-generic"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[128], cmd[1024];
		vmc_ctx *ctx = new_ctx();
		size_t len, n, want_len;
		uint8_t *data, *out, *want;

		snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.xz", names[i]);
		data = fixture_bytes(rel, &len);
		snprintf(cmd, sizeof(cmd), "xz -dc '%s/%s' > '%s/xz.bin'", VMC_FIXTURES_DIR, rel,
			 SCRATCH);
		sh(cmd);
		want = scratch_bytes("xz.bin", &want_len);
		assert_int_equal(decode(ctx, "xz", data, len, 0, SIZE_MAX, 65536, &out, &n),
				 VMC_OK);
		assert_int_equal(n, want_len);
		assert_memory_equal(out, "QEVM\0\0\0\3", 8);
		assert_memory_equal(out, want, n);
		free(out);
		free(want);
		free(data);
		vmc_ctx_free(ctx);
	}
}

/* The payloads of the libvirt images decode to what `<kind> -dc` makes of
 * them, also when input arrives in 1..4093-byte reads and output is taken
 * in odd-sized pieces.  (Each image is a separate save, so their streams
 * have the same size but not the same bytes.) */
static void test_decompress__libvirt_payloads(void **state)
{
	static const size_t in_max[] = {SIZE_MAX, 4093, 1};
	static const size_t out_max[] = {1 << 20, 4097, 7};
	size_t k, j;

	(void)state;
	for (k = 0; k < 4; k++) {
		char rel[64], cmd[1024];
		size_t len, want_len;
		uint8_t *data, *want;

		snprintf(rel, sizeof(rel), "libvirt/save-%s.libvirt", kinds[k]);
		data = fixture_bytes(rel, &len);
		snprintf(cmd, sizeof(cmd), "tail -c +%u '%s/%s' | %s -dc > '%s/payload.bin'",
			 LV_PAYLOAD + 1, VMC_FIXTURES_DIR, rel, kinds[k], SCRATCH);
		sh(cmd);
		want = scratch_bytes("payload.bin", &want_len);
		assert_int_equal(want_len, LV_STREAM_SIZE);
		for (j = 0; j < 3; j++) {
			vmc_ctx *ctx;
			uint8_t *out;
			size_t n;

			/* byte-at-a-time input is slow for bzip2/xz: only gzip, zstd */
			if (in_max[j] == 1 && (k == 1 || k == 2))
				continue;
			ctx = new_ctx();
			assert_int_equal(decode(ctx, kinds[k], data, len, LV_PAYLOAD, in_max[j],
						out_max[j], &out, &n),
					 VMC_OK);
			assert_int_equal(n, LV_STREAM_SIZE);
			assert_memory_equal(out, "QEVM\0\0\0\3", 8);
			assert_memory_equal(out, want, n);
			free(out);
			vmc_ctx_free(ctx);
		}
		free(want);
		free(data);
	}
}

/* Two members / streams / frames back to back decode as one. */
static void test_decompress__concatenated(void **state)
{
	size_t want_len, k;
	uint8_t *want = raw_stream(&want_len);

	(void)state;
	for (k = 0; k < 4; k++) {
		char name[32];
		vmc_ctx *ctx = new_ctx();
		size_t len, n;
		uint8_t *data, *out;

		snprintf(name, sizeof(name), "ab.%s", kinds[k]);
		data = scratch_bytes(name, &len);
		assert_int_equal(decode(ctx, kinds[k], data, len, 0, SIZE_MAX, 65536, &out, &n),
				 VMC_OK);
		assert_int_equal(n, want_len);
		assert_memory_equal(out, want, n);
		free(out);
		free(data);
		vmc_ctx_free(ctx);
	}
	free(want);
}

/*
 * One byte in the middle of each libvirt payload XORed with 0xff.  The
 * offset is where the codec noticed (the first unconsumed input byte),
 * which is at or after the damaged byte: zlib at the bad code, bzip2 at the
 * block CRC, xz at the block check, zstd after buffering the block.
 */
static void test_decompress__corrupt_byte(void **state)
{
	static const struct {
		const char *kind;
		size_t at;       /* file offset of the damaged byte */
		uint64_t offset; /* reported offset                 */
		const char *msg;
	} cases[] = {
		{"gzip", 120000, 198744, "expected valid gzip data, found incorrect data check"},
		{"gzip", LV_PAYLOAD + 16, 66916, "expected valid gzip data, found invalid code lengths set"},
		{"bzip2", 120000, 193747, "expected valid bzip2 data, found a data integrity error"},
		{"bzip2", LV_PAYLOAD + 5, 66903, "expected valid bzip2 data, found a data integrity error"},
		{"xz", 120000, 120136, "expected valid xz data, found corrupt compressed data"},
		{"xz", LV_PAYLOAD + 16, 66921, "expected valid xz data, found corrupt compressed data"},
		{"zstd", 120000, 183933, "expected valid zstd data, found Restored data doesn't match checksum"},
		{"zstd", LV_PAYLOAD + 16, 70993, "expected valid zstd data, found Data corruption detected"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rel[64], path[32];
		vmc_ctx *ctx = new_ctx();
		size_t len, n;
		uint8_t *data, *out;

		snprintf(rel, sizeof(rel), "libvirt/save-%s.libvirt", cases[i].kind);
		data = fixture_bytes(rel, &len);
		data[cases[i].at] ^= 0xff;
		assert_int_equal(decode(ctx, cases[i].kind, data, len, LV_PAYLOAD, SIZE_MAX, 65536,
					&out, &n),
				 VMC_EMALFORMED);
		snprintf(path, sizeof(path), "container/%s", cases[i].kind);
		assert_error(ctx, VMC_EMALFORMED, cases[i].offset, path, cases[i].msg);
		assert_true(vmc_error_last(ctx)->offset >= cases[i].at);
		free(data);
		vmc_ctx_free(ctx);
	}
}

/* Payloads cut in the middle end with "expected more <kind> data" at the
 * end of the input, whatever the cut. */
static void test_decompress__truncated(void **state)
{
	static const size_t cuts[] = {LV_PAYLOAD, LV_PAYLOAD + 1, LV_PAYLOAD + 10, 120000};
	size_t k, c;

	(void)state;
	for (k = 0; k < 4; k++) {
		char rel[64], path[32], msg[64];
		size_t len;
		uint8_t *data;

		snprintf(rel, sizeof(rel), "libvirt/save-%s.libvirt", kinds[k]);
		data = fixture_bytes(rel, &len);
		snprintf(path, sizeof(path), "container/%s", kinds[k]);
		snprintf(msg, sizeof(msg), "expected more %s data, found end of input", kinds[k]);
		for (c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
			vmc_ctx *ctx = new_ctx();
			uint8_t *out;
			size_t n;

			assert_int_equal(decode(ctx, kinds[k], data, cuts[c], LV_PAYLOAD, SIZE_MAX,
						65536, &out, &n),
					 VMC_EMALFORMED);
			assert_error(ctx, VMC_EMALFORMED, cuts[c], path, msg);
			vmc_ctx_free(ctx);
		}
		/* and one byte short of the end */
		{
			vmc_ctx *ctx = new_ctx();
			uint8_t *out;
			size_t n;

			assert_int_equal(decode(ctx, kinds[k], data, len - 1, LV_PAYLOAD, SIZE_MAX,
						65536, &out, &n),
					 VMC_EMALFORMED);
			assert_int_equal(vmc_error_last(ctx)->code, VMC_EMALFORMED);
			assert_string_equal(vmc_error_last(ctx)->path, path);
			vmc_ctx_free(ctx);
		}
		free(data);
	}
}

/* Bytes after the last member that do not start another one are data
 * errors (a migration stream has no trailer after compression). */
static void test_decompress__trailing_garbage(void **state)
{
	/* offsets: past the bytes each codec reads before rejecting the
	 * would-be next header (a.<kind> is `<kind> -c` of the first 100000
	 * bytes of the stream; its size depends on the tool's version). */
	static const struct {
		const char *kind;
		uint64_t past; /* reported offset - member size */
		const char *msg;
	} cases[] = {
		{"gzip", 2, "expected valid gzip data, found incorrect header check"},
		{"bzip2", 1, "expected valid bzip2 data, found a bad stream signature"},
		{"xz", 12, "expected valid xz data, found corrupt compressed data"},
		{"zstd", 16, "expected valid zstd data, found Unknown frame descriptor"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32], path[32];
		vmc_ctx *ctx = new_ctx();
		size_t len, n;
		uint8_t *data, *big, *out;

		snprintf(name, sizeof(name), "a.%s", cases[i].kind);
		data = scratch_bytes(name, &len);
		big = malloc(len + 16);
		assert_non_null(big);
		memcpy(big, data, len);
		memcpy(big + len, "GARBAGE-GARBAGE!", 16);
		assert_int_equal(decode(ctx, cases[i].kind, big, len + 16, 0, SIZE_MAX, 65536,
					&out, &n),
				 VMC_EMALFORMED);
		snprintf(path, sizeof(path), "container/%s", cases[i].kind);
		assert_error(ctx, VMC_EMALFORMED, len + cases[i].past, path, cases[i].msg);
		free(big);
		free(data);
		vmc_ctx_free(ctx);
	}
}

/* Empty input is truncated at offset 0; an unknown kind is refused. */
static void test_decompress__empty_and_unknown(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < 4; k++) {
		char path[32], msg[64];
		vmc_ctx *ctx = new_ctx();
		uint8_t *out;
		size_t n;

		assert_int_equal(decode(ctx, kinds[k], (const uint8_t *)"", 0, 0, SIZE_MAX, 64, &out,
					&n),
				 VMC_EMALFORMED);
		snprintf(path, sizeof(path), "container/%s", kinds[k]);
		snprintf(msg, sizeof(msg), "expected more %s data, found end of input", kinds[k]);
		assert_error(ctx, VMC_EMALFORMED, 0, path, msg);
		vmc_ctx_free(ctx);
	}
	{
		vmc_ctx *ctx = new_ctx();
		vmc__source lower;
		vmc__mem_reader m = {(const uint8_t *)"", 0, 0};
		vmc__decomp *d = NULL;

		assert_int_equal(vmc__source_init(&lower, ctx, vmc__mem_read, &m, 0), VMC_OK);
		assert_int_equal(vmc__decomp_new(&d, ctx, "lzop", &lower), VMC_EUNSUPPORTED);
		assert_null(d);
		assert_string_equal(vmc_error_last(ctx)->message,
				    "expected gzip, bzip2, xz or zstd compression, found 'lzop'");
		vmc__decomp_free(NULL);
		vmc__source_fini(&lower);
		vmc_ctx_free(ctx);
	}
}

/* Decoder memory over the fixed bounds is VMC_ELIMIT naming the bound. */
static void test_decompress__limits(void **state)
{
	vmc_ctx *ctx;
	size_t len, n;
	uint8_t *data, *out;
	uint32_t crc;

	(void)state;
	/* zstd: window 2^28 > 2^VMC_ZSTD_WINDOWLOG_MAX, seen in the frame
	 * header, i.e. in the first ZSTD_STEP (4096) bytes */
	ctx = new_ctx();
	data = scratch_bytes("long.zstd", &len);
	assert_int_equal(decode(ctx, "zstd", data, len, 0, SIZE_MAX, 65536, &out, &n), VMC_ELIMIT);
	assert_error(ctx, VMC_ELIMIT, 4096, "container/zstd",
		     "limit VMC_ZSTD_WINDOWLOG_MAX exceeded: zstd frame window larger than 2^27 "
		     "bytes");
	free(data);
	vmc_ctx_free(ctx);

	/* xz: a.xz with its LZMA2 dictionary-size byte (block header offset
	 * 12 + 4 = file offset 16, xz -6 writes 0x16 = 8 MiB) set to 40
	 * (4 GiB - 1), and the block header CRC32 (file offset 20, over bytes
	 * 12..19) recomputed. */
	ctx = new_ctx();
	data = scratch_bytes("a.xz", &len);
	assert_int_equal(data[12], 0x02); /* 12-byte block header       */
	assert_int_equal(data[14], 0x21); /* filter: LZMA2              */
	assert_int_equal(data[16], 0x16);
	data[16] = 40;
	crc = (uint32_t)crc32(0, data + 12, 8);
	data[20] = (uint8_t)crc;
	data[21] = (uint8_t)(crc >> 8);
	data[22] = (uint8_t)(crc >> 16);
	data[23] = (uint8_t)(crc >> 24);
	assert_int_equal(decode(ctx, "xz", data, len, 0, SIZE_MAX, 65536, &out, &n), VMC_ELIMIT);
	/* noticed after the 12-byte stream header + 12-byte block header */
	assert_error(ctx, VMC_ELIMIT, 24, "container/xz",
		     "limit VMC_XZ_MEMLIMIT exceeded: xz data needs 4295032887 bytes of decoder "
		     "memory, more than 268435456");
	free(data);
	vmc_ctx_free(ctx);
}

/* ---- OOM ---------------------------------------------------------------- */


/*
 * For each codec, fail allocation N = 0, 1, ... (counted after the ctx is
 * made) until decoding succeeds: each failure is VMC_ENOMEM with nothing
 * leaked, never a crash or another code.  Codecs allocate lazily (zlib's
 * window, xz's dictionary, zstd's buffers), so failures also happen in the
 * middle of the data.
 */
static void test_decompress__oom(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < 4; k++) {
		char rel[64];
		size_t len;
		uint8_t *data;
		long nfail;
		int rc = VMC_ENOMEM;

		snprintf(rel, sizeof(rel), "libvirt/save-%s.libvirt", kinds[k]);
		data = fixture_bytes(rel, &len);
		for (nfail = 0; rc != VMC_OK; nfail++) {
			vmc_test_alloc fa = {-1, 0, 0, 0};
			vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
			vmc_ctx *ctx = NULL;
			uint8_t *out = NULL;
			size_t n;

			o.allocator = vmc_test_allocator(&fa);
			assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
			fa.count = 0;
			fa.fail_at = nfail;
			rc = decode(ctx, kinds[k], data, len, LV_PAYLOAD, SIZE_MAX, 65536, &out, &n);
			if (rc == VMC_OK) {
				assert_int_equal(n, LV_STREAM_SIZE);
				assert_true(fa.count <= nfail);
			} else {
				assert_int_equal(rc, VMC_ENOMEM);
				assert_int_equal(vmc_error_last(ctx)->code, VMC_ENOMEM);
			}
			free(out);
			vmc_ctx_free(ctx);
			assert_int_equal(fa.live, 0);
			assert_true(nfail < 1000);
		}
		free(data);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decompress__gzip_qemu_fixture),
		cmocka_unit_test(test_decompress__xz_fixtures),
		cmocka_unit_test(test_decompress__libvirt_payloads),
		cmocka_unit_test(test_decompress__concatenated),
		cmocka_unit_test(test_decompress__corrupt_byte),
		cmocka_unit_test(test_decompress__truncated),
		cmocka_unit_test(test_decompress__trailing_garbage),
		cmocka_unit_test(test_decompress__empty_and_unknown),
		cmocka_unit_test(test_decompress__limits),
		cmocka_unit_test(test_decompress__oom),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
