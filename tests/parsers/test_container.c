/*
 * test_container.c - container detection and the libvirt save image header,
 * on real images written by libvirt 9.0.0 + QEMU 7.2 (fixtures/libvirt/,
 * see its README for the commands and the expected header values) and on
 * the QEMU 7.2 fixtures.  Stream bytes and sizes are checked against what
 * xz/gzip/bzip2/zstd and tail make of the same files, never against
 * vmcompat.  Malformed variants are a real image plus one documented edit;
 * each asserts code, offset and path.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/container.h"

#define SCRATCH VMC_FIXTURES_RAW_DIR "/scratch-container"
#define LV_RAW VMC_FIXTURES_RAW_DIR "/libvirt/save-raw.libvirt"

/* Header values of every 32 MiB image (fixtures/libvirt/README.md). */
#define LV_DATA_LEN 66805u
#define LV_COOKIE_OFFSET 1033u
#define LV_PAYLOAD (92u + LV_DATA_LEN)
#define LV_STREAM_SIZE 347714u

/* ---- helpers ------------------------------------------------------------ */

static void sh(const char *cmd)
{
	int status;

	free(vmc_test_run(cmd, &status));
	assert_int_equal(status, 0);
}

static uint8_t *load(const char *path, size_t *len)
{
	return vmc_test_slurp(path, len);
}

static uint8_t *fixture_bytes(const char *rel, size_t *len)
{
	char *path = vmc_test_fixture(rel);
	uint8_t *d = vmc_test_slurp(path, len);

	free(path);
	return d;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Pull reader handing out at most `max` bytes per call (a pipe). */
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

/* Result of opening a buffer and draining the stream source. */
typedef struct opened {
	int rc;             /* open, then the first read error           */
	vmc_container info; /* valid when open succeeded                 */
	uint8_t *stream;    /* malloc'd stream bytes                     */
	size_t len;
	uint64_t first_offset; /* stream source offset before any read */
} opened;

/*
 * Open data[0..len) (fed at most in_max bytes per read) and read the whole
 * QEMU stream.  info is copied out and its strings owned by the caller
 * (free with vmc__container_info_fini on the same ctx).
 */
static void open_buf(opened *o, vmc_ctx *ctx, const uint8_t *data, size_t len, size_t in_max)
{
	trickle t = {data, len, 0, in_max};
	vmc__source file;
	vmc__container_reader *r = NULL;
	size_t cap = 1 << 20;

	memset(o, 0, sizeof(*o));
	o->rc = vmc__source_init(&file, ctx, trickle_read, &t, 0);
	if (o->rc < 0)
		return;
	o->rc = vmc__container_open(&r, ctx, &file, &o->info);
	if (o->rc == VMC_OK) {
		vmc__source *s = vmc__container_stream(r);

		o->first_offset = vmc__source_offset(s);
		o->stream = malloc(cap);
		assert_non_null(o->stream);
		for (;;) {
			size_t got = 0;

			if (cap - o->len < 65536) {
				cap *= 2;
				o->stream = realloc(o->stream, cap);
				assert_non_null(o->stream);
			}
			o->rc = vmc__source_read_some(s, o->stream + o->len, 65536, &got);
			if (o->rc < 0 || got == 0)
				break;
			o->len += got;
		}
		/* the stream source counts from 0 at "QEVM" */
		if (o->rc == VMC_OK)
			assert_int_equal(vmc__source_offset(s), o->len);
		vmc__container_close(r);
	} else {
		assert_null(r);
		assert_null(o->info.xml);
		assert_null(o->info.cookie);
	}
	vmc__source_fini(&file);
}

static void close_opened(opened *o, vmc_ctx *ctx)
{
	vmc__container_info_fini(ctx, &o->info);
	free(o->stream);
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
	if (message)
		assert_string_equal(e->message, message);
}

static int setup(void **state)
{
	(void)state;
	sh("mkdir -p '" SCRATCH "' '" VMC_FIXTURES_RAW_DIR "/libvirt'");
	/* The raw libvirt image is committed xz-compressed.  Unpack it
	 * (atomically: other tests may do the same), and its QEMU stream. */
	sh("f='" LV_RAW "'; [ -s \"$f\" ] || { xz -dc '" VMC_FIXTURES_DIR
	   "/libvirt/save-raw.libvirt.xz' > \"$f.$$\" && mv \"$f.$$\" \"$f\"; }");
	sh("tail -c +66898 '" LV_RAW "' > '" SCRATCH "/stream.bin'");
	sh("cd '" SCRATCH "' && gzip -c stream.bin > stream.gzip && bzip2 -c stream.bin > "
	   "stream.bzip2 && xz -c stream.bin > stream.xz && zstd -q -c stream.bin > stream.zstd"
	   " && lzop -c stream.bin > stream.lzop");
	sh("xz -dc '" VMC_FIXTURES_DIR "/libvirt/save-running.libvirt.xz' > '" SCRATCH
	   "/running.libvirt'");
	sh("xz -dc '" VMC_FIXTURES_DIR "/libvirt/save-part.libvirt.xz' > '" SCRATCH
	   "/part.libvirt'");
	return 0;
}

/* The expected stream of a libvirt image: its bytes after the data area,
 * decompressed by the tool (`cat` for raw). */
static uint8_t *expected_stream(const char *image, uint32_t data_len, const char *tool,
			       size_t *len)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "tail -c +%u '%s' | %s > '%s/expect.bin'", 92u + data_len + 1,
		 image, tool, SCRATCH);
	sh(cmd);
	return load(SCRATCH "/expect.bin", len);
}

