/*
 * test_vmdesc.c - parsers/vmdesc.c: the vmdesc JSON trailer.
 *
 * Real input: the vmdesc of fixtures/qemu-7.2/i440fx-generic.mig.xz (QEMU
 * 7.2.22, pc-i440fx-7.2, seven virtio-pci devices; command line in the
 * sidecar .json), located by a test-local scan of the stream's tail.
 * Malformed input: small hand-written descriptions, each a minimal edit of
 * what QEMU writes, plus a JSON edit of the real trailer.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "parsers/vmdesc.h"

#define BASE 1000u /* stream offset given to the parser for synthetic JSON */

/* ---- helpers ---------------------------------------------------------- */

/* Decompressed copy of fixtures/<rel>.xz (the fixtures_raw setup test makes
 * it; made here too so the binary also runs outside ctest). */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The vmdesc at the end of a stream: 0x00 (EOF), 0x06, be32 n, n bytes of
 * JSON ending the file (stream-format.md §1, §6).  Returns the JSON offset. */
static size_t find_vmdesc(const uint8_t *d, size_t len, size_t *json_len)
{
	size_t off;

	for (off = len - 5; off > 0; off--)
		if (d[off] == 0x06 && d[off - 1] == 0x00 && be32(d + off + 1) == len - off - 5) {
			*json_len = len - off - 5;
			return off + 5;
		}
	fail_msg("no vmdesc trailer");
	return 0;
}

static vmc_ctx *new_ctx(uint32_t max_depth)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;

	o.limits.max_json_depth = max_depth;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	return ctx;
}

static int parse_str(vmc__vmdesc **out, vmc_ctx *ctx, const char *json)
{
	return vmc__vmdesc_parse(out, ctx, (const uint8_t *)json, strlen(json), BASE);
}

/* Parse json, expect failure code at offset with message prefix and path. */
static void expect_fail(const char *json, int code, uint64_t offset, const char *msg,
			const char *path)
{
	vmc_ctx *ctx = new_ctx(0);
	vmc__vmdesc *d = NULL;
	const vmc_error *e;

	assert_int_equal(parse_str(&d, ctx, json), code);
	assert_null(d);
	e = vmc_error_last(ctx);
	assert_int_equal(e->code, code);
	assert_int_equal(e->has_offset, 1);
	assert_int_equal(e->offset, offset);
	if (strncmp(e->message, msg, strlen(msg)) != 0)
		fail_msg("message '%s' does not start with '%s'", e->message, msg);
	assert_string_equal(e->path, path);
	vmc_ctx_free(ctx);
}

static const vmc__vmdesc_field *field_named(const vmc__vmdesc_vmsd *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->nfields; i++)
		if (strcmp(v->fields[i].name, name) == 0)
			return &v->fields[i];
	fail_msg("no field %s in %s", name, v->name ? v->name : "(legacy)");
	return NULL;
}

/* ---- real stream ------------------------------------------------------ */

