/*
 * test_vmdesc_decode.c - vmstate/vmdesc_decode.c: FULL section bodies split
 * into field trees by their vmdesc description.
 *
 * Real input: every fixture in fixtures/qemu-7.2 (QEMU 7.2.22; command lines
 * in the sidecar .json files).  A test-local scanner finds the vmdesc
 * trailer and walks the FULL device sections, which QEMU writes back to back
 * in vmdesc "devices" order (savevm.c
 * qemu_savevm_state_complete_precopy_non_iterable):
 *
 *   OFFSET  SIZE  FIELD
 *   0       1     0x04 QEMU_VM_SECTION_FULL
 *   1       4     be32 section_id
 *   5       1     n = idstr length
 *   6       n     idstr
 *   6+n     4     be32 instance_id
 *   10+n    4     be32 version_id
 *   14+n    ...   body                        <- decoded here
 *   end     5     0x7e QEMU_VM_SECTION_FOOTER, be32 section_id
 *
 * so a decode that consumes exactly the body lands on the footer.
 *
 * Values asserted on real streams are ones fixed independently of vmcompat:
 * x86 reset state (Intel SDM vol. 3 §9.1.1: EIP 0xfff0, CS base 0xffff0000,
 * CR0 0x60000010; local APIC base 0xfee00000 + enable + BSP, LVT masked,
 * spurious vector 0xff), PCI IDs from the sidecar's query-pci, the run
 * state from the sidecar's query-status ("prelaunch"), and the zeros
 * put_unused_buffer writes.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "parsers/vmdesc.h"
#include "vmstate/vmdesc_decode.h"

static const char *const fixture_names[] = {
	"i440fx-disable-legacy", "i440fx-disable-modern", "i440fx-generic",
	"i440fx-non-transitional", "i440fx-transitional", "q35-disable-legacy",
	"q35-generic", "q35-legacy-only", "q35-non-transitional", "q35-transitional"};

/* ---- test-local stream scanner ---------------------------------------- */


static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Offset of the 0x06 tag of the vmdesc trailer. */
static size_t find_vmdesc(const uint8_t *d, size_t len)
{
	size_t off;

	for (off = len - 5; off > 0; off--)
		if (d[off] == 0x06 && d[off - 1] == 0x00 && be32(d + off + 1) == len - off - 5)
			return off;
	fail_msg("no vmdesc trailer");
	return 0;
}

/* A parsed stream: its bytes, its vmdesc, the first FULL section. */
typedef struct stream {
	uint8_t *data;
	size_t len;
	size_t vmdesc_tag; /* offset of 0x06                         */
	size_t first_full; /* offset of the first device section    */
	vmc_ctx *ctx;
	vmc__vmdesc *desc;
} stream;

static void stream_open(stream *s, const char *name)
{
	char rel[256];
	const vmc__vmdesc_device *dev0;
	size_t n, i;
	uint8_t pat[300];

	memset(s, 0, sizeof(*s));
	snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig", name);
	s->data = vmc_test_load_raw(rel, &s->len);
	s->vmdesc_tag = find_vmdesc(s->data, s->len);
	assert_int_equal(vmc_ctx_new(&s->ctx, NULL), VMC_OK);
	assert_int_equal(vmc__vmdesc_parse(&s->desc, s->ctx, s->data + s->vmdesc_tag + 5,
					   s->len - s->vmdesc_tag - 5, s->vmdesc_tag + 5),
			 VMC_OK);
	/* The first device section: 0x04, id, counted idstr, instance. */
	dev0 = vmc__vmdesc_device_at(s->desc, 0);
	n = strlen(dev0->name);
	pat[0] = (uint8_t)n;
	memcpy(pat + 1, dev0->name, n);
	put_be32(pat + 1 + n, dev0->instance_id);
	for (i = 5; i + n + 5 <= s->len; i++)
		if (s->data[i - 5] == 0x04 && memcmp(s->data + i, pat, n + 5) == 0)
			break;
	assert_true(i + n + 5 <= s->len);
	s->first_full = i - 5;
}

static void stream_close(stream *s)
{
	vmc__vmdesc_free(s->desc);
	vmc_ctx_free(s->ctx);
	free(s->data);
}

/* Header at off: fills idstr, instance, section_id; returns body offset. */
static size_t full_header(const stream *s, size_t off, char *idstr, uint32_t *instance,
			  uint32_t *section_id)
{
	const uint8_t *p = s->data + off;

	assert_int_equal(p[0], 0x04);
	*section_id = be32(p + 1);
	memcpy(idstr, p + 6, p[5]);
	idstr[p[5]] = '\0';
	*instance = be32(p + 6 + p[5]);
	return off + 14 + p[5];
}

