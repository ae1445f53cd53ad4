/*
 * test_framing.c - stream framing and RAM on real QEMU 7.2 fixtures, with
 * expected values from the sidecars QEMU itself produced (query-migrate,
 * info ramblock, the vmdesc device list), and malformed variants of a real
 * stream (documented byte edits) that must fail with the right code and
 * offset.
 */
#include "fixtures.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/stream.h"

static const char *const all_fixtures[] = {
	"i440fx-generic",      "i440fx-transitional",  "i440fx-non-transitional",
	"i440fx-disable-legacy", "i440fx-disable-modern", "q35-generic",
	"q35-transitional",    "q35-non-transitional", "q35-disable-legacy",
	"q35-legacy-only",
};

typedef struct fixture {
	uint8_t *data;
	size_t len;
	json_object *sidecar;
} fixture;

static void load(fixture *f, const char *name)
{
	char rel[256], *path, cmd[1024];
	int status;

	snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.xz", name);
	path = vmc_test_fixture(rel);
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' > '%s/%s.raw'", path, VMC_FIXTURES_RAW_DIR, name);
	free(path);
	free(vmc_test_run("mkdir -p '" VMC_FIXTURES_RAW_DIR "'", &status));
	free(vmc_test_run(cmd, &status));
	assert_int_equal(status, 0);
	snprintf(cmd, sizeof(cmd), "%s/%s.raw", VMC_FIXTURES_RAW_DIR, name);
	f->data = vmc_test_slurp(cmd, &f->len);
	snprintf(rel, sizeof(rel), "qemu-7.2/%s.json", name);
	path = vmc_test_fixture(rel);
	f->sidecar = json_object_from_file(path);
	free(path);
	assert_non_null(f->sidecar);
}

static void unload(fixture *f)
{
	free(f->data);
	json_object_put(f->sidecar);
}

static json_object *get(json_object *o, const char *path)
{
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		json_object *next = NULL;
		assert_true(json_object_object_get_ex(o, tok, &next));
		o = next;
	}
	return o;
}

/* Read a buffer; return the status and leave *out (or NULL). */
static int read_buf(vmc_ctx *ctx, const uint8_t *d, size_t n, vmc_stream **out)
{
	*out = NULL;
	return vmc_stream_read_buffer(out, ctx, d, n, "test", NULL);
}