static void test_vmdesc__qemu72_i440fx(void **state)
{
	size_t len, jlen, joff;
	uint8_t *data = vmc_test_load_raw("qemu-7.2/i440fx-generic.mig", &len);
	vmc_ctx *ctx = new_ctx(0);
	vmc__vmdesc *d;
	const vmc__vmdesc_device *dev;
	const vmc__vmdesc_field *f;

	(void)state;
	joff = find_vmdesc(data, len, &jlen);
	/* Sidecar: vmdesc_offset 860145 (the 0x06 byte), vmdesc_length 99904. */
	assert_int_equal(joff, 860145 + 5);
	assert_int_equal(jlen, 99904);
	assert_int_equal(vmc__vmdesc_parse(&d, ctx, data + joff, jlen, joff), VMC_OK);
	assert_int_equal(vmc__vmdesc_page_size(d), 4096);
	assert_int_equal(vmc__vmdesc_device_count(d), 38);
	assert_null(vmc__vmdesc_configuration(d)); /* 7.2 has no "configuration" */
	assert_null(vmc__vmdesc_device_at(d, 38));

	dev = vmc__vmdesc_device_at(d, 0);
	assert_string_equal(dev->name, "timer");
	assert_string_equal(dev->vmsd_name, "timer");
	assert_int_equal(dev->version, 2);
	assert_int_equal(dev->has_version, 1);
	assert_int_equal(dev->vmsd->nfields, 3);
	assert_string_equal(dev->vmsd->fields[1].type, "unused_buffer");
	assert_int_equal(dev->vmsd->fields[1].size, 8);

	/* Legacy save_state section (vmstate_save_old_style). */
	dev = vmc__vmdesc_find(d, "slirp", 0);
	assert_non_null(dev);
	assert_null(dev->vmsd_name);
	assert_int_equal(dev->has_version, 0);
	assert_int_equal(dev->legacy_size, 131);
	assert_int_equal(dev->vmsd->nfields, 1);
	assert_string_equal(dev->vmsd->fields[0].name, "data");
	assert_string_equal(dev->vmsd->fields[0].type, "buffer");
	assert_int_equal(dev->vmsd->fields[0].size, 131);

	/* Two instances of one idstr. */
	assert_non_null(vmc__vmdesc_find(d, "dma", 1));
	assert_ptr_not_equal(vmc__vmdesc_find(d, "dma", 0), vmc__vmdesc_find(d, "dma", 1));
	assert_null(vmc__vmdesc_find(d, "dma", 2));
	assert_null(vmc__vmdesc_find(d, "nonexistent", 0));

	/* Duplicate field names get "[n]" (vmfield_name_num); subsections. */
	dev = vmc__vmdesc_find(d, "fw_cfg", 0);
	f = field_named(dev->vmsd, "cur_offset[1]");
	assert_string_equal(f->type, "uint32");
	assert_int_equal(dev->vmsd->nsubsections, 2);
	assert_string_equal(dev->vmsd->subsections[0].name, "fw_cfg/dma");
	assert_int_equal(dev->vmsd->subsections[0].version, 0);
	assert_string_equal(dev->vmsd->subsections[1].name, "fw_cfg/acpi_mr");
	assert_int_equal(dev->vmsd->subsections[1].nfields, 3);

	/* Compressed struct array: one description, size of ONE element. */
	dev = vmc__vmdesc_find(d, "i8254", 0);
	f = field_named(dev->vmsd, "channels");
	assert_true(f->flags & VMC__VMDESC_ARRAY);
	assert_int_equal(f->array_len, 3);
	assert_int_equal(f->size, 32);
	assert_non_null(f->vmsd);
	assert_string_equal(f->vmsd->name, "pit channel");
	assert_int_equal(f->vmsd->version, 2);
	assert_int_equal(f->vmsd->nfields, 14);

	/* Uncompressible array (nested subsections): one entry per index. */
	dev = vmc__vmdesc_find(d, "fdc", 0);
	f = &dev->vmsd->fields[0];
	assert_string_equal(f->type, "struct");
	f = field_named(f->vmsd, "drives");
	assert_true(f->flags & VMC__VMDESC_INDEX);
	assert_int_equal(f->index, 0);
	assert_int_equal(f[1].index, 1);
	assert_string_equal(f[1].name, "drives");
	assert_int_equal(f->vmsd->nsubsections, 1);
	assert_string_equal(f->vmsd->subsections[0].name, "fdrive/media_rate");

	/* "tmp" writes its vmsd keys inline in the field object (put_tmp). */
	dev = vmc__vmdesc_find(d, "cpu", 0);
	f = field_named(dev->vmsd, "env.fpregs");
	assert_int_equal(f->array_len, 8);
	f = &f->vmsd->fields[0];
	assert_string_equal(f->type, "tmp");
	assert_true(f->flags & VMC__VMDESC_INLINE);
	assert_string_equal(f->vmsd->name, "fpreg_tmp");
	assert_int_equal(f->vmsd->nfields, 2);
	assert_int_equal(f->size, 10);

	/* virtio: the whole device is one opaque field. */
	dev = vmc__vmdesc_find(d, "0000:00:09.0/virtio-rng", 0);
	assert_string_equal(dev->vmsd_name, "virtio-rng");
	assert_int_equal(dev->vmsd->nfields, 1);
	assert_string_equal(dev->vmsd->fields[0].type, "virtio");
	assert_int_equal(dev->vmsd->fields[0].size, 45526);

	vmc__vmdesc_free(d);
	vmc_ctx_free(ctx);
	free(data);
}