/* Decode the section of this idstr/instance; returns its body offset. */
static size_t decode_section(stream *s, vmc__arena *arena, const char *idstr, uint32_t instance,
			     vmc_field **root, size_t *consumed)
{
	size_t off = s->first_full;
	uint32_t budget = s->ctx->limits.max_fields;

	while (s->data[off] == 0x04) {
		char name[256];
		uint32_t inst, id;
		size_t body = full_header(s, off, name, &inst, &id);
		const vmc__vmdesc_device *dev = vmc__vmdesc_find(s->desc, name, inst);

		assert_non_null(dev);
		assert_int_equal(vmc__vmdesc_decode(root, consumed, arena, dev, s->data + body,
						    s->vmdesc_tag - body, body, name, &budget),
				 VMC_OK);
		if (strcmp(name, idstr) == 0 && inst == instance)
			return body;
		off = body + *consumed + 5;
	}
	fail_msg("no section %s", idstr);
	return 0;
}

static const vmc_field *child(const vmc_field *f, const char *name)
{
	const vmc_field *c = vmc_field_find(f, name);

	if (!c)
		fail_msg("no child '%s' in '%s'", name, vmc_field_name(f));
	return c;
}

/* ---- every section of every fixture ----------------------------------- */

/* Nodes in a tree, checking that children tile their parent exactly. */
static size_t check_tree(const vmc_field *f)
{
	size_t i, n = 1;
	uint64_t at = f->offset;

	if (f->kind == VMC_FIELD_SUBSECTION) {
		/* 0x05, counted name, be32 version precede the body. */
		at += 6 + strlen(f->name);
	}
	for (i = 0; i < f->nchildren; i++) {
		assert_int_equal(f->children[i].offset, at);
		at += f->children[i].size;
		n += check_tree(&f->children[i]);
	}
	if (f->nchildren)
		assert_int_equal(at, f->offset + f->size);
	assert_non_null(f->name);
	assert_non_null(f->type);
	return n;
}

static void test_vmdesc_decode__every_section(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(fixture_names) / sizeof(fixture_names[0]); k++) {
		stream s;
		vmc__arena arena;
		size_t off, i = 0, nodes = 0, virtio = 0;
		uint32_t budget;

		stream_open(&s, fixture_names[k]);
		vmc__arena_init(&arena, s.ctx);
		budget = s.ctx->limits.max_fields;
		off = s.first_full;
		for (i = 0; i < vmc__vmdesc_device_count(s.desc); i++) {
			const vmc__vmdesc_device *dev = vmc__vmdesc_device_at(s.desc, i);
			char name[256];
			uint32_t inst, id;
			size_t body = full_header(&s, off, name, &inst, &id), consumed = 0;
			vmc_field *root = NULL;

			/* Sections come in vmdesc order. */
			assert_string_equal(name, dev->name);
			assert_int_equal(inst, dev->instance_id);
			assert_int_equal(vmc__vmdesc_decode(&root, &consumed, &arena, dev,
							    s.data + body, s.vmdesc_tag - body,
							    body, name, &budget),
					 VMC_OK);
			/* The body ends exactly at this section's footer. */
			if (s.data[body + consumed] != 0x7e ||
			    be32(s.data + body + consumed + 1) != id)
				fail_msg("%s: %s: decode ended at %zu, not on its footer",
					 fixture_names[k], name, body + consumed);
			assert_int_equal(root->offset, body);
			assert_int_equal(root->size, consumed);
			assert_int_equal(root->kind, VMC_FIELD_STRUCT);
			assert_string_equal(root->name, dev->vmsd_name ? dev->vmsd_name : dev->name);
			assert_int_equal(root->version, dev->version);
			/* virtio devices: one opaque "virtio" field (virtio_save passes
			 * no vmdesc writer), of exactly the described size. */
			if (root->nchildren == 1 && strcmp(root->children[0].type, "virtio") == 0) {
				assert_int_equal(root->children[0].kind, VMC_FIELD_BYTES);
				assert_int_equal(root->children[0].size, dev->vmsd->fields[0].size);
				assert_int_equal(root->children[0].size, consumed);
				virtio++;
			}
			nodes += check_tree(root);
			off = body + consumed + 5;
		}
		/* After the last device section: EOF, then the vmdesc. */
		assert_int_equal(off + 1, s.vmdesc_tag);
		assert_int_equal(s.data[off], 0x00);
		assert_int_equal(budget, s.ctx->limits.max_fields - nodes);
		assert_true(virtio >= 1);
		vmc__arena_free(&arena);
		stream_close(&s);
	}
}

/* ---- known values ----------------------------------------------------- */