static void check_fixture(const char *name)
{
	fixture f;
	vmc_ctx *ctx;
	vmc_stream *s;
	json_object *facts, *vs, *blocks;
	size_t i, j, nfull = 0;
	uint64_t zero = 0, normal = 0;
	const vmc_section *ram;

	load(&f, name);
	facts = get(f.sidecar, "stream_facts");
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(read_buf(ctx, f.data, f.len, &s), VMC_OK);

	assert_string_equal(vmc_container_kind(vmc_stream_container(s)), "raw");
	assert_int_equal(vmc_stream_size(s), json_object_get_uint64(get(f.sidecar, "stream_size")));
	assert_int_equal(vmc_stream_file_version(s), 3);
	assert_string_equal(vmc_stream_machine_type(s),
			    json_object_get_string(get(facts, "configuration_machine")));
	assert_int_equal(vmc_stream_capability_count(s), 0);
	assert_true(vmc_stream_has_vmdesc(s));
	assert_int_equal(vmc_stream_vmdesc_offset(s),
			 json_object_get_uint64(get(facts, "vmdesc_offset")));
	assert_int_equal(vmc_stream_vmdesc_size(s),
			 json_object_get_uint64(get(facts, "vmdesc_length")));
	assert_int_equal(vmc_stream_page_size(s), 4096);
	assert_int_equal(vmc_stream_command_count(s), 0);
	assert_int_equal(vmc_stream_note_count(s), 0);

	/* Non-iterative sections: exactly the vmdesc's devices, in order. */
	vs = get(facts, "vmdesc_sections");
	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		json_object *d, *v;

		if (vmc_section_is_iterative(sec))
			continue;
		assert_true(nfull < json_object_array_length(vs));
		d = json_object_array_get_idx(vs, nfull++);
		assert_string_equal(vmc_section_idstr(sec), json_object_get_string(get(d, "name")));
		assert_int_equal(vmc_section_instance_id(sec),
				 json_object_get_int(get(d, "instance_id")));
		v = get(d, "version");
		if (v)
			assert_int_equal(vmc_section_version_id(sec), json_object_get_int(v));
		assert_int_equal(vmc_section_body(sec), VMC_BODY_DECODED);
		assert_non_null(vmc_section_fields(sec));
		assert_true(vmc_section_size(sec) > 0);
	}
	assert_int_equal(nfull, json_object_array_length(vs));

	/* RAM: the only iterative section, version 4, START + PARTs + END. */
	ram = vmc_stream_find_section(s, "ram", 0);
	assert_non_null(ram);
	assert_true(vmc_section_is_iterative(ram));
	assert_int_equal(vmc_section_version_id(ram), 4);
	assert_int_equal(vmc_section_body(ram), VMC_BODY_RAM);
	assert_int_equal(vmc_stream_ram_markers(s, VMC_RAM_EOS), vmc_section_record_count(ram));
	assert_int_equal(vmc_stream_record_count(s, 1), 1);
	assert_int_equal(vmc_stream_record_count(s, 3), 1);
	assert_int_equal(vmc_stream_record_count(s, 4), nfull);
	assert_int_equal(vmc_stream_record_count(s, 7), 1);
	assert_int_equal(vmc_stream_ram_total(s),
			 json_object_get_uint64(get(f.sidecar, "query-migrate.ram.total")));

	/* Ramblocks: the same names and used lengths as `info ramblock`. */
	blocks = get(f.sidecar, "info-ramblock.blocks");
	assert_int_equal(vmc_stream_ramblock_count(s), json_object_array_length(blocks));
	for (i = 0; i < vmc_stream_ramblock_count(s); i++) {
		const vmc_ramblock *b = vmc_stream_ramblock(s, i);
		int found = 0;
		for (j = 0; j < json_object_array_length(blocks); j++) {
			json_object *e = json_object_array_get_idx(blocks, j);
			if (strcmp(json_object_get_string(get(e, "name")), vmc_ramblock_name(b)))
				continue;
			assert_int_equal(vmc_ramblock_used_length(b),
					 json_object_get_uint64(get(e, "used_length")));
			found = 1;
		}
		assert_true(found);
		zero += vmc_ramblock_pages(b, VMC_PAGE_ZERO);
		normal += vmc_ramblock_pages(b, VMC_PAGE_NORMAL);
		assert_int_equal(vmc_ramblock_pages(b, VMC_PAGE_XBZRLE), 0);
		assert_int_equal(vmc_ramblock_pages(b, VMC_PAGE_COMPRESSED), 0);
		/* every page of a never-started guest is sent exactly once */
		assert_int_equal((vmc_ramblock_pages(b, VMC_PAGE_ZERO) +
				  vmc_ramblock_pages(b, VMC_PAGE_NORMAL)) * 4096,
				 vmc_ramblock_used_length(b));
	}
	/* query-migrate: duplicate = zero pages, normal = full pages */
	assert_int_equal(zero, json_object_get_uint64(get(f.sidecar, "query-migrate.ram.duplicate")));
	assert_int_equal(normal, json_object_get_uint64(get(f.sidecar, "query-migrate.ram.normal")));

	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	unload(&f);
}

static void test_framing__all_fixtures_match_qemu(void **state)
{
	size_t i;
	(void)state;
	for (i = 0; i < sizeof(all_fixtures) / sizeof(all_fixtures[0]); i++)
		check_fixture(all_fixtures[i]);
}

/* ---- malformed variants of i440fx-generic --------------------------- */

static fixture base;

static int setup(void **state)
{
	(void)state;
	load(&base, "i440fx-generic");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unload(&base);
	return 0;
}

/* Decode a modified copy; assert code and offset; return the stream (if
 * any) so callers can look further. */