/* Every fixture's vmdesc parses. */
static void test_vmdesc__all_fixtures(void **state)
{
	static const char *const names[] = {
		"i440fx-disable-legacy", "i440fx-disable-modern", "i440fx-generic",
		"i440fx-non-transitional", "i440fx-transitional", "q35-disable-legacy",
		"q35-generic", "q35-legacy-only", "q35-non-transitional", "q35-transitional"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char rel[256];
		size_t len, jlen, joff;
		uint8_t *data;
		vmc_ctx *ctx = new_ctx(0);
		vmc__vmdesc *d;

		snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig", names[i]);
		data = vmc_test_load_raw(rel, &len);
		joff = find_vmdesc(data, len, &jlen);
		assert_int_equal(vmc__vmdesc_parse(&d, ctx, data + joff, jlen, joff), VMC_OK);
		assert_true(vmc__vmdesc_device_count(d) > 30);
		assert_int_equal(vmc__vmdesc_page_size(d), 4096);
		vmc__vmdesc_free(d);
		vmc_ctx_free(ctx);
		free(data);
	}
}

/* ---- synthetic descriptions ------------------------------------------- */

#define DEV_HEAD "{\"page_size\":4096,\"devices\":[{\"name\":\"d\",\"instance_id\":0,"

static void test_vmdesc__shapes(void **state)
{
	vmc_ctx *ctx = new_ctx(0);
	vmc__vmdesc *d;
	const vmc__vmdesc_device *dev;
	const vmc__vmdesc_vmsd *cfg;

	(void)state;
	/* [10.x] configuration, unknown keys everywhere, empty "struct" (a NULL
	 * element of a pointer array in 7.2), "vstruct" inline keys. */
	assert_int_equal(
		parse_str(&d, ctx,
			  "{\"configuration\":{\"vmsd_name\":\"configuration\",\"version\":1,"
			  "\"fields\":[{\"name\":\"len\",\"type\":\"uint32\",\"size\":4}]},"
			  "\"future\":[1,2],\"page_size\":4096,\"devices\":[{\"name\":\"d\","
			  "\"instance_id\":7,\"vmsd_name\":\"v\",\"version\":3,\"x\":null,"
			  "\"fields\":[{\"name\":\"p\",\"index\":0,\"type\":\"struct\","
			  "\"struct\":{},\"size\":1},{\"name\":\"vs\",\"type\":\"vstruct\","
			  "\"vmsd_name\":\"inner\",\"version\":5,\"fields\":[],\"size\":0}]}]}\n "),
		VMC_OK);
	cfg = vmc__vmdesc_configuration(d);
	assert_non_null(cfg);
	assert_string_equal(cfg->name, "configuration");
	assert_int_equal(cfg->nfields, 1);
	dev = vmc__vmdesc_find(d, "d", 7);
	assert_non_null(dev);
	assert_int_equal(dev->version, 3);
	assert_true(dev->vmsd->fields[0].flags & VMC__VMDESC_NULL_STRUCT);
	assert_null(dev->vmsd->fields[0].vmsd);
	assert_true(dev->vmsd->fields[1].flags & VMC__VMDESC_INLINE);
	assert_string_equal(dev->vmsd->fields[1].vmsd->name, "inner");
	assert_int_equal(dev->vmsd->fields[1].vmsd->version, 5);
	vmc__vmdesc_free(d);

	/* No page_size: 0.  Empty devices. */
	assert_int_equal(parse_str(&d, ctx, "{\"devices\":[]}"), VMC_OK);
	assert_int_equal(vmc__vmdesc_page_size(d), 0);
	assert_int_equal(vmc__vmdesc_device_count(d), 0);
	vmc__vmdesc_free(d);

	vmc__vmdesc_free(NULL);
	assert_int_equal(vmc__vmdesc_device_count(NULL), 0);
	vmc_ctx_free(ctx);
}