/* ---- detection ---------------------------------------------------------- */

/* A bare stream and each compression of it, by content only. */
static void test_container__detect_top_level(void **state)
{
	static const struct {
		const char *file, *kind;
	} cases[] = {
		{SCRATCH "/stream.bin", "raw"},    {SCRATCH "/stream.gzip", "gzip"},
		{SCRATCH "/stream.bzip2", "bzip2"}, {SCRATCH "/stream.xz", "xz"},
		{SCRATCH "/stream.zstd", "zstd"},
	};
	size_t want_len, i;
	uint8_t *want = load(SCRATCH "/stream.bin", &want_len);

	(void)state;
	assert_int_equal(want_len, LV_STREAM_SIZE);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmc_ctx *ctx = new_ctx();
		size_t len;
		uint8_t *data = load(cases[i].file, &len);
		opened o;

		open_buf(&o, ctx, data, len, SIZE_MAX);
		assert_int_equal(o.rc, VMC_OK);
		assert_string_equal(o.info.kind, cases[i].kind);
		assert_string_equal(o.info.compression, i == 0 ? "none" : cases[i].kind);
		assert_int_equal(o.info.header_size, 0);
		assert_int_equal(o.info.libvirt, 0);
		assert_null(o.info.xml);
		assert_int_equal(o.first_offset, 0);
		assert_int_equal(o.len, want_len);
		assert_memory_equal(o.stream, want, want_len);
		close_opened(&o, ctx);
		free(data);
		vmc_ctx_free(ctx);
	}
	free(want);
}