static void expect_error(const uint8_t *d, size_t n, int code, uint64_t offset)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	const vmc_error *e;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(read_buf(ctx, d, n, &s), code);
	assert_null(s);
	e = vmc_error_last(ctx);
	assert_int_equal(e->code, code);
	assert_true(e->has_offset);
	if (e->offset != offset)
		fail_msg("offset %llu, expected %llu: %s", (unsigned long long)e->offset,
			 (unsigned long long)offset, e->message);
	assert_true(strncmp(e->message, "expected", 8) == 0 ||
		    strncmp(e->message, "limit ", 6) == 0);
	vmc_ctx_free(ctx);
}

static uint8_t *copy(void)
{
	uint8_t *d = malloc(base.len);
	assert_non_null(d);
	memcpy(d, base.data, base.len);
	return d;
}

static void test_framing__bad_magic_and_version(void **state)
{
	uint8_t *d = copy();
	(void)state;

	d[0] = 'X';
	expect_error(d, base.len, VMC_EMALFORMED, 0);
	memcpy(d, base.data, 8);
	d[7] = 2; /* QEMU_VM_FILE_VERSION_COMPAT */
	expect_error(d, base.len, VMC_EUNSUPPORTED, 4);
	d[7] = 4;
	expect_error(d, base.len, VMC_EMALFORMED, 4);
	free(d);
}

/* Offsets of every section's first record, from a clean decode. */
static size_t section_offsets(uint64_t *offs, size_t max)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	size_t i, n;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_OK);
	n = vmc_stream_section_count(s);
	assert_true(n <= max);
	for (i = 0; i < n; i++)
		offs[i] = vmc_section_offset(vmc_stream_section(s, i));
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	return n;
}

static void test_framing__truncated_at_every_record_boundary(void **state)
{
	uint64_t offs[256];
	size_t i, n = section_offsets(offs, 256);
	(void)state;

	assert_true(n > 30);
	for (i = 0; i < n; i++)
		expect_error(base.data, (size_t)offs[i], VMC_EMALFORMED, offs[i]);
	/* just after the header: the configuration record is missing */
	expect_error(base.data, 8, VMC_EMALFORMED, 8);
	/* inside the header */
	expect_error(base.data, 3, VMC_EMALFORMED, 0);
	expect_error(base.data, 0, VMC_EMALFORMED, 0);
}

static void test_framing__eof_without_vmdesc_still_decodes(void **state)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	uint64_t vd;
	size_t i;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_OK);
	vd = vmc_stream_vmdesc_offset(s);
	vmc_stream_free(s);
	/* cut right after the EOF byte: a valid stream without vmdesc */
	assert_int_equal(read_buf(ctx, base.data, (size_t)vd, &s), VMC_OK);
	assert_false(vmc_stream_has_vmdesc(s));
	assert_int_equal(vmc_stream_size(s), vd);
	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		size_t len;
		if (vmc_section_is_iterative(sec))
			continue;
		/* bodies found by their footers, same sizes as with the vmdesc */
		assert_int_equal(vmc_section_body(sec), VMC_BODY_RAW);
		assert_non_null(vmc_section_data(sec, &len));
		assert_int_equal(len, vmc_section_size(sec));
	}
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	/* cut before the EOF byte */
	expect_error(base.data, (size_t)vd - 1, VMC_EMALFORMED, vd - 1);
}

static void test_framing__vmdesc_damage(void **state)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	uint64_t vd;
	uint8_t *d = copy();
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_OK);
	vd = vmc_stream_vmdesc_offset(s);
	vmc_stream_free(s);
	vmc_ctx_free(ctx);

	/* JSON cut short: the length points past the end */
	expect_error(base.data, (size_t)vd + 100, VMC_EMALFORMED, vd + 1);
	/* a length asking for 4 GiB */
	d[vd + 1] = d[vd + 2] = d[vd + 3] = d[vd + 4] = 0xff;
	expect_error(d, base.len, VMC_ELIMIT, vd + 1);
	memcpy(d, base.data, base.len);
	/* not JSON: the first byte of the document */
	d[vd + 5] = 'x';
	expect_error(d, base.len, VMC_EMALFORMED, vd + 5);
	free(d);
}

