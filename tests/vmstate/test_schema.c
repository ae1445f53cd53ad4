/*
 * test_schema.c - vmstate/schema.c (loader), vmstate/expr.c (expressions)
 * and vmstate/schema_decode.c (engine) on small hand-written schemas and
 * blobs.  Real streams are in test_schema_fixtures.c.
 *
 * Every loader error asserts code VMC_ESCHEMA and the "FILE:LINE" path;
 * every engine error asserts the code, the stream offset and the model
 * path.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "vmstate/schema.h"
#include "vmstate/schema_decode.h"

static int load_text(vmc_ctx *ctx, vmc__schema_set **out, const char *text)
{
	vmc__schema_file f = {"t.yaml", (const uint8_t *)text, strlen(text)};

	return vmc__schema_load(out, ctx, &f, 1);
}

/* Load text; expect ESCHEMA at t.yaml:line with msg in the message. */
static void expect_schema_error(const char *text, unsigned line, const char *msg)
{
	vmc_ctx *ctx;
	vmc__schema_set *set = NULL;
	char path[64];

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(load_text(ctx, &set, text), VMC_ESCHEMA);
	assert_null(set);
	snprintf(path, sizeof(path), "t.yaml:%u", line);
	if (strcmp(vmc_error_last(ctx)->path, path) != 0 ||
	    !strstr(vmc_error_last(ctx)->message, msg))
		fail_msg("got path '%s' message '%s'; want '%s' / '%s'", vmc_error_last(ctx)->path,
			 vmc_error_last(ctx)->message, path, msg);
	vmc_ctx_free(ctx);
}

#define HEAD "source: test\nvmsds:\n"

static void test_schema__unknown_key(void **state)
{
	(void)state;
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    colour: red\n",
			    6, "found 'colour'");
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u8, widht: 3}\n",
			    7, "found 'widht'");
	expect_schema_error("source: x\nvmsd: []\n", 2, "found 'vmsd'");
}

static void test_schema__bad_types(void **state)
{
	(void)state;
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u24}\n",
			    7, "found 'u24'");
	/* size on an integer */
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u8, size: 3}\n",
			    7, "expected no 'size'");
	/* buffer without size */
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: buffer}\n",
			    7, "expected 'size'");
	/* reference to nothing */
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: struct, vmsd: nope}\n",
			    7, "found 'nope'");
	/* subsection whose name does not extend the parent's */
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n"
				 "    subsections: [b/c]\n"
				 "  - name: b/c\n    version: 1\n    source: x\n",
			    6, "starting with 'a'");
	/* missing source */
	expect_schema_error(HEAD "  - name: a\n    version: 1\n", 3, "key 'source'");
	/* duplicate vmsd */
	expect_schema_error(HEAD "  - {name: a, version: 1, source: x}\n"
				 "  - {name: a, version: 1, source: x}\n",
			    4, "found 'a' again");
	/* minimum above version */
	expect_schema_error(HEAD "  - {name: a, version: 1, minimum_version: 2, source: x}\n", 3,
			    "minimum_version <= version");
	/* bad custom handler */
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: custom, custom: frob}\n",
			    7, "found 'frob'");
}

static void test_schema__bad_expressions(void **state)
{
	(void)state;
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u8, exists_if: 'a +'}\n",
			    7, "expression 'a +'");
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u8, count: 'frob(x)'}\n",
			    7, "a builtin");
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u8, count: '(1 + 2'}\n",
			    7, "')'");
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u8, count: '1 2'}\n",
			    7, "an operator");
	expect_schema_error(HEAD "  - name: a\n    version: 1\n    source: x\n    fields:\n"
				 "      - {name: f, type: u8, count: '99999999999999999999999'}\n",
			    7, "below 2^64");
}

static void test_schema__embedded_loads(void **state)
{
	vmc_ctx *ctx;
	vmc__schema_set *set;
	static const char *const cases[] = {"virtio-net",    "virtio-blk", "virtio-console",
					    "virtio-balloon", "virtio-scsi", "virtio-rng",
					    "virtio-9p"};
	const vmc__svmsd *root;
	size_t i;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__schema_load_embedded(&set, ctx), VMC_OK);
	root = vmc__schema_root(set, "virtio");
	assert_non_null(root);
	assert_string_equal(root->name, "virtio_save");
	for (i = 0; i < root->nfields; i++)
		if (root->fields[i].type == VMC__ST_SWITCH) {
			size_t k;
			for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
				int found;
				vmc__schema_case(root->fields[i].sw, cases[k], &found);
				assert_true(found);
			}
		}
	assert_non_null(vmc__schema_vmsd(set, "virtio/64bit_features"));
	assert_non_null(vmc__schema_vmsd(set, "virtio_pci/modern_state/features128"));
	assert_null(vmc__schema_root(set, "pci config"));
	vmc__schema_free(set);
	vmc__schema_free(NULL);
	vmc_ctx_free(ctx);
}