static void test_vmdesc_decode__known_values(void **state)
{
	stream s;
	vmc__arena arena;
	vmc_field *root;
	const vmc_field *f, *g;
	const uint8_t *b;
	size_t consumed, body, len, i;

	(void)state;
	stream_open(&s, "i440fx-generic");
	vmc__arena_init(&arena, s.ctx);

	/* cpu: x86 reset state, the guest never ran (-S). */
	decode_section(&s, &arena, "cpu", 0, &root, &consumed);
	assert_string_equal(root->name, "cpu");
	assert_int_equal(root->version, 12);
	f = child(root, "env.eip");
	assert_int_equal(f->kind, VMC_FIELD_UINT);
	assert_string_equal(f->type, "uint64");
	assert_int_equal(f->size, 8);
	assert_int_equal(f->u, 0xfff0);
	assert_int_equal(child(root, "env.cr[0]")->u, 0x60000010);
	f = child(root, "env.regs");
	assert_int_equal(f->kind, VMC_FIELD_ARRAY);
	assert_int_equal(f->nchildren, 16);
	assert_int_equal(f->size, 128);
	assert_string_equal(f->children[15].name, "env.regs");
	assert_int_equal(f->children[15].offset, f->offset + 120);
	f = child(root, "env.segs"); /* ES, CS, SS, DS, FS, GS */
	assert_int_equal(f->nchildren, 6);
	g = &f->children[1];
	assert_int_equal(g->kind, VMC_FIELD_STRUCT);
	assert_string_equal(g->type, "struct");
	assert_int_equal(g->version, 1);
	assert_int_equal(child(g, "selector")->u, 0xf000);
	assert_int_equal(child(g, "base")->u, 0xffff0000);
	/* a20_mask: int32 -1, all address lines. */
	f = child(root, "env.a20_mask");
	assert_int_equal(f->kind, VMC_FIELD_INT);
	assert_int_equal(f->i, -1);
	/* tmp inside a compressed struct array: a STRUCT named "tmp". */
	f = child(root, "env.fpregs");
	assert_int_equal(f->nchildren, 8);
	g = child(&f->children[7], "tmp");
	assert_int_equal(g->kind, VMC_FIELD_STRUCT);
	assert_string_equal(g->type, "tmp");
	assert_int_equal(g->size, 10);
	assert_int_equal(child(g, "tmp_exp")->size, 2);
	f = child(root, "cpu/poll_control_msr");
	assert_int_equal(f->kind, VMC_FIELD_SUBSECTION);
	assert_int_equal(f->version, 1);
	assert_int_equal(s.data[f->offset], 0x05);

	/* apic: base 0xfee00000 | enable (0x800) | BSP (0x100). */
	decode_section(&s, &arena, "apic", 0, &root, &consumed);
	assert_int_equal(child(root, "apicbase")->u, 0xfee00900);
	assert_int_equal(child(root, "id")->u, 0);
	assert_int_equal(child(root, "spurious_vec")->u, 0xff);
	f = child(root, "lvt");
	assert_int_equal(f->nchildren, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(f->children[i].u, 0x10000); /* masked */
	assert_int_equal(child(root, "count_shift")->kind, VMC_FIELD_INT);

	/* I440FX: PCIDevice config bytes carry the IDs query-pci reports
	 * (vendor 0x8086, device 0x1237), little-endian. */
	decode_section(&s, &arena, "0000:00:00.0/I440FX", 0, &root, &consumed);
	f = child(root, "parent_obj");
	assert_string_equal(f->type, "struct");
	assert_int_equal(f->size, 276);
	g = child(f, "version_id");
	assert_string_equal(g->type, "int32 le");
	assert_int_equal(g->i, 2);
	g = child(f, "config[0]");
	assert_int_equal(g->kind, VMC_FIELD_BYTES);
	assert_string_equal(g->type, "pci config");
	b = vmc_field_bytes(g, &len);
	assert_int_equal(len, 256);
	assert_memory_equal(b, "\x86\x80\x37\x12", 4);
	assert_string_equal(child(f, "irq_state")->type, "pci irq state");
	assert_int_equal(child(root, "unused")->kind, VMC_FIELD_BYTES);

	/* virtio-rng: one opaque "virtio" field of the described size; its blob
	 * starts with PCIDevice (int32 le 2, then config: 1af4:1005). */
	body = decode_section(&s, &arena, "0000:00:09.0/virtio-rng", 0, &root, &consumed);
	assert_string_equal(root->name, "virtio-rng");
	assert_int_equal(root->version, 1);
	assert_int_equal(root->nchildren, 1);
	f = child(root, "virtio");
	assert_int_equal(f->kind, VMC_FIELD_BYTES);
	assert_string_equal(f->type, "virtio");
	assert_int_equal(f->size, 45526);
	assert_int_equal(f->offset, body);
	assert_int_equal(consumed, 45526);
	b = vmc_field_bytes(f, &len);
	assert_memory_equal(b, "\x00\x00\x00\x02\xf4\x1a\x05\x10", 8);

	/* globalstate: the run state string (sidecar: "prelaunch"). */
	decode_section(&s, &arena, "globalstate", 0, &root, &consumed);
	assert_int_equal(child(root, "size")->u, 10);
	b = vmc_field_bytes(child(root, "runstate"), &len);
	assert_int_equal(len, 100);
	assert_string_equal((const char *)b, "prelaunch");

	/* timer: unused_buffer is written as zeros. */
	decode_section(&s, &arena, "timer", 0, &root, &consumed);
	b = vmc_field_bytes(child(root, "unused"), &len);
	assert_int_equal(len, 8);
	assert_memory_equal(b, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(child(root, "cpu_ticks_offset")->kind, VMC_FIELD_INT);

	/* mc146818rtc: "timer" fields are signed be64. */
	decode_section(&s, &arena, "mc146818rtc", 0, &root, &consumed);
	f = child(root, "periodic_timer");
	assert_int_equal(f->kind, VMC_FIELD_INT);
	assert_string_equal(f->type, "timer");
	assert_int_equal(f->size, 8);

	/* slirp: legacy save_state, one "data" buffer. */
	decode_section(&s, &arena, "slirp", 0, &root, &consumed);
	assert_string_equal(root->name, "slirp");
	assert_int_equal(root->version, 0);
	assert_int_equal(consumed, 131);
	f = child(root, "data");
	assert_int_equal(f->kind, VMC_FIELD_BYTES);
	assert_int_equal(f->size, 131);

	/* fdc: "index" entries grouped into one ARRAY; each element a STRUCT
	 * ending in its subsection. */
	decode_section(&s, &arena, "fdc", 0, &root, &consumed);
	f = child(child(root, "state"), "drives");
	assert_int_equal(f->kind, VMC_FIELD_ARRAY);
	assert_int_equal(f->nchildren, 2);
	for (i = 0; i < 2; i++) {
		g = &f->children[i];
		assert_int_equal(g->kind, VMC_FIELD_STRUCT);
		assert_int_equal(g->size, 27);
		g = child(g, "fdrive/media_rate");
		assert_int_equal(g->kind, VMC_FIELD_SUBSECTION);
		assert_int_equal(g->nchildren, 1);
		assert_string_equal(g->children[0].name, "media_rate");
	}

	/* fw_cfg: subsections in order, version 0 included. */
	decode_section(&s, &arena, "fw_cfg", 0, &root, &consumed);
	assert_int_equal(root->nchildren, 4);
	assert_string_equal(root->children[1].name, "cur_offset[1]");
	f = &root->children[2];
	assert_string_equal(f->name, "fw_cfg/dma");
	assert_int_equal(f->version, 0);
	assert_int_equal(f->size, 1 + 1 + 10 + 4 + 8);
	assert_string_equal(root->children[3].name, "fw_cfg/acpi_mr");

	vmc__arena_free(&arena);
	stream_close(&s);
}

/* ---- malformed real stream -------------------------------------------- */

/*
 * i440fx-generic with one byte edited: the last byte of the subsection name
 * "fw_cfg/dma" in the fw_cfg section becomes 'X'.  QEMU's loader would stop
 * quietly and fail at the footer; with the description we fail at the
 * marker, naming both names.
 */
static void test_vmdesc_decode__renamed_subsection(void **state)
{
	stream s;
	vmc__arena arena;
	vmc_field *root;
	const vmc_field *sub;
	size_t consumed, body, marker;
	const vmc__vmdesc_device *dev;
	uint32_t budget;
	const vmc_error *e;

	(void)state;
	stream_open(&s, "i440fx-generic");
	vmc__arena_init(&arena, s.ctx);
	body = decode_section(&s, &arena, "fw_cfg", 0, &root, &consumed);
	sub = child(root, "fw_cfg/dma");
	marker = (size_t)sub->offset;
	assert_int_equal(s.data[marker + 1], 10);
	assert_int_equal(s.data[marker + 11], 'a');
	s.data[marker + 11] = 'X';

	dev = vmc__vmdesc_find(s.desc, "fw_cfg", 0);
	budget = s.ctx->limits.max_fields;
	assert_int_equal(vmc__vmdesc_decode(&root, &consumed, &arena, dev, s.data + body,
					    s.vmdesc_tag - body, body, "fw_cfg", &budget),
			 VMC_EMALFORMED);
	e = vmc_error_last(s.ctx);
	assert_int_equal(e->offset, marker);
	assert_string_equal(e->message, "expected subsection 'fw_cfg/dma', found 'fw_cfg/dmX'");
	assert_string_equal(e->path, "fw_cfg/fw_cfg/dma");
	vmc__arena_free(&arena);
	stream_close(&s);
}

/* ---- synthetic descriptions ------------------------------------------- */

#define BASE 5000u

typedef struct synth {
	vmc_ctx *ctx;
	vmc__vmdesc *desc;
	vmc__arena arena;
	uint32_t budget;
	vmc_field *root;
	size_t consumed;
} synth;

/* One device "d" with vmsd "v" version 1 and these fields (+ subsections). */
static void synth_open(synth *t, const char *fields, const char *subsections,
		       uint32_t max_fields)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	char json[4096];

	o.limits.max_fields = max_fields;
	snprintf(json, sizeof(json),
		 "{\"page_size\":4096,\"devices\":[{\"name\":\"d\",\"instance_id\":0,"
		 "\"vmsd_name\":\"v\",\"version\":1,\"fields\":[%s]%s%s}]}",
		 fields, subsections ? ",\"subsections\":" : "", subsections ? subsections : "");
	assert_int_equal(vmc_ctx_new(&t->ctx, &o), VMC_OK);
	assert_int_equal(vmc__vmdesc_parse(&t->desc, t->ctx, (const uint8_t *)json, strlen(json), 0),
			 VMC_OK);
	vmc__arena_init(&t->arena, t->ctx);
	t->budget = t->ctx->limits.max_fields;
}

static int synth_decode(synth *t, const void *bytes, size_t len)
{
	return vmc__vmdesc_decode(&t->root, &t->consumed, &t->arena,
				  vmc__vmdesc_device_at(t->desc, 0), bytes, len, BASE, "d",
				  &t->budget);
}

static void synth_close(synth *t)
{
	vmc__arena_free(&t->arena);
	vmc__vmdesc_free(t->desc);
	vmc_ctx_free(t->ctx);
}

static void expect_error(synth *t, int code, uint64_t offset, const char *msg, const char *path)
{
	const vmc_error *e = vmc_error_last(t->ctx);

	assert_int_equal(e->code, code);
	assert_int_equal(e->has_offset, 1);
	assert_int_equal(e->offset, offset);
	assert_string_equal(e->message, msg);
	assert_string_equal(e->path, path);
}

#define F(name, type, size) "{\"name\":\"" name "\",\"type\":\"" type "\",\"size\":" #size "}"

static void test_vmdesc_decode__primitives(void **state)
{
	static const uint8_t bytes[] = {
		0xff,                                           /* int8 -1          */
		0x80, 0x00,                                     /* int16 -32768     */
		0xff, 0xff, 0xff, 0xfe,                         /* int32 -2         */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* timer -1         */
		0x02,                                           /* bool: true       */
		0xfe, 0xdc, 0xba, 0x98,                         /* uint32 equal     */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, /* int64 equal (u64) */
		0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* CPU_Double_U 1.0 */
		0x12, 0x34,                                     /* uint32 of size 2 */
		0xaa, 0xbb, 0xcc,                               /* custom type      */
		0x30,                                           /* nullptr          */
		0x30,                                           /* NULL struct elem */
	};
	synth t;
	const vmc_field *r;

	(void)state;
	synth_open(&t,
		   F("a", "int8", 1) "," F("b", "int16", 2) "," F("c", "int32", 4) ","
		   F("t", "timer", 8) "," F("f", "bool", 1) "," F("e", "uint32 equal", 4) ","
		   F("q", "int64 equal", 8) "," F("dbl", "CPU_Double_U", 8) ","
		   F("w", "uint32", 2) "," F("x", "pci irq state", 3) "," F("n", "nullptr", 1) ","
		   "{\"name\":\"p\",\"type\":\"struct\",\"struct\":{},\"size\":1}",
		   NULL, 0);
	assert_int_equal(synth_decode(&t, bytes, sizeof(bytes)), VMC_OK);
	assert_int_equal(t.consumed, sizeof(bytes));
	r = t.root;
	assert_string_equal(r->name, "v");
	assert_string_equal(r->type, "struct");
	assert_int_equal(r->offset, BASE);
	assert_int_equal(child(r, "a")->i, -1);
	assert_int_equal(child(r, "b")->i, -32768);
	assert_int_equal(child(r, "c")->i, -2);
	assert_int_equal(child(r, "t")->kind, VMC_FIELD_INT);
	assert_int_equal(child(r, "t")->i, -1);
	assert_int_equal(child(r, "f")->kind, VMC_FIELD_BOOL);
	assert_int_equal(child(r, "f")->u, 1);
	assert_int_equal(child(r, "e")->u, 0xfedcba98);
	assert_int_equal(child(r, "q")->kind, VMC_FIELD_UINT);
	assert_int_equal(child(r, "q")->u, 0xfffffffffffffffeull);
	assert_int_equal(child(r, "dbl")->u, 0x3ff0000000000000ull);
	/* Width disagrees with the described size: bytes, type kept. */
	assert_int_equal(child(r, "w")->kind, VMC_FIELD_BYTES);
	assert_string_equal(child(r, "w")->type, "uint32");
	assert_int_equal(child(r, "x")->kind, VMC_FIELD_BYTES);
	assert_string_equal(child(r, "x")->type, "pci irq state");
	assert_int_equal(child(r, "x")->offset, BASE + 38);
	assert_null(vmc_field_bytes(child(r, "a"), NULL));
	assert_int_equal(child(r, "n")->kind, VMC_FIELD_NULLPTR);
	assert_int_equal(child(r, "p")->kind, VMC_FIELD_NULLPTR);
	assert_string_equal(child(r, "p")->type, "struct");
	synth_close(&t);
}

static void test_vmdesc_decode__arrays(void **state)
{
	static const uint8_t bytes[] = {0, 1, 0, 2, 0, 3, 7, 8, 9, 10, 0x30, 11};
	synth t;
	const vmc_field *r;

	(void)state;
	/* array_len 3 of uint16; two runs of "index" entries with one name
	 * (0,1 then 0,1) are two arrays; a NULL element inside a run. */
	synth_open(&t,
		   "{\"name\":\"a\",\"array_len\":3,\"type\":\"uint16\",\"size\":2},"
		   "{\"name\":\"i\",\"index\":0,\"type\":\"uint8\",\"size\":1},"
		   "{\"name\":\"i\",\"index\":1,\"type\":\"uint8\",\"size\":1},"
		   "{\"name\":\"i\",\"index\":0,\"type\":\"uint8\",\"size\":1},"
		   "{\"name\":\"i\",\"index\":1,\"type\":\"uint8\",\"size\":1},"
		   "{\"name\":\"p\",\"index\":0,\"type\":\"struct\",\"struct\":{},\"size\":1},"
		   "{\"name\":\"p\",\"index\":1,\"type\":\"struct\",\"struct\":{\"vmsd_name\":"
		   "\"s\",\"version\":4,\"fields\":[" F("x", "uint8", 1) "]},\"size\":1}",
		   NULL, 0);
	assert_int_equal(synth_decode(&t, bytes, sizeof(bytes)), VMC_OK);
	assert_int_equal(t.consumed, sizeof(bytes));
	r = t.root;
	assert_int_equal(r->nchildren, 4);
	assert_int_equal(r->children[0].kind, VMC_FIELD_ARRAY);
	assert_int_equal(r->children[0].nchildren, 3);
	assert_int_equal(r->children[0].size, 6);
	assert_int_equal(r->children[0].children[2].u, 3);
	assert_int_equal(r->children[0].children[2].offset, BASE + 4);
	assert_int_equal(r->children[1].nchildren, 2);
	assert_int_equal(r->children[1].children[1].u, 8);
	assert_int_equal(r->children[2].nchildren, 2);
	assert_int_equal(r->children[2].children[0].u, 9);
	assert_int_equal(r->children[3].children[0].kind, VMC_FIELD_NULLPTR);
	assert_int_equal(r->children[3].children[1].kind, VMC_FIELD_STRUCT);
	assert_int_equal(r->children[3].children[1].version, 4);
	assert_int_equal(r->children[3].children[1].children[0].u, 11);
	synth_close(&t);
}

static void test_vmdesc_decode__subsection_errors(void **state)
{
	static const char subs[] = "[{\"vmsd_name\":\"v/sub\",\"version\":3,\"fields\":[" F(
		"x", "uint8", 1) "]}]";
	/* field a (1 byte), then 0x05, 5 "v/sub", be32 3, x */
	uint8_t good[] = {9, 0x05, 5, 'v', '/', 's', 'u', 'b', 0, 0, 0, 3, 42};
	uint8_t bytes[sizeof(good)];
	synth t;

	(void)state;
	synth_open(&t, F("a", "uint8", 1), subs, 0);
	assert_int_equal(synth_decode(&t, good, sizeof(good)), VMC_OK);
	assert_int_equal(t.consumed, sizeof(good));
	assert_int_equal(t.root->children[1].kind, VMC_FIELD_SUBSECTION);
	assert_int_equal(t.root->children[1].offset, BASE + 1);
	assert_int_equal(t.root->children[1].size, 12);
	assert_int_equal(t.root->children[1].children[0].u, 42);
	synth_close(&t);

	/* Wrong marker. */
	memcpy(bytes, good, sizeof(good));
	bytes[1] = 0x7e;
	synth_open(&t, F("a", "uint8", 1), subs, 0);
	assert_int_equal(synth_decode(&t, bytes, sizeof(bytes)), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE + 1,
		     "expected subsection marker 0x05 for 'v/sub', found 0x7e", "d/v/sub");
	synth_close(&t);

	/* Marker missing at the end of the data. */
	synth_open(&t, F("a", "uint8", 1), subs, 0);
	assert_int_equal(synth_decode(&t, good, 1), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE + 1,
		     "expected subsection marker 0x05 for 'v/sub', found end of section data",
		     "d/v/sub");
	synth_close(&t);

	/* Other name: the error is at the marker. */
	memcpy(bytes, good, sizeof(good));
	bytes[7] = 'x';
	synth_open(&t, F("a", "uint8", 1), subs, 0);
	assert_int_equal(synth_decode(&t, bytes, sizeof(bytes)), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE + 1, "expected subsection 'v/sub', found 'v/sux'",
		     "d/v/sub");
	synth_close(&t);

	/* Other name length, non-printable bytes, truncated. */
	memcpy(bytes, good, sizeof(good));
	bytes[2] = 200;
	bytes[3] = 0x01;
	synth_open(&t, F("a", "uint8", 1), subs, 0);
	assert_int_equal(synth_decode(&t, bytes, sizeof(bytes)), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE + 1,
		     "expected subsection 'v/sub', found '?/sub????*' (truncated)", "d/v/sub");
	synth_close(&t);
}

static void test_vmdesc_decode__version_and_size_errors(void **state)
{
	static const char subs[] = "[{\"vmsd_name\":\"v/sub\",\"version\":3,\"fields\":[" F(
		"x", "uint8", 1) "]}]";
	uint8_t bytes[] = {9, 0x05, 5, 'v', '/', 's', 'u', 'b', 0, 0, 1, 3, 42};
	static const uint8_t nul[] = {0x31};
	static const uint8_t three[] = {1, 2, 3};
	synth t;

	(void)state;
	synth_open(&t, F("a", "uint8", 1), subs, 0);
	assert_int_equal(synth_decode(&t, bytes, sizeof(bytes)), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE + 8, "expected version 3 of subsection 'v/sub', found 259",
		     "d/v/sub");
	synth_close(&t);

	/* Field past the end of the data. */
	synth_open(&t, F("a", "uint8", 1) "," F("big", "uint32", 4), NULL, 0);
	assert_int_equal(synth_decode(&t, three, 3), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE + 1,
		     "expected 4 bytes of field 'big', found end of section data (2 bytes left)",
		     "d/big");
	synth_close(&t);

	/* A huge compressed array is rejected before any node is allocated. */
	synth_open(&t, "{\"name\":\"h\",\"array_len\":4294967295,\"type\":\"uint64\",\"size\":8}",
		   NULL, 0);
	assert_int_equal(synth_decode(&t, three, 3), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE,
		     "expected 34359738360 bytes of field 'h', found end of section data (3 bytes "
		     "left)",
		     "d/h");
	synth_close(&t);

	/* nullptr must be 0x30. */
	synth_open(&t, F("n", "nullptr", 1), NULL, 0);
	assert_int_equal(synth_decode(&t, nul, 1), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE, "expected nullptr marker 0x30 for 'n', found 0x31",
		     "d/n");
	synth_close(&t);
	synth_open(&t, "{\"name\":\"p\",\"index\":0,\"type\":\"struct\",\"struct\":{},\"size\":1},"
		       "{\"name\":\"p\",\"index\":1,\"type\":\"struct\",\"struct\":{},\"size\":1}",
		   NULL, 0);
	assert_int_equal(synth_decode(&t, (const uint8_t *)"\x30\x31", 2), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE + 1,
		     "expected nullptr marker 0x30 for 'p', found 0x31", "d/p[1]");
	synth_close(&t);

	/* A struct whose nested description disagrees with its size. */
	synth_open(&t, "{\"name\":\"s\",\"type\":\"struct\",\"struct\":{\"vmsd_name\":\"in\","
		       "\"version\":1,\"fields\":[" F("x", "uint8", 1) "]},\"size\":2}",
		   NULL, 0);
	assert_int_equal(synth_decode(&t, three, 3), VMC_EMALFORMED);
	expect_error(&t, VMC_EMALFORMED, BASE,
		     "expected struct 's' to span 2 bytes as described, found 1", "d/s");
	synth_close(&t);
}

static void test_vmdesc_decode__field_limit(void **state)
{
	static const uint8_t bytes[8] = {0};
	synth t;

	(void)state;
	/* root + 1 array node + 8 elements = 10 > 9. */
	synth_open(&t, "{\"name\":\"a\",\"array_len\":8,\"type\":\"uint8\",\"size\":1}", NULL, 9);
	assert_int_equal(synth_decode(&t, bytes, 8), VMC_ELIMIT);
	assert_non_null(strstr(vmc_error_last(t.ctx)->message, "max_fields"));
	synth_close(&t);
	synth_open(&t, "{\"name\":\"a\",\"array_len\":8,\"type\":\"uint8\",\"size\":1}", NULL, 10);
	assert_int_equal(synth_decode(&t, bytes, 8), VMC_OK);
	assert_int_equal(t.budget, 0);
	synth_close(&t);
}

/* A bare vmsd: the [10.x] "configuration" description. */
static void test_vmdesc_decode__configuration(void **state)
{
	static const char json[] =
		"{\"configuration\":{\"vmsd_name\":\"configuration\",\"version\":1,"
		"\"fields\":[" F("len", "uint32", 4) "," F("name", "buffer", 3) "],"
		"\"subsections\":[{\"vmsd_name\":\"configuration/target-page-bits\","
		"\"version\":1,\"fields\":[" F("target_page_bits", "uint32", 4) "]}]},"
		"\"page_size\":4096,\"devices\":[]}";
	static const uint8_t bytes[] = {0, 0, 0, 3, 'p', 'c', '\0', 0x05, 30,
					'c', 'o', 'n', 'f', 'i', 'g', 'u', 'r', 'a', 't', 'i', 'o',
					'n', '/', 't', 'a', 'r', 'g', 'e', 't', '-', 'p', 'a', 'g',
					'e', '-', 'b', 'i', 't', 's', 0, 0, 0, 1, 0, 0, 0, 12};
	vmc_ctx *ctx;
	vmc__vmdesc *d;
	vmc__arena arena;
	vmc_field *root;
	size_t consumed;
	uint32_t budget;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__vmdesc_parse(&d, ctx, (const uint8_t *)json, strlen(json), 0), VMC_OK);
	vmc__arena_init(&arena, ctx);
	budget = ctx->limits.max_fields;
	assert_int_equal(vmc__vmdesc_decode_vmsd(&root, &consumed, &arena,
						 vmc__vmdesc_configuration(d), bytes,
						 sizeof(bytes), 100, "configuration", &budget),
			 VMC_OK);
	assert_int_equal(consumed, sizeof(bytes));
	assert_string_equal(root->name, "configuration");
	assert_int_equal(root->version, 1);
	assert_int_equal(child(root, "len")->u, 3);
	assert_int_equal(child(child(root, "configuration/target-page-bits"), "target_page_bits")->u,
			 12);
	assert_int_equal(vmc__vmdesc_decode_vmsd(&root, &consumed, &arena, NULL, bytes,
						 sizeof(bytes), 100, "configuration", &budget),
			 VMC_EINVAL);
	vmc__arena_free(&arena);
	vmc__vmdesc_free(d);
	vmc_ctx_free(ctx);
}