/* QEMU's own gzip output (exec:gzip -c) and the xz fixtures. */
static void test_container__detect_qemu_fixtures(void **state)
{
	static const struct {
		const char *rel, *kind, *tool;
	} cases[] = {
		{"qemu-7.2/i440fx-generic-gzip.mig.gz", "gzip", "gzip -dc"},
		{"qemu-7.2/i440fx-generic.mig.xz", "xz", "xz -dc"},
		{"qemu-7.2/q35-generic.mig.xz", "xz", "xz -dc"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char cmd[1024];
		vmc_ctx *ctx = new_ctx();
		size_t len, want_len;
		uint8_t *data = fixture_bytes(cases[i].rel, &len), *want;
		opened o;

		snprintf(cmd, sizeof(cmd), "%s '%s/%s' > '%s/expect.bin'", cases[i].tool,
			 VMC_FIXTURES_DIR, cases[i].rel, SCRATCH);
		sh(cmd);
		want = load(SCRATCH "/expect.bin", &want_len);
		open_buf(&o, ctx, data, len, SIZE_MAX);
		assert_int_equal(o.rc, VMC_OK);
		assert_string_equal(o.info.kind, cases[i].kind);
		assert_int_equal(o.len, want_len);
		assert_memory_equal(o.stream, "QEVM\0\0\0\3", 8);
		assert_memory_equal(o.stream, want, want_len);
		close_opened(&o, ctx);
		free(want);
		free(data);
		vmc_ctx_free(ctx);
	}
}

/* Not a stream and not a container: the first bytes, in hex, at 0. */
static void test_container__unknown_magic(void **state)
{
	static const struct {
		const char *data;
		size_t len;
		const char *msg;
	} cases[] = {
		{"\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0", 18,
		 "expected a QEMU migration stream (QEVM) or a known container, found "
		 "7f454c46020101000000000000000000"},
		{"QEV", 3, "expected a QEMU migration stream (QEVM) or a known container, found "
			   "514556"},
		{"", 0, "expected a QEMU migration stream (QEVM) or a known container, found end "
			"of input"},
		{"LibvirtQemudSav!xxxxxxxx", 24,
		 "expected a QEMU migration stream (QEVM) or a known container, found "
		 "4c69627669727451656d756453617621"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmc_ctx *ctx = new_ctx();
		opened o;

		open_buf(&o, ctx, (const uint8_t *)cases[i].data, cases[i].len, SIZE_MAX);
		assert_int_equal(o.rc, VMC_EMALFORMED);
		assert_error(ctx, VMC_EMALFORMED, 0, "container", cases[i].msg);
		close_opened(&o, ctx);
		vmc_ctx_free(ctx);
	}
}

/* A top-level lzop file is recognised and refused. */
static void test_container__lzop_top_level(void **state)
{
	vmc_ctx *ctx = new_ctx();
	size_t len;
	uint8_t *data = load(SCRATCH "/stream.lzop", &len);
	opened o;

	(void)state;
	open_buf(&o, ctx, data, len, SIZE_MAX);
	assert_int_equal(o.rc, VMC_EUNSUPPORTED);
	assert_error(ctx, VMC_EUNSUPPORTED, 0, "container",
		     "lzop-compressed input is not supported (decompress it with lzop -dc first)");
	close_opened(&o, ctx);
	free(data);
	vmc_ctx_free(ctx);
}

/* ---- libvirt images ----------------------------------------------------- */

typedef struct lv_case {
	const char *image; /* path                                  */
	const char *tool;  /* decompresses the payload              */
	const char *compression;
	uint32_t format;
	uint32_t was_running;
	int partial;
	uint32_t data_len;
	uint32_t cookie_offset;
	size_t stream_size;
} lv_case;

static void check_libvirt(const lv_case *c, size_t in_max)
{
	vmc_ctx *ctx = new_ctx();
	size_t len, want_len;
	uint8_t *data = load(c->image, &len);
	uint8_t *want = expected_stream(c->image, c->data_len, c->tool, &want_len);
	opened o;

	open_buf(&o, ctx, data, len, in_max);
	assert_int_equal(o.rc, VMC_OK);
	assert_string_equal(o.info.kind, "libvirt");
	assert_string_equal(o.info.compression, c->compression);
	assert_int_equal(o.info.libvirt, 1);
	assert_int_equal(o.info.partial, c->partial);
	assert_int_equal(o.info.lv_big_endian, 0);
	assert_int_equal(o.info.lv_version, 2);
	assert_int_equal(o.info.lv_data_len, c->data_len);
	assert_int_equal(o.info.lv_was_running, c->was_running);
	assert_int_equal(o.info.lv_format, c->format);
	assert_int_equal(o.info.lv_cookie_offset, c->cookie_offset);
	assert_int_equal(o.info.header_size, 92u + c->data_len);
	/* XML: NUL-terminated at cookieOffset - 1, names the domain */
	assert_non_null(o.info.xml);
	assert_int_equal(strlen(o.info.xml), c->cookie_offset - 1);
	assert_memory_equal(o.info.xml, "<domain type='qemu'>", 20);
	assert_non_null(strstr(o.info.xml, "<name>vmcfix</name>"));
	assert_non_null(strstr(o.info.xml, "5f0c5b1e-3a53-4c0e-9d7e-1f2a3b4c5d6e"));
	assert_non_null(o.info.cookie);
	assert_memory_equal(o.info.cookie, "<cookie>", 8);
	assert_non_null(strstr(o.info.cookie, "</cookie>"));
	assert_memory_equal(o.info.xml, data + 92, strlen(o.info.xml) + 1);
	assert_memory_equal(o.info.cookie, data + 92 + c->cookie_offset,
			    strlen(o.info.cookie) + 1);
	/* the stream: offsets from 0, QEVM v3, same bytes as the tools make */
	assert_int_equal(o.first_offset, 0);
	assert_int_equal(want_len, c->stream_size);
	assert_int_equal(o.len, c->stream_size);
	assert_memory_equal(o.stream, "QEVM\0\0\0\3", 8);
	assert_memory_equal(o.stream, want, want_len);
	close_opened(&o, ctx);
	free(want);
	free(data);
	vmc_ctx_free(ctx);
}

static const lv_case lv_cases[] = {
	{LV_RAW, "cat", "none", 0, 0, 0, LV_DATA_LEN, LV_COOKIE_OFFSET, LV_STREAM_SIZE},
	{VMC_FIXTURES_DIR "/libvirt/save-gzip.libvirt", "gzip -dc", "gzip", 1, 0, 0, LV_DATA_LEN,
	 LV_COOKIE_OFFSET, LV_STREAM_SIZE},
	{VMC_FIXTURES_DIR "/libvirt/save-bzip2.libvirt", "bzip2 -dc", "bzip2", 2, 0, 0,
	 LV_DATA_LEN, LV_COOKIE_OFFSET, LV_STREAM_SIZE},
	{VMC_FIXTURES_DIR "/libvirt/save-xz.libvirt", "xz -dc", "xz", 3, 0, 0, LV_DATA_LEN,
	 LV_COOKIE_OFFSET, LV_STREAM_SIZE},
	{VMC_FIXTURES_DIR "/libvirt/save-zstd.libvirt", "zstd -dc", "zstd", 5, 0, 0, LV_DATA_LEN,
	 LV_COOKIE_OFFSET, LV_STREAM_SIZE},
	/* a running guest: was_running 1, more RAM touched */
	{SCRATCH "/running.libvirt", "cat", "none", 0, 1, 0, LV_DATA_LEN, LV_COOKIE_OFFSET, 568866},
	/* 512 MiB guest whose save was killed after libvirt_iohelper's first
	 * 1 MiB write: magic LibvirtQemudPart, stream cut at 1048576 - 66899 */
	{SCRATCH "/part.libvirt", "cat", "none", 0, 0, 1, 66807, 1035, 981677},
};

/* Each image libvirt wrote, its header fields, XML, cookie and stream. */
static void test_container__libvirt_images(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lv_cases) / sizeof(lv_cases[0]); i++)
		check_libvirt(&lv_cases[i], SIZE_MAX);
}