/* ---- engine on synthetic blobs ---------------------------------------- */

static const char engine_schema[] =
	"source: test\n"
	"roots:\n"
	"  - {type: blob, vmsd: top, source: test}\n"
	"switches:\n"
	"  - name: dev\n"
	"    source: test\n"
	"    cases: {known: devpart, empty: none}\n"
	"vmsds:\n"
	"  - name: top\n"
	"    version: 3\n"
	"    source: test\n"
	"    fields:\n"
	"      - {name: n, type: u16}\n"
	"      - {name: old, type: u8, until: 2}\n"
	"      - {name: new, type: u8, since: 3}\n"
	"      - {name: le, type: u32le}\n"
	"      - {name: s, type: i8}\n"
	"      - {name: opt, type: u8, exists_if: 'n == 7'}\n"
	"      - {name: q, type: u8, count: 'n & 3', limit: queues}\n"
	"      - {name: buf, type: buffer, size: 'q[0] + 1'}\n"
	"      - name: l\n"
	"        type: list\n"
	"        marker: {type: i8, more: 1, end: 0}\n"
	"        max: 3\n"
	"        fields:\n"
	"          - {name: v, type: u8}\n"
	"          - {name: w, type: u8, exists_if: 'v > 0x10'}\n"
	"      - {name: d, type: switch, switch: dev}\n"
	"      - {name: tail, type: struct, vmsd: core, flatten: true}\n"
	"  - name: devpart\n"
	"    version: 1\n"
	"    source: test\n"
	"    fields:\n"
	"      - {name: x, type: u8, equal: true}\n"
	"    verify:\n"
	"      - {expr: 'x != 0xee', message: 'x is 0xee'}\n"
	"  - name: core\n"
	"    version: 1\n"
	"    source: test\n"
	"    subsections: [core/a, core/b]\n"
	"  - name: core/a\n"
	"    version: 2\n"
	"    minimum_version: 1\n"
	"    source: test\n"
	"    fields:\n"
	"      - {name: a, type: u8}\n"
	"  - name: core/b\n"
	"    version: 1\n"
	"    source: test\n"
	"    fields:\n"
	"      - {name: b, type: bool}\n";

/* n=7 (q has 3), new, le, s, opt, q[3], buf (q[0]+1 = 2 bytes), list of 2,
 * device x, subsections core/b then core/a (any order). */
static const uint8_t good_blob[] = {
	0x00, 0x07,             /* n = 7                      0  */
	0x09,                   /* new                        2  */
	0x04, 0x03, 0x02, 0x01, /* le = 0x01020304            3  */
	0xfe,                   /* s = -2                     7  */
	0x42,                   /* opt                        8  */
	0x01, 0x02, 0x03,       /* q                          9  */
	0xaa, 0xbb,             /* buf                        12 */
	0x01, 0x05,             /* l[0].v = 5                 14 */
	0x01, 0x20, 0x21,       /* l[1].v = 0x20, w           16 */
	0x00,                   /* end                        19 */
	0x33,                   /* d.x                        20 */
	0x05, 6, 'c', 'o', 'r', 'e', '/', 'b', 0, 0, 0, 1, 0x01,  /* 21 */
	0x05, 6, 'c', 'o', 'r', 'e', '/', 'a', 0, 0, 0, 2, 0x44,  /* 34 */
};

typedef struct engine_run {
	vmc_ctx *ctx;
	vmc__schema_set *set;
	vmc__arena arena;
	vmc_field node;
	uint32_t budget;
} engine_run;

static int run_engine(engine_run *r, const uint8_t *data, size_t len, const char *section,
		      uint32_t max_queues)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;

	o.limits.max_queues = max_queues;
	memset(r, 0, sizeof(*r));
	assert_int_equal(vmc_ctx_new(&r->ctx, &o), VMC_OK);
	assert_int_equal(load_text(r->ctx, &r->set, engine_schema), VMC_OK);
	vmc__arena_init(&r->arena, r->ctx);
	r->budget = 1000;
	r->node.name = "blob";
	r->node.type = "blob";
	return vmc__schema_decode(&r->node, &r->arena, r->set, vmc__schema_root(r->set, "blob"),
				  data, len, 1000, section, "sec/blob", &r->budget);
}