/* Regression (found harvesting QEMU 11.1): a vmdesc whose be32 length has
 * a 0x06 byte (0x0000b506) was not found.  Documented edit of a real
 * stream: blanks appended to the vmdesc JSON (still valid JSON) until a
 * length byte is 0x06, and the length updated. */
static void test_framing__vmdesc_length_with_a_0x06_byte(void **state)
{
	static const uint32_t mask[] = {0xffu, 0xff00u};
	static const uint32_t want[] = {0x06u, 0x0600u};
	vmc_ctx *ctx;
	vmc_stream *s;
	uint64_t vd, jlen;
	size_t k;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_OK);
	vd = vmc_stream_vmdesc_offset(s);
	jlen = vmc_stream_vmdesc_size(s);
	vmc_stream_free(s);
	for (k = 0; k < 2; k++) {
		uint32_t n = (uint32_t)jlen;
		size_t pad, len;
		uint8_t *d;

		while ((n & mask[k]) != want[k])
			n++;
		pad = n - (size_t)jlen;
		len = base.len + pad;
		d = malloc(len);
		assert_non_null(d);
		memcpy(d, base.data, base.len);
		memset(d + base.len, ' ', pad);
		d[vd + 1] = (uint8_t)(n >> 24);
		d[vd + 2] = (uint8_t)(n >> 16);
		d[vd + 3] = (uint8_t)(n >> 8);
		d[vd + 4] = (uint8_t)n;
		assert_int_equal(read_buf(ctx, d, len, &s), VMC_OK);
		assert_true(vmc_stream_has_vmdesc(s));
		assert_int_equal(vmc_stream_vmdesc_size(s), n);
		vmc_stream_free(s);
		free(d);
	}
	vmc_ctx_free(ctx);
}

static void test_framing__ramblock_length_past_total(void **state)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	uint64_t at;
	uint8_t *d = copy();
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_OK);
	/* START header: type, be32 id, u8 len "ram", be32 instance, be32
	 * version; then the be64 MEM_SIZE word; then the first block's idstr. */
	at = vmc_section_offset(vmc_stream_find_section(s, "ram", 0)) + 1 + 4 + 1 + 3 + 4 + 4 + 8;
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	at += 1 + d[at]; /* used_length of the first block */
	memset(d + at, 0x7f, 8);
	expect_error(d, base.len, VMC_EMALFORMED, at);
	free(d);
}

static void test_framing__bad_record_type_and_footer(void **state)
{
	uint64_t offs[256];
	size_t n = section_offsets(offs, 256), i, first_full = 0;
	uint8_t *d = copy();
	(void)state;

	for (i = 0; i < n; i++)
		if (base.data[offs[i]] == 0x04) {
			first_full = (size_t)offs[i];
			break;
		}
	assert_true(first_full > 0);
	d[first_full] = 0x09;
	expect_error(d, base.len, VMC_EMALFORMED, first_full);
	memcpy(d, base.data, base.len);
	/* the footer of the first FULL section sits just before the next one */
	d[offs[i + 1] - 1] ^= 0x40;
	expect_error(d, base.len, VMC_EMALFORMED, offs[i + 1] - 4);
	free(d);
}

/* Random truncations and bit flips: an answer, never a crash (ASan/UBSan
 * in CI), and every error carries an offset inside the input. */