/* The same through a pipe-like reader (1..4093 bytes per read). */
static void test_container__libvirt_trickle(void **state)
{
	(void)state;
	check_libvirt(&lv_cases[0], 4093);
	check_libvirt(&lv_cases[1], 4093);
	check_libvirt(&lv_cases[1], 1);
	check_libvirt(&lv_cases[4], 7);
}

/* lzop (4): libvirt 9.0 writes it, vmcompat refuses it. */
static void test_container__libvirt_lzop(void **state)
{
	vmc_ctx *ctx = new_ctx();
	size_t len;
	uint8_t *data = fixture_bytes("libvirt/save-lzop.libvirt", &len);
	opened o;

	(void)state;
	open_buf(&o, ctx, data, len, SIZE_MAX);
	assert_int_equal(o.rc, VMC_EUNSUPPORTED);
	assert_error(ctx, VMC_EUNSUPPORTED, 28, "container/libvirt",
		     "libvirt save image format 4 (lzop) is not supported");
	close_opened(&o, ctx);
	free(data);
	vmc_ctx_free(ctx);
}

/* Edit one header u32 of the raw image (little-endian, as written) and
 * expect an open failure. */
typedef struct lv_edit {
	size_t at;      /* header offset of the u32 */
	uint32_t value;
	int code;
	uint64_t offset;
	const char *msg;
} lv_edit;