static void end_engine(engine_run *r)
{
	vmc__arena_free(&r->arena);
	vmc__schema_free(r->set);
	vmc_ctx_free(r->ctx);
}

static void expect_engine_error(const uint8_t *data, size_t len, const char *section,
				int code, uint64_t offset, const char *path, const char *msg)
{
	engine_run r;
	const vmc_error *e;

	assert_int_equal(run_engine(&r, data, len, section, 0), code);
	e = vmc_error_last(r.ctx);
	if (e->offset != offset || strcmp(e->path, path) != 0 || !strstr(e->message, msg))
		fail_msg("got offset %llu path '%s' message '%s'; want %llu '%s' '%s'",
			 (unsigned long long)e->offset, e->path, e->message,
			 (unsigned long long)offset, path, msg);
	end_engine(&r);
}

static void test_schema__engine_decodes(void **state)
{
	engine_run r;
	const vmc_field *n = &r.node, *f;

	(void)state;
	assert_int_equal(run_engine(&r, good_blob, sizeof(good_blob), "known", 0), VMC_OK);
	assert_int_equal(vmc_field_kind(n), VMC_FIELD_STRUCT);
	assert_string_equal(vmc_field_type(n), "blob");
	assert_int_equal(vmc_field_size(n), sizeof(good_blob));
	assert_null(vmc_field_find(n, "old"));
	assert_int_equal(vmc_field_uint(vmc_field_find(n, "new")), 9);
	assert_int_equal(vmc_field_uint(vmc_field_find(n, "le")), 0x01020304);
	assert_string_equal(vmc_field_type(vmc_field_find(n, "le")), "uint32 le");
	assert_int_equal(vmc_field_int(vmc_field_find(n, "s")), -2);
	assert_int_equal(vmc_field_uint(vmc_field_find(n, "opt")), 0x42);
	f = vmc_field_find(n, "q");
	assert_int_equal(vmc_field_child_count(f), 3);
	assert_int_equal(vmc_field_uint(vmc_field_child(f, 2)), 3);
	assert_int_equal(vmc_field_offset(vmc_field_child(f, 2)), 1000 + 11);
	assert_int_equal(vmc_field_size(vmc_field_find(n, "buf")), 2);
	f = vmc_field_find(n, "l");
	assert_int_equal(vmc_field_kind(f), VMC_FIELD_ARRAY);
	assert_int_equal(vmc_field_child_count(f), 2);
	assert_null(vmc_field_find(vmc_field_child(f, 0), "w"));
	assert_int_equal(vmc_field_uint(vmc_field_find(vmc_field_child(f, 1), "w")), 0x21);
	f = vmc_field_find(n, "d");
	assert_string_equal(vmc_field_type(f), "devpart");
	assert_string_equal(vmc_field_type(vmc_field_find(f, "x")), "uint8 equal");
	/* flattened core: its subsections are children of the root, in stream
	 * order, with the stream's version */
	f = vmc_field_find(n, "core/a");
	assert_int_equal(vmc_field_kind(f), VMC_FIELD_SUBSECTION);
	assert_int_equal(vmc_field_version(f), 2);
	assert_int_equal(vmc_field_uint(vmc_field_find(f, "a")), 0x44);
	assert_int_equal(vmc_field_uint(vmc_field_find(vmc_field_find(n, "core/b"), "b")), 1);
	assert_ptr_equal(vmc_field_child(n, vmc_field_child_count(n) - 1), f);
	end_engine(&r);
}

static void test_schema__engine_fallback_undecoded(void **state)
{
	engine_run r;
	const vmc_field *f;

	(void)state;
	/* Unknown device part: the rest is one UNDECODED node, no error. */
	assert_int_equal(run_engine(&r, good_blob, sizeof(good_blob), "mystery", 0), VMC_OK);
	f = vmc_field_find(&r.node, "d");
	assert_int_equal(vmc_field_kind(f), VMC_FIELD_UNDECODED);
	assert_int_equal(vmc_field_offset(f), 1000 + 20);
	assert_int_equal(vmc_field_size(f), sizeof(good_blob) - 20);
	assert_null(vmc_field_find(&r.node, "core/a"));
	end_engine(&r);
	/* "none": an empty device part, the rest decodes (x byte is extra) */
	expect_engine_error(good_blob, sizeof(good_blob), "empty", VMC_EMALFORMED, 1000 + 20,
			    "sec/blob", "end after 20 bytes");
}