static void test_vmdesc__syntax_errors(void **state)
{
	(void)state;
	/* json-c stops at the offending character. */
	expect_fail("{\"devices\":[1,2,}]}", VMC_EMALFORMED, BASE + 16,
		    "expected vmdesc JSON, found", "");
	expect_fail("{\"devices\":[", VMC_EMALFORMED, BASE + 12,
		    "expected more vmdesc JSON, found end of data", "");
	/* Strict mode: json-c itself rejects bytes after the value. */
	expect_fail("{\"devices\":[]} x", VMC_EMALFORMED, BASE + 15,
		    "expected vmdesc JSON, found unexpected character", "");
	expect_fail("", VMC_EMALFORMED, BASE, "expected more vmdesc JSON", "");
	/* Trailing comma: json-c accepts it unless strict. */
	expect_fail("{\"devices\":[],}", VMC_EMALFORMED, BASE + 14,
		    "expected vmdesc JSON, found", "");
}

static void test_vmdesc__nul_byte(void **state)
{
	static const uint8_t json[] = "{\"devices\":[]}\0";
	vmc_ctx *ctx = new_ctx(0);
	vmc__vmdesc *d = NULL;

	(void)state;
	assert_int_equal(vmc__vmdesc_parse(&d, ctx, json, sizeof(json) - 1, BASE),
			 VMC_EMALFORMED);
	assert_int_equal(vmc_error_last(ctx)->offset, BASE + 14);
	assert_string_equal(vmc_error_last(ctx)->message,
			    "expected vmdesc JSON text, found NUL byte");
	vmc_ctx_free(ctx);
}

static void test_vmdesc__depth_limit(void **state)
{
	/* Nesting 4: object > array > object > array. */
	static const char json[] = "{\"devices\":[{\"fields\":[]}]}";
	vmc_ctx *ctx = new_ctx(3);
	vmc__vmdesc *d = NULL;
	const vmc_error *e;

	(void)state;
	assert_int_equal(parse_str(&d, ctx, json), VMC_ELIMIT);
	e = vmc_error_last(ctx);
	assert_non_null(strstr(e->message, "max_json_depth"));
	assert_int_equal(e->offset, BASE + 22);
	vmc_ctx_free(ctx);

	/* The same document at exactly the limit gets past tokenizing (and then
	 * fails on shape: the device has no name). */
	ctx = new_ctx(4);
	assert_int_equal(parse_str(&d, ctx, json), VMC_EMALFORMED);
	vmc_ctx_free(ctx);
}

static void test_vmdesc__size_limit(void **state)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;
	vmc__vmdesc *d = NULL;

	(void)state;
	o.limits.max_vmdesc_size = 8;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(parse_str(&d, ctx, "{\"devices\":[]}"), VMC_ELIMIT);
	assert_non_null(strstr(vmc_error_last(ctx)->message, "max_vmdesc_size"));
	vmc_ctx_free(ctx);
}