static void check_edit(const lv_edit *e, const vmc_ctx_options *opts)
{
	vmc_ctx *ctx = NULL;
	size_t len;
	uint8_t *data = load(LV_RAW, &len);
	opened o;

	assert_int_equal(vmc_ctx_new(&ctx, opts), VMC_OK);
	put_le32(data + e->at, e->value);
	open_buf(&o, ctx, data, len, SIZE_MAX);
	assert_int_equal(o.rc, e->code);
	assert_error(ctx, e->code, e->offset, "container/libvirt", e->msg);
	close_opened(&o, ctx);
	free(data);
	vmc_ctx_free(ctx);
}

static void test_container__libvirt_bad_fields(void **state)
{
	static const lv_edit edits[] = {
		{28, 6, VMC_EUNSUPPORTED, 28, "libvirt save image format 6 (sparse) is not supported"},
		{28, 7, VMC_EUNSUPPORTED, 28, "expected libvirt save image format 0..6, found 7"},
		{16, 3, VMC_EUNSUPPORTED, 16,
		 "expected libvirt save image version <= 2 in either byte order, found 0x00000003"},
		{16, 0x03000000, VMC_EUNSUPPORTED, 16,
		 "expected libvirt save image version <= 2 in either byte order, found 0x03000000"},
		{20, 0, VMC_EMALFORMED, 20, "expected libvirt data_len > 0, found 0"},
		{32, LV_DATA_LEN + 1, VMC_EMALFORMED, 32,
		 "expected libvirt cookieOffset <= data_len (66805), found 66806"},
		/* data_len far past the end of the 414611-byte file */
		{20, 1000000, VMC_EMALFORMED, 92,
		 "expected libvirt domain XML and cookie (1000000 bytes), found end of input after "
		 "414519"},
		/* cookieOffset 10: the first 10 bytes of XML hold no NUL */
		{32, 10, VMC_EMALFORMED, 92,
		 "expected NUL-terminated libvirt domain XML within 10 bytes, found no NUL"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++)
		check_edit(&edits[i], NULL);
}

/* data_len over max_libvirt_xml is VMC_ELIMIT naming the limit. */
static void test_container__libvirt_limit(void **state)
{
	vmc_ctx_options opts = VMC_CTX_OPTIONS_INIT;
	lv_edit e = {20, LV_DATA_LEN, VMC_ELIMIT, 20,
		     "limit max_libvirt_xml exceeded: libvirt data_len 66805 > 65536"};

	(void)state;
	opts.limits.max_libvirt_xml = 65536;
	check_edit(&e, &opts);
	/* exactly at the limit is fine */
	{
		vmc_ctx *ctx = NULL;
		size_t len;
		uint8_t *data = load(LV_RAW, &len);
		opened o;

		opts.limits.max_libvirt_xml = LV_DATA_LEN;
		assert_int_equal(vmc_ctx_new(&ctx, &opts), VMC_OK);
		open_buf(&o, ctx, data, len, SIZE_MAX);
		assert_int_equal(o.rc, VMC_OK);
		assert_int_equal(o.len, LV_STREAM_SIZE);
		close_opened(&o, ctx);
		free(data);
		vmc_ctx_free(ctx);
	}
}

/* Every proper prefix of the 92-byte header: offset 0.  Under 16 bytes
 * the magic is incomplete (unknown content); from 16 on it is a libvirt
 * header that ends early. */
static void test_container__libvirt_truncated_header(void **state)
{
	size_t len, cut;
	uint8_t *data = load(LV_RAW, &len);

	(void)state;
	for (cut = 0; cut < 92; cut++) {
		vmc_ctx *ctx = new_ctx();
		opened o;
		char msg[160];

		open_buf(&o, ctx, data, cut, SIZE_MAX);
		assert_int_equal(o.rc, VMC_EMALFORMED);
		if (cut < 16) {
			assert_error(ctx, VMC_EMALFORMED, 0, "container", NULL);
		} else {
			snprintf(msg, sizeof(msg),
				 "expected libvirt save image header (92 bytes), found end of input "
				 "after %zu",
				 cut);
			assert_error(ctx, VMC_EMALFORMED, 0, "container/libvirt", msg);
		}
		close_opened(&o, ctx);
		vmc_ctx_free(ctx);
	}
	free(data);
}

/* Cut inside the data area, right after it, and inside a compressed
 * payload. */
static void test_container__libvirt_truncated_data(void **state)
{
	static const size_t cuts[] = {92, 93, 92 + LV_COOKIE_OFFSET, LV_PAYLOAD - 1};
	size_t len, i;
	uint8_t *data = load(LV_RAW, &len);

	(void)state;
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		vmc_ctx *ctx = new_ctx();
		opened o;
		char msg[160];

		open_buf(&o, ctx, data, cuts[i], SIZE_MAX);
		assert_int_equal(o.rc, VMC_EMALFORMED);
		snprintf(msg, sizeof(msg),
			 "expected libvirt domain XML and cookie (66805 bytes), found end of input "
			 "after %zu",
			 cuts[i] - 92);
		assert_error(ctx, VMC_EMALFORMED, 92, "container/libvirt", msg);
		close_opened(&o, ctx);
		vmc_ctx_free(ctx);
	}
	/* header and data complete, no stream: opens, the stream is empty */
	{
		vmc_ctx *ctx = new_ctx();
		opened o;

		open_buf(&o, ctx, data, LV_PAYLOAD, SIZE_MAX);
		assert_int_equal(o.rc, VMC_OK);
		assert_int_equal(o.len, 0);
		close_opened(&o, ctx);
		vmc_ctx_free(ctx);
	}
	free(data);
	/* xz payload cut: the decompressor's error, offset in the file */
	{
		vmc_ctx *ctx = new_ctx();
		uint8_t *xz = fixture_bytes("libvirt/save-xz.libvirt", &len);
		opened o;

		open_buf(&o, ctx, xz, 100000, SIZE_MAX);
		assert_int_equal(o.rc, VMC_EMALFORMED);
		assert_error(ctx, VMC_EMALFORMED, 100000, "container/xz",
			     "expected more xz data, found end of input");
		close_opened(&o, ctx);
		free(xz);
		vmc_ctx_free(ctx);
	}
}