/* ---- OOM injection ---------------------------------------------------- */


/* Decode every section of a real stream with the Nth allocation failing. */
static void test_vmdesc_decode__oom(void **state)
{
	stream s;
	long n;
	int ok = 0;

	(void)state;
	stream_open(&s, "q35-generic");
	for (n = 0; n < 10000 && !ok; n++) {
		vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
		vmc_test_alloc f = {-1, 1, 0, 0};
		vmc_ctx *ctx;
		vmc__arena arena;
		size_t off = s.first_full, i;
		uint32_t budget;
		int rc = VMC_OK;

		o.allocator = vmc_test_allocator(&f);
		assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
		budget = ctx->limits.max_fields;
		vmc__arena_init(&arena, ctx);
		f.count = 0;
		f.fail_at = n;
		for (i = 0; i < vmc__vmdesc_device_count(s.desc) && rc == VMC_OK; i++) {
			char name[256];
			uint32_t inst, id;
			size_t body = full_header(&s, off, name, &inst, &id), consumed;
			vmc_field *root;

			rc = vmc__vmdesc_decode(&root, &consumed, &arena,
						vmc__vmdesc_device_at(s.desc, i), s.data + body,
						s.vmdesc_tag - body, body, name, &budget);
			off = body + consumed + 5;
		}
		if (rc == VMC_OK) {
			ok = 1;
		} else {
			assert_int_equal(rc, VMC_ENOMEM);
			assert_int_equal(vmc_error_last(ctx)->code, VMC_ENOMEM);
		}
		vmc__arena_free(&arena);
		f.fail_at = -1;
		vmc_ctx_free(ctx);
		assert_int_equal(f.live, 0);
	}
	assert_true(ok);
	assert_true(n > 1);
	stream_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vmdesc_decode__every_section),
		cmocka_unit_test(test_vmdesc_decode__known_values),
		cmocka_unit_test(test_vmdesc_decode__renamed_subsection),
		cmocka_unit_test(test_vmdesc_decode__primitives),
		cmocka_unit_test(test_vmdesc_decode__arrays),
		cmocka_unit_test(test_vmdesc_decode__subsection_errors),
		cmocka_unit_test(test_vmdesc_decode__version_and_size_errors),
		cmocka_unit_test(test_vmdesc_decode__field_limit),
		cmocka_unit_test(test_vmdesc_decode__configuration),
		cmocka_unit_test(test_vmdesc_decode__oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