static void test_vmdesc__shape_errors(void **state)
{
	(void)state;
	expect_fail("[]", VMC_EMALFORMED, BASE, "expected vmdesc to be an object, found an array",
		    "");
	expect_fail("{\"page_size\":\"4096\",\"devices\":[]}", VMC_EMALFORMED, BASE,
		    "expected page_size to be an integer, found a string", "");
	expect_fail("{\"page_size\":4096}", VMC_EMALFORMED, BASE,
		    "expected devices to be an array, found no such key", "");
	expect_fail("{\"devices\":{}}", VMC_EMALFORMED, BASE,
		    "expected devices to be an array, found an object", "");
	expect_fail("{\"devices\":[3]}", VMC_EMALFORMED, BASE,
		    "expected device to be an object, found an integer", "devices[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"fields\":[]}]}", VMC_EMALFORMED, BASE,
		    "expected version to be an integer, found no such key", "devices[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":-1,\"fields\":[]}]}", VMC_EMALFORMED,
		    BASE, "expected version to be a non-negative integer, found -1", "devices[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":4294967296,\"fields\":[]}]}",
		    VMC_EMALFORMED, BASE, "expected version to be at most 4294967295", "devices[0]");
	expect_fail("{\"devices\":[{\"name\":\"d\",\"instance_id\":1.5}]}", VMC_EMALFORMED, BASE,
		    "expected instance_id to be an integer, found a non-integer number",
		    "devices[0]");
	expect_fail("{\"devices\":[{\"name\":null,\"instance_id\":1}]}", VMC_EMALFORMED, BASE,
		    "expected name to be a string, found null", "devices[0]");
	/* Legacy: size and fields required. */
	expect_fail(DEV_HEAD "\"fields\":[]}]}", VMC_EMALFORMED, BASE,
		    "expected size to be an integer, found no such key", "devices[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[{}]}]}",
		    VMC_EMALFORMED, BASE, "expected name to be a string, found no such key",
		    "devices[0]/fields[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[{\"name\":\"a\","
			     "\"type\":\"uint8\",\"size\":true}]}]}",
		    VMC_EMALFORMED, BASE, "expected size to be an integer, found a boolean",
		    "devices[0]/fields[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[{\"name\":\"a\","
			     "\"type\":\"uint8\",\"size\":1,\"array_len\":2,\"index\":0}]}]}",
		    VMC_EMALFORMED, BASE, "expected array_len or index, found both",
		    "devices[0]/fields[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[{\"name\":\"a\","
			     "\"type\":\"struct\",\"struct\":{},\"size\":2}]}]}",
		    VMC_EMALFORMED, BASE, "expected size 1 for an empty struct",
		    "devices[0]/fields[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[{\"name\":\"a\","
			     "\"type\":\"struct\",\"struct\":{\"vmsd_name\":\"s\",\"version\":1,"
			     "\"fields\":[{\"name\":\"b\",\"type\":7,\"size\":1}]},\"size\":1}]}]}",
		    VMC_EMALFORMED, BASE, "expected type to be a string, found an integer",
		    "devices[0]/fields[0]/struct/fields[0]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[],\"subsections\":"
			     "[{\"vmsd_name\":\"v/s\",\"version\":1,\"fields\":[]},7]}]}",
		    VMC_EMALFORMED, BASE, "expected subsection to be an object, found an integer",
		    "devices[0]/subsections[1]");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[],\"subsections\":"
			     "[{\"vmsd_name\":\"v/s\",\"version\":1}]}]}",
		    VMC_EMALFORMED, BASE, "expected fields to be an array, found no such key",
		    "devices[0]/subsections[0]");
	expect_fail("{\"configuration\":{\"vmsd_name\":1},\"devices\":[]}", VMC_EMALFORMED, BASE,
		    "expected vmsd_name to be a string, found an integer", "configuration");
	expect_fail(DEV_HEAD "\"vmsd_name\":\"v\\u0000w\",\"version\":1,\"fields\":[]}]}",
		    VMC_EMALFORMED, BASE, "expected vmsd_name to be a string without NUL",
		    "devices[0]");
}

/* ---- OOM injection ---------------------------------------------------- */


static void test_vmdesc__oom(void **state)
{
	size_t len, jlen, joff;
	uint8_t *data = vmc_test_load_raw("qemu-7.2/i440fx-generic.mig", &len);
	long n;
	int ok = 0;

	(void)state;
	joff = find_vmdesc(data, len, &jlen);
	for (n = 0; n < 1000 && !ok; n++) {
		vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
		vmc_test_alloc f = {-1, 1, 0, 0};
		vmc_ctx *ctx;
		vmc__vmdesc *d = NULL;
		int rc;

		o.allocator = vmc_test_allocator(&f);
		assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
		f.count = 0;
		f.fail_at = n;
		rc = vmc__vmdesc_parse(&d, ctx, data + joff, jlen, joff);
		if (rc == VMC_OK) {
			ok = 1;
			vmc__vmdesc_free(d);
		} else {
			assert_int_equal(rc, VMC_ENOMEM);
			assert_null(d);
			assert_int_equal(vmc_error_last(ctx)->code, VMC_ENOMEM);
		}
		f.fail_at = -1;
		vmc_ctx_free(ctx);
		assert_int_equal(f.live, 0);
	}
	assert_true(ok);
	assert_true(n > 1);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmdesc__qemu72_i440fx),
		cmocka_unit_test(test_vmdesc__all_fixtures),
		cmocka_unit_test(test_vmdesc__shapes),
		cmocka_unit_test(test_vmdesc__syntax_errors),
		cmocka_unit_test(test_vmdesc__nul_byte),
		cmocka_unit_test(test_vmdesc__depth_limit),
		cmocka_unit_test(test_vmdesc__size_limit),
		cmocka_unit_test(test_vmdesc__shape_errors),
		cmocka_unit_test(test_vmdesc__oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