/* A damaged gzip payload: EMALFORMED at an offset in the image file. */
static void test_container__libvirt_corrupt_payload(void **state)
{
	vmc_ctx *ctx = new_ctx();
	size_t len;
	uint8_t *data = fixture_bytes("libvirt/save-gzip.libvirt", &len);
	opened o;

	(void)state;
	data[LV_PAYLOAD + 16] ^= 0xff;
	open_buf(&o, ctx, data, len, SIZE_MAX);
	assert_int_equal(o.rc, VMC_EMALFORMED);
	assert_error(ctx, VMC_EMALFORMED, 66916, "container/gzip",
		     "expected valid gzip data, found invalid code lengths set");
	close_opened(&o, ctx);
	free(data);
	vmc_ctx_free(ctx);
}

/* Missing NUL in the cookie: cookie and padding overwritten with 'x'. */
static void test_container__libvirt_cookie_without_nul(void **state)
{
	vmc_ctx *ctx = new_ctx();
	size_t len;
	uint8_t *data = load(LV_RAW, &len);
	opened o;

	(void)state;
	memset(data + 92 + LV_COOKIE_OFFSET, 'x', LV_DATA_LEN - LV_COOKIE_OFFSET);
	open_buf(&o, ctx, data, len, SIZE_MAX);
	assert_int_equal(o.rc, VMC_EMALFORMED);
	assert_error(ctx, VMC_EMALFORMED, 92 + LV_COOKIE_OFFSET, "container/libvirt",
		     "expected NUL-terminated libvirt save cookie within 65772 bytes, found no NUL");
	close_opened(&o, ctx);
	free(data);
	vmc_ctx_free(ctx);
}

/* libvirt's other cases: no cookie (cookieOffset 0: the whole area is
 * XML), cookieOffset == data_len (empty cookie), a big-endian header
 * (qemuSaveImageBswapHeader), and a version-1 image whose compression
 * field libvirt ignores. */