static void test_framing__random_damage(void **state)
{
	vmc_ctx *ctx;
	uint8_t *d = copy();
	unsigned seed = 12345;
	int i;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	for (i = 0; i < 150; i++) {
		vmc_stream *s;
		size_t cut = (size_t)(rand_r(&seed) % base.len);
		int rc = read_buf(ctx, base.data, cut, &s);
		if (rc == VMC_OK) {
			vmc_stream_free(s);
			continue;
		}
		assert_true(rc == VMC_EMALFORMED || rc == VMC_ELIMIT || rc == VMC_EUNSUPPORTED);
		assert_true(vmc_error_last(ctx)->has_offset);
		assert_true(vmc_error_last(ctx)->offset <= cut);
	}
	for (i = 0; i < 150; i++) {
		vmc_stream *s;
		size_t pos = (size_t)(rand_r(&seed) % base.len);
		int rc;

		d[pos] ^= (uint8_t)(1u << (rand_r(&seed) % 8));
		rc = read_buf(ctx, d, base.len, &s);
		if (rc == VMC_OK)
			vmc_stream_free(s);
		else
			assert_true(rc == VMC_EMALFORMED || rc == VMC_ELIMIT ||
				    rc == VMC_EUNSUPPORTED);
		d[pos] = base.data[pos];
	}
	vmc_ctx_free(ctx);
	free(d);
}

/* Allocation failure at every allocation in turn: VMC_ENOMEM, no crash and
 * (under ASan) no leak. */

static void test_framing__out_of_memory_everywhere(void **state)
{
	long n;
	int ok = 0;
	(void)state;

	for (n = 0; n < 100000 && !ok; n = n < 64 ? n + 1 : n * 5 / 4) {
		vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
		vmc_test_alloc f = {-1, 1, 0, 0};
		vmc_ctx *ctx;
		vmc_stream *s;
		int rc;

		o.allocator = vmc_test_allocator(&f);
		assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
		f.fail_at = n;
		rc = read_buf(ctx, base.data, base.len, &s);
		if (rc == VMC_OK) {
			ok = 1;
			vmc_stream_free(s);
		} else {
			assert_int_equal(rc, VMC_ENOMEM);
		}
		f.fail_at = -1;
		vmc_ctx_free(ctx);
		assert_int_equal(f.live, 0);
	}
	assert_true(ok);
}

static void test_framing__limits_are_enforced(void **state)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;
	vmc_stream *s;
	(void)state;

	o.limits.max_device_state = 1000;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_ELIMIT);
	assert_non_null(strstr(vmc_error_last(ctx)->message, "max_device_state"));
	vmc_ctx_free(ctx);

	o = (vmc_ctx_options)VMC_CTX_OPTIONS_INIT;
	o.limits.max_ramblocks = 2;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_ELIMIT);
	assert_non_null(strstr(vmc_error_last(ctx)->message, "max_ramblocks"));
	vmc_ctx_free(ctx);

	o = (vmc_ctx_options)VMC_CTX_OPTIONS_INIT;
	o.limits.max_sections = 10;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_ELIMIT);
	assert_non_null(strstr(vmc_error_last(ctx)->message, "max_sections"));
	vmc_ctx_free(ctx);

	o = (vmc_ctx_options)VMC_CTX_OPTIONS_INIT;
	o.limits.max_vmdesc_size = 1000;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(read_buf(ctx, base.data, base.len, &s), VMC_ELIMIT);
	assert_non_null(strstr(vmc_error_last(ctx)->message, "max_vmdesc_size"));
	vmc_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest fixtures_tests[] = {
		cmocka_unit_test(test_framing__all_fixtures_match_qemu),
	};
	const struct CMUnitTest damage_tests[] = {
		cmocka_unit_test(test_framing__bad_magic_and_version),
		cmocka_unit_test(test_framing__truncated_at_every_record_boundary),
		cmocka_unit_test(test_framing__eof_without_vmdesc_still_decodes),
		cmocka_unit_test(test_framing__vmdesc_damage),
		cmocka_unit_test(test_framing__vmdesc_length_with_a_0x06_byte),
		cmocka_unit_test(test_framing__ramblock_length_past_total),
		cmocka_unit_test(test_framing__bad_record_type_and_footer),
		cmocka_unit_test(test_framing__random_damage),
		cmocka_unit_test(test_framing__out_of_memory_everywhere),
		cmocka_unit_test(test_framing__limits_are_enforced),
	};
	int failed = cmocka_run_group_tests_name("framing_fixtures", fixtures_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("framing_damage", damage_tests, setup, teardown);
	return failed;
}