static void test_schema__engine_errors(void **state)
{
	uint8_t b[sizeof(good_blob)];

	(void)state;
	/* truncated inside the list */
	expect_engine_error(good_blob, 17, "known", VMC_EMALFORMED, 1000 + 17, "sec/blob/l[1].v",
			    "expected 1 bytes of 'v'");
	expect_engine_error(good_blob, 18, "known", VMC_EMALFORMED, 1000 + 18, "sec/blob/l[1].w",
			    "expected 1 bytes of 'w'");
	/* a subsection name that is not known but extends the parent's */
	memcpy(b, good_blob, sizeof(b));
	b[21 + 7] = 'z';
	expect_engine_error(b, sizeof(b), "known", VMC_EMALFORMED, 1000 + 21, "sec/blob/core/z",
			    "unknown 'core/z'");
	/* a subsection of another parent: the list ends, the blob does not */
	memcpy(b, good_blob, sizeof(b));
	b[21 + 2] = 'k';
	expect_engine_error(b, sizeof(b), "known", VMC_EMALFORMED, 1000 + 21, "sec/blob",
			    "found 26 bytes more");
	/* version out of range */
	memcpy(b, good_blob, sizeof(b));
	b[34 + 11] = 3;
	expect_engine_error(b, sizeof(b), "known", VMC_EMALFORMED, 1000 + 34 + 8,
			    "sec/blob/core/a", "version 1..2");
	/* the same subsection twice */
	memcpy(b, good_blob, sizeof(b));
	b[34 + 7] = 'b';
	b[34 + 11] = 1;
	expect_engine_error(b, sizeof(b), "known", VMC_EMALFORMED, 1000 + 34, "sec/blob/core/b",
			    "once");
	/* a bad list marker */
	memcpy(b, good_blob, sizeof(b));
	b[16] = 7;
	expect_engine_error(b, sizeof(b), "known", VMC_EMALFORMED, 1000 + 16, "sec/blob/l",
			    "found 7");
	/* a verify entry that fails */
	memcpy(b, good_blob, sizeof(b));
	b[20] = 0xee;
	expect_engine_error(b, sizeof(b), "known", VMC_EUNSUPPORTED, 1000 + 21, "sec/blob/d",
			    "x is 0xee");
	/* a buffer longer than the blob */
	memcpy(b, good_blob, sizeof(b));
	b[9] = 0xff;
	expect_engine_error(b, sizeof(b), "known", VMC_EMALFORMED, 1000 + 12, "sec/blob/buf",
			    "expected 256 bytes of 'buf'");
}

static void test_schema__engine_queue_limit(void **state)
{
	engine_run r;

	(void)state;
	assert_int_equal(run_engine(&r, good_blob, sizeof(good_blob), "known", 2), VMC_ELIMIT);
	assert_int_equal(vmc_error_last(r.ctx)->offset, 1000 + 9);
	assert_string_equal(vmc_error_last(r.ctx)->path, "sec/blob/q");
	assert_non_null(strstr(vmc_error_last(r.ctx)->message, "max_queues"));
	end_engine(&r);
}

static void test_schema__engine_field_budget(void **state)
{
	engine_run r;
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(vmc_ctx_new(&r.ctx, &o), VMC_OK);
	assert_int_equal(load_text(r.ctx, &r.set, engine_schema), VMC_OK);
	vmc__arena_init(&r.arena, r.ctx);
	r.budget = 5;
	assert_int_equal(vmc__schema_decode(&r.node, &r.arena, r.set,
					    vmc__schema_root(r.set, "blob"), good_blob,
					    sizeof(good_blob), 0, "known", "p", &r.budget),
			 VMC_ELIMIT);
	end_engine(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema__unknown_key),
		cmocka_unit_test(test_schema__bad_types),
		cmocka_unit_test(test_schema__bad_expressions),
		cmocka_unit_test(test_schema__embedded_loads),
		cmocka_unit_test(test_schema__engine_decodes),
		cmocka_unit_test(test_schema__engine_fallback_undecoded),
		cmocka_unit_test(test_schema__engine_errors),
		cmocka_unit_test(test_schema__engine_queue_limit),
		cmocka_unit_test(test_schema__engine_field_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