static void test_container__libvirt_variants(void **state)
{
	size_t len;
	uint8_t *orig = load(LV_RAW, &len);
	int v;

	(void)state;
	for (v = 0; v < 4; v++) {
		vmc_ctx *ctx = new_ctx();
		uint8_t *data = malloc(len);
		opened o;
		size_t k;

		assert_non_null(data);
		memcpy(data, orig, len);
		switch (v) {
		case 0:
			put_le32(data + 32, 0);
			break;
		case 1:
			put_le32(data + 32, LV_DATA_LEN);
			break;
		case 2:
			for (k = 16; k < 36; k += 4) {
				uint8_t t[4];
				memcpy(t, data + k, 4);
				data[k] = t[3], data[k + 1] = t[2], data[k + 2] = t[1],
				data[k + 3] = t[0];
			}
			break;
		case 3:
			put_le32(data + 16, 1);
			put_le32(data + 28, 1); /* "gzip", but version 1: raw */
			break;
		}
		open_buf(&o, ctx, data, len, SIZE_MAX);
		assert_int_equal(o.rc, VMC_OK);
		assert_int_equal(o.len, LV_STREAM_SIZE);
		assert_memory_equal(o.stream, orig + LV_PAYLOAD, LV_STREAM_SIZE);
		assert_int_equal(o.info.lv_big_endian, v == 2);
		assert_int_equal(o.info.lv_version, v == 3 ? 1 : 2);
		assert_int_equal(o.info.lv_data_len, LV_DATA_LEN);
		assert_string_equal(o.info.compression, "none");
		assert_non_null(strstr(o.info.xml, "<name>vmcfix</name>"));
		if (v == 0) {
			/* the XML ends at its NUL; the cookie is then part of the
			 * padding libvirt never looks at */
			assert_null(o.info.cookie);
			assert_int_equal(strlen(o.info.xml), LV_COOKIE_OFFSET - 1);
		} else if (v == 1) {
			assert_null(o.info.cookie);
		} else {
			assert_non_null(o.info.cookie);
			assert_int_equal(o.info.lv_cookie_offset, LV_COOKIE_OFFSET);
		}
		close_opened(&o, ctx);
		free(data);
		vmc_ctx_free(ctx);
	}
	free(orig);
}

/* ---- OOM ---------------------------------------------------------------- */


/* Fail allocation N = 0, 1, ... (after the ctx exists) until open + read
 * succeed, for a bare stream, a compressed stream and the libvirt images:
 * VMC_ENOMEM every time, nothing leaked, nothing half-filled in info. */
static void test_container__oom(void **state)
{
	static const char *const files[] = {
		SCRATCH "/stream.bin",
		SCRATCH "/stream.zstd",
		LV_RAW,
		VMC_FIXTURES_DIR "/libvirt/save-gzip.libvirt",
		VMC_FIXTURES_DIR "/libvirt/save-xz.libvirt",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		uint8_t *data = load(files[i], &len);
		long nfail;
		int rc = VMC_ENOMEM;

		for (nfail = 0; rc != VMC_OK; nfail++) {
			vmc_test_alloc fa = {-1, 0, 0, 0};
			vmc_ctx_options opts = VMC_CTX_OPTIONS_INIT;
			vmc_ctx *ctx = NULL;
			opened o;

			opts.allocator = vmc_test_allocator(&fa);
			assert_int_equal(vmc_ctx_new(&ctx, &opts), VMC_OK);
			fa.count = 0;
			fa.fail_at = nfail;
			open_buf(&o, ctx, data, len, SIZE_MAX);
			rc = o.rc;
			if (rc == VMC_OK) {
				assert_true(o.len > 0);
				assert_true(fa.count <= nfail);
			} else {
				assert_int_equal(rc, VMC_ENOMEM);
				assert_int_equal(vmc_error_last(ctx)->code, VMC_ENOMEM);
			}
			close_opened(&o, ctx);
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
		cmocka_unit_test(test_container__detect_top_level),
		cmocka_unit_test(test_container__detect_qemu_fixtures),
		cmocka_unit_test(test_container__unknown_magic),
		cmocka_unit_test(test_container__lzop_top_level),
		cmocka_unit_test(test_container__libvirt_images),
		cmocka_unit_test(test_container__libvirt_trickle),
		cmocka_unit_test(test_container__libvirt_lzop),
		cmocka_unit_test(test_container__libvirt_bad_fields),
		cmocka_unit_test(test_container__libvirt_limit),
		cmocka_unit_test(test_container__libvirt_truncated_header),
		cmocka_unit_test(test_container__libvirt_truncated_data),
		cmocka_unit_test(test_container__libvirt_corrupt_payload),
		cmocka_unit_test(test_container__libvirt_cookie_without_nul),
		cmocka_unit_test(test_container__libvirt_variants),
		cmocka_unit_test(test_container__oom),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
