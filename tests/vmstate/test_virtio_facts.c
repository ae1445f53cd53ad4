/*
 * test_virtio_facts.c - vmstate/virtio_facts.c with rules/virtio-families.yaml.
 *
 * Real input: every stream in fixtures/qemu-7.2 (QEMU 7.2.22), 7 virtio
 * sections each.  Expected values come from the sidecar .json, recorded
 * from the running QEMU independently of vmcompat:
 *  - `info-qtree` lines: "pci id VVVV:DDDD (sub SSSS:SSSS)" and
 *    "bar N: i/o|mem at ADDR [END]" (END = ADDR + size - 1 with ADDR = ~0,
 *    so size = END + 2; hw/pci/pci.c pcibus_dev_print);
 *  - `query-pci` (i440fx only: q35's functions sit behind unprogrammed root
 *    ports): class, IDs and regions;
 *  - `qom-properties`: `vectors` (absent for virtio-balloon-pci in 7.2);
 *  - `x-query-virtio-status`: num-vqs, status;
 *  - `flavour` + `machine_key`: the expected mode and QOM type.
 * Malformed configs are real streams with documented byte edits.
 */
#include "fixtures.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "vmstate/virtio_facts.h"

static const char *const fixture_names[] = {
	"i440fx-disable-legacy", "i440fx-disable-modern", "i440fx-generic",
	"i440fx-generic-gzip",   "i440fx-non-transitional", "i440fx-transitional",
	"q35-disable-legacy",    "q35-generic",           "q35-legacy-only",
	"q35-non-transitional",  "q35-transitional"};

/* ---- helpers ------------------------------------------------------------------ */

static const vmc_field *F(const vmc_field *f, const char *path)
{
	char buf[128], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, "/", &save); tok && f; tok = strtok_r(NULL, "/", &save))
		f = vmc_field_find(f, tok);
	return f;
}

static uint64_t U(const vmc_field *f, const char *path)
{
	const vmc_field *x = F(f, path);

	if (!x)
		fail_msg("no fact %s", path);
	return vmc_field_uint(x);
}

static const char *S(const vmc_field *f, const char *path)
{
	const vmc_field *x = F(f, path);

	if (!x || vmc_field_kind(x) != VMC_FIELD_STRING)
		fail_msg("no string fact %s", path);
	return vmc_field_string(x);
}

static int list_has(const vmc_field *arr, const char *s)
{
	size_t i;

	for (i = 0; i < vmc_field_child_count(arr); i++)
		if (strcmp(vmc_field_string(vmc_field_child(arr, i)), s) == 0)
			return 1;
	return 0;
}

static json_object *J(json_object *o, const char *k)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static json_object *sidecar(const char *name)
{
	char rel[256], *path;
	json_object *o;

	snprintf(rel, sizeof(rel), "qemu-7.2/%s.json", name);
	path = vmc_test_fixture(rel);
	o = json_object_from_file(path);
	free(path);
	assert_non_null(o);
	return o;
}

static vmc_stream *open_fixture(vmc_ctx *ctx, const char *name)
{
	char rel[256], *path;
	vmc_stream *s = NULL;
	int rc;

	snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.%s", name,
		 strstr(name, "gzip") ? "gz" : "xz");
	path = vmc_test_fixture(rel);
	rc = vmc_stream_read_path(&s, ctx, path, NULL);
	if (rc != VMC_OK)
		fail_msg("%s: %s", rel, vmc_error_last(ctx)->message);
	free(path);
	return s;
}

/* The section whose facts name this family. */
static const vmc_field *facts_of(const vmc_stream *s, const char *family,
				 const vmc_section **sec_out)
{
	size_t i;

	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		const vmc_field *f = vmc_section_facts(sec);
		if (f && strcmp(S(f, "family"), family) == 0) {
			if (sec_out)
				*sec_out = sec;
			return f;
		}
	}
	return NULL;
}

/* ---- the sidecar comparison ------------------------------------------------ */

typedef struct qtree {
	unsigned vendor, device, subvendor, subid;
	int bar_io[7], bar_mem[7];
	unsigned long long bar_size[7];
} qtree;

static void parse_qtree(json_object *lines, qtree *q)
{
	size_t i;

	memset(q, 0, sizeof(*q));
	for (i = 0; i < json_object_array_length(lines); i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(lines, i));
		const char *p = strstr(l, "pci id ");
		unsigned n;
		char kind[8];
		unsigned long long addr, end;

		if (p)
			assert_int_equal(sscanf(p, "pci id %x:%x (sub %x:%x)", &q->vendor,
						&q->device, &q->subvendor, &q->subid),
					 4);
		if (sscanf(l, " bar %u: %7s at %llx [%llx]", &n, kind, &addr, &end) == 4 &&
		    n < 7) {
			q->bar_io[n] = strcmp(kind, "i/o") == 0;
			q->bar_mem[n] = strcmp(kind, "mem") == 0;
			q->bar_size[n] = end + 2;
		}
	}
}

static const vmc_field *bar(const vmc_field *facts, unsigned index)
{
	const vmc_field *bars = F(facts, "pci/bars");
	size_t i;

	for (i = 0; i < vmc_field_child_count(bars); i++)
		if (U(vmc_field_child(bars, i), "index") == index)
			return vmc_field_child(bars, i);
	return NULL;
}

static void expect_chain(const vmc_field *facts, const unsigned *offs, const char *const *names,
			 size_t n)
{
	const vmc_field *caps = F(facts, "pci/capabilities");
	size_t i;

	assert_int_equal(vmc_field_child_count(caps), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(U(vmc_field_child(caps, i), "offset"), offs[i]);
		assert_string_equal(S(vmc_field_child(caps, i), "name"), names[i]);
	}
	assert_null(F(facts, "pci/capabilities_error"));
}

static void check_device(const char *fx, json_object *side, json_object *dev,
			 const vmc_field *facts)
{
	const char *flavour = json_object_get_string(J(side, "flavour"));
	const char *machine = json_object_get_string(J(side, "machine_key"));
	const char *id = json_object_get_string(J(dev, "id"));
	const char *qom = json_object_get_string(J(dev, "qom_type"));
	char path[128], expect[256];
	json_object *props, *vec, *st;
	qtree q;
	int q35 = strcmp(machine, "q35") == 0;
	int legacy = !strcmp(flavour, "disable-modern") || !strcmp(flavour, "legacy-only");
	int modern_only = !strcmp(flavour, "non-transitional") ||
			  !strcmp(flavour, "disable-legacy") || (q35 && !strcmp(flavour, "generic"));
	int express = q35 && !legacy;
	const char *mode = legacy ? "legacy" : modern_only ? "modern-only" : "transitional";
	unsigned vid = (unsigned)U(facts, "virtio_device_id");
	unsigned i;

	print_message("%s %s: %s\n", fx, id, S(facts, "mode"));
	parse_qtree(J(J(side, "info-qtree (virtio devices, non-property lines)"), id), &q);
	/* Identity. */
	assert_int_equal(U(facts, "pci/vendor_id"), q.vendor);
	assert_int_equal(U(facts, "pci/device_id"), q.device);
	assert_int_equal(U(facts, "pci/subsystem_vendor_id"), q.subvendor);
	assert_int_equal(U(facts, "pci/subsystem_id"), q.subid);
	assert_int_equal(U(facts, "pci/revision"), modern_only ? 1 : 0);
	assert_int_equal(U(facts, "pci/subsystem_id"), modern_only ? 0x1100 : vid);
	assert_int_equal(U(facts, "pci/interrupt_pin"), 1);
	assert_int_equal(U(facts, "pci/config_size"), express ? 4096 : 256);
	assert_int_equal(U(facts, "pci/express"), express);
	if (!q35) { /* query-pci sees i440fx functions */
		json_object *devs = J(json_object_array_get_idx(J(side, "query-pci"), 0), "devices");
		size_t k;
		for (k = 0; k < json_object_array_length(devs); k++) {
			json_object *d = json_object_array_get_idx(devs, k), *regions;
			size_t r;
			if (strcmp(json_object_get_string(J(d, "qdev_id")), id) != 0)
				continue;
			assert_int_equal(U(facts, "pci/class") >> 8,
					 json_object_get_int(J(J(d, "class_info"), "class")));
			assert_int_equal(U(facts, "pci/device_id"),
					 json_object_get_int(J(J(d, "id"), "device")));
			assert_int_equal(U(facts, "pci/subsystem_id"),
					 json_object_get_int(J(J(d, "id"), "subsystem")));
			regions = J(d, "regions");
			for (r = 0; r < json_object_array_length(regions); r++) {
				json_object *g = json_object_array_get_idx(regions, r);
				int n = json_object_get_int(J(g, "bar"));
				const vmc_field *b;
				if (n == 6)
					continue; /* ROM: see below */
				b = bar(facts, (unsigned)n);
				assert_non_null(b);
				if (!strcmp(json_object_get_string(J(g, "type")), "io"))
					assert_string_equal(S(b, "type"), "io");
				else
					assert_string_equal(S(b, "type"),
							    json_object_get_boolean(J(g, "mem_type_64"))
								    ? "mem64"
								    : "mem32");
				if (J(g, "prefetch"))
					assert_int_equal(U(b, "prefetchable"),
							 json_object_get_boolean(J(g, "prefetch")));
			}
			k = (size_t)-2;
		}
	}
	/* BARs vs info qtree. */
	assert_string_equal(S(bar(facts, 0), "type"), q.bar_io[0] ? "io" : "mem32");
	for (i = 0; i < 6; i++) {
		const vmc_field *b = bar(facts, i);
		if (!b)
			continue;
		/* QEMU saves unprogrammed BARs: type bits only, size unknown. */
		assert_string_equal(S(b, "size"), "unknown");
		assert_int_equal(U(b, "address"), 0);
		if (q.bar_mem[i] && F(b, "min_size")) /* regions placed by capabilities */
			assert_int_equal(U(b, "min_size"), q.bar_size[i]);
	}
	if (!legacy) {
		assert_string_equal(S(bar(facts, 4), "type"), "mem64");
		assert_true(U(bar(facts, 4), "prefetchable"));
		assert_int_equal(U(bar(facts, 4), "raw"), 0xc);
		assert_int_equal(U(bar(facts, 4), "min_size"), q.bar_size[4]);
	} else {
		assert_false(q.bar_mem[4]);
		assert_null(F(bar(facts, 4), "min_size"));
	}
	assert_int_equal(U(bar(facts, 0), "raw"), q.bar_io[0] ? 1 : 0);
	/* MSI-X vs the vectors property. */
	snprintf(path, sizeof(path), "/machine/peripheral/%s", id);
	props = J(J(side, "qom-properties"), path);
	vec = J(props, "vectors");
	assert_int_equal(U(facts, "msix/vectors"), vec ? json_object_get_int(vec) : 0);
	if (vec) {
		assert_int_equal(U(facts, "msix/table_bar"), 1);
		assert_int_equal(U(bar(facts, 1), "min_size"), q.bar_size[1]);
		assert_int_equal(U(facts, "msix/config_vector"), 0xffff);
	} else {
		assert_false(q.bar_mem[1]);
	}
	/* Capability chains (stream-format.md §11.2, verified here). */
	{
		static const unsigned conv[] = {0x98, 0x84, 0x70, 0x60, 0x50, 0x40};
		static const unsigned pcie[] = {0xdc, 0xc8, 0xb4, 0xa4, 0x94, 0x84, 0x7c, 0x40};
		static const char *const vn[] = {"MSIX",
						 "VNDR (virtio pci-cfg)",
						 "VNDR (virtio notify)",
						 "VNDR (virtio device)",
						 "VNDR (virtio isr)",
						 "VNDR (virtio common)",
						 "PM",
						 "EXP"};
		static const unsigned leg[] = {0x40};
		size_t skip = vec ? 0 : 1;

		if (legacy)
			expect_chain(facts, leg, vn, vec ? 1 : 0);
		else if (express)
			expect_chain(facts, pcie + skip, vn + skip, 8 - skip);
		else
			expect_chain(facts, conv + skip, vn + skip, 6 - skip);
	}
	if (express) {
		const vmc_field *caps = F(facts, "pci/capabilities");
		const vmc_field *exp = vmc_field_child(caps, vmc_field_child_count(caps) - 1);
		assert_int_equal(U(exp, "pcie/port_type"), 0); /* endpoint */
		assert_int_equal(U(exp, "pcie/version"), 2);
		assert_true(U(exp, "pcie/flr"));             /* x-pcie-flr-init=on */
		assert_int_equal(vmc_field_child_count(F(facts, "pci/extended_capabilities")), 0);
	}
	if (!legacy) {
		const vmc_field *caps = F(facts, "pci/capabilities");
		const vmc_field *notify = vmc_field_child(caps, vec ? 2 : 1);
		assert_int_equal(U(notify, "virtio/notify_off_multiplier"), 4);
		assert_int_equal(U(notify, "virtio/offset"), 0x3000);
	}
	/* Mode and QOM types. */
	assert_string_equal(S(facts, "mode"), mode);
	if (!strcmp(flavour, "generic"))
		snprintf(expect, sizeof(expect), "%s (disable-legacy=auto on %s)", qom,
			 q35 ? "a PCIe non-root port" : "conventional PCI or a PCIe root bus");
	else if (!strcmp(flavour, "disable-legacy"))
		snprintf(expect, sizeof(expect), "%s,disable-legacy=on", qom);
	else if (!strcmp(flavour, "disable-modern"))
		snprintf(expect, sizeof(expect), "%s,disable-modern=on", qom);
	else if (!strcmp(flavour, "legacy-only"))
		snprintf(expect, sizeof(expect), "%s,disable-modern=on,disable-legacy=off", qom);
	else
		snprintf(expect, sizeof(expect), "%s", qom);
	if (!list_has(F(facts, "qom_types"), expect))
		fail_msg("%s %s: qom_types lacks '%s'", fx, id, expect);
	/* Status, queues (x-query-virtio-status of the never-started guest). */
	st = J(J(J(side, "x-query-virtio-status"), id), "reply");
	assert_int_equal(U(facts, "status/value"), 0);
	assert_int_equal(vmc_field_child_count(F(facts, "status/flags")), 0);
	assert_int_equal(vmc_field_child_count(F(facts, "queues")),
			 json_object_get_int(J(st, "num-vqs")));
	assert_int_equal(U(facts, "isr"), json_object_get_int(J(st, "isr")));
	assert_int_equal(U(facts, "queue_sel"), json_object_get_int(J(st, "queue-sel")));
	assert_int_equal(U(facts, "guest_features/value"), 0);
	assert_null(F(facts, "error"));
	assert_int_equal(vmc_field_child_count(F(facts, "notes")), 0);
	/* Subsections (docs/virtio-blob.md tree). */
	assert_true(list_has(F(facts, "subsections"), "virtio/64bit_features"));
	assert_int_equal(U(facts, "guest_features/bits"), 64);
	assert_int_equal(list_has(F(facts, "subsections"), "virtio/virtqueues"), !legacy);
	assert_int_equal(list_has(F(facts, "subsections"), "virtio_pci/modern_state"), !legacy);
}

static void test_virtio_facts__fixtures_match_sidecars(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(fixture_names) / sizeof(fixture_names[0]); i++) {
		vmc_ctx *ctx;
		vmc_stream *s;
		json_object *side = sidecar(fixture_names[i]), *devs = J(side, "devices");
		size_t nfacts = 0;

		assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
		s = open_fixture(ctx, fixture_names[i]);
		for (k = 0; k < vmc_stream_section_count(s); k++)
			nfacts += vmc_section_facts(vmc_stream_section(s, k)) != NULL;
		assert_int_equal(nfacts, 7);
		assert_int_equal(json_object_array_length(devs), 7);
		for (k = 0; k < json_object_array_length(devs); k++) {
			json_object *dev = json_object_array_get_idx(devs, k);
			const char *fam = json_object_get_string(J(dev, "family"));
			const vmc_field *facts = facts_of(s, fam, NULL);

			if (!facts)
				fail_msg("%s: no facts for family %s", fixture_names[i], fam);
			assert_string_equal(vmc_field_name(facts), "virtio");
			check_device(fixture_names[i], side, dev, facts);
		}
		vmc_stream_free(s);
		vmc_ctx_free(ctx);
		json_object_put(side);
	}
}

/* The exact candidate list for one config, as the brief of issue #3 gives
 * it: 0x1041, revision 1, no I/O BAR on conventional PCI. */
static void test_virtio_facts__qom_types_exact(void **state)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	const vmc_field *f, *q;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	s = open_fixture(ctx, "i440fx-non-transitional");
	f = facts_of(s, "net", NULL);
	assert_non_null(f);
	q = F(f, "qom_types");
	assert_int_equal(vmc_field_child_count(q), 3);
	assert_string_equal(vmc_field_string(vmc_field_child(q, 0)), "virtio-net-pci,disable-legacy=on");
	assert_string_equal(vmc_field_string(vmc_field_child(q, 1)), "virtio-net-pci-non-transitional");
	assert_string_equal(vmc_field_string(vmc_field_child(q, 2)),
			    "virtio-net-pci (confidential guest: disable-legacy=on by default)");
	assert_string_equal(S(f, "mode_basis"),
			    "device ID 0x1041 (modern), revision 1, BAR0 not I/O, with virtio vendor "
			    "capabilities");
	vmc_stream_free(s);
	s = open_fixture(ctx, "q35-generic");
	q = F(facts_of(s, "net", NULL), "qom_types");
	assert_int_equal(vmc_field_child_count(q), 4);
	assert_string_equal(vmc_field_string(vmc_field_child(q, 2)),
			    "virtio-net-pci (disable-legacy=auto on a PCIe non-root port)");
	vmc_stream_free(s);
	s = open_fixture(ctx, "q35-transitional"); /* express + legacy IDs */
	q = F(facts_of(s, "serial", NULL), "qom_types");
	assert_int_equal(vmc_field_child_count(q), 2);
	assert_string_equal(vmc_field_string(vmc_field_child(q, 0)), "virtio-serial-pci-transitional");
	assert_string_equal(vmc_field_string(vmc_field_child(q, 1)),
			    "virtio-serial-pci,disable-legacy=off");
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
}

/* ---- malformed configs: real streams with byte edits ------------------------- */

typedef struct edited {
	uint8_t *buf;
	size_t len;
	uint64_t cfg;   /* stream offset of the net function's config space */
} edited;

/* i440fx-generic, raw; cfg = stream offset of virtio-net's config space
 * (the "virtio" field's offset + 4). */
static void load_edit(edited *e, const char *fx, const char *family)
{
	vmc_ctx *ctx;
	vmc_stream *s;
	const vmc_section *sec;
	char rel[128], *raw;

	snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig", fx);
	raw = vmc_test_fixture_raw(rel);
	e->buf = vmc_test_slurp(raw, &e->len);
	free(raw);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc_stream_read_buffer(&s, ctx, e->buf, e->len, fx, NULL), VMC_OK);
	assert_non_null(facts_of(s, family, &sec));
	e->cfg = vmc_field_offset(vmc_field_find(vmc_section_fields(sec), "virtio")) + 4;
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
}

static const vmc_field *reread(vmc_ctx *ctx, vmc_stream **s, const edited *e, const char *family)
{
	int rc = vmc_stream_read_buffer(s, ctx, e->buf, e->len, "edited", NULL);

	if (rc != VMC_OK)
		fail_msg("edited stream: %s", vmc_error_last(ctx)->message);
	return facts_of(*s, family, NULL);
}

static void test_virtio_facts__malformed_config_is_a_fact(void **state)
{
	edited e;
	vmc_ctx *ctx;
	vmc_stream *s;
	const vmc_field *f;

	(void)state;
	load_edit(&e, "i440fx-generic", "net");
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	/* Edit 1: the COMMON cap at 0x40 points back to the MSI-X cap at 0x98:
	 * a loop.  QEMU itself would load these bytes (nothing checks them
	 * beyond cmask), so the stream is fine and the fact says why. */
	assert_int_equal(e.buf[e.cfg + 0x41], 0x00);
	e.buf[e.cfg + 0x41] = 0x98;
	f = reread(ctx, &s, &e, "net");
	assert_non_null(f);
	assert_non_null(strstr(S(f, "pci/capabilities_error"), "loops"));
	assert_int_equal(vmc_field_child_count(F(f, "pci/capabilities")), 6);
	assert_string_equal(S(f, "mode"), "transitional");
	vmc_stream_free(s);
	/* Edit 2: the last capability (COMMON at 0x40) points into the header. */
	e.buf[e.cfg + 0x41] = 0x0c;
	f = reread(ctx, &s, &e, "net");
	assert_non_null(strstr(S(f, "pci/capabilities_error"), "0x0c points into the header"));
	assert_int_equal(vmc_field_child_count(F(f, "pci/capabilities")), 6);
	assert_string_equal(S(f, "mode"), "transitional");
	assert_null(F(f, "error"));
	vmc_stream_free(s);
	e.buf[e.cfg + 0x41] = 0x00;
	/* Edit 3: device ID outside both ranges: no mode, no QOM types. */
	e.buf[e.cfg + 0x34] = 0x98;
	e.buf[e.cfg + 0x03] = 0x20;
	f = reread(ctx, &s, &e, "net");
	assert_string_equal(S(f, "mode"), "unknown");
	assert_int_equal(vmc_field_child_count(F(f, "qom_types")), 0);
	assert_string_equal(S(f, "family"), "net"); /* from the vmsd name */
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	free(e.buf);
}

/* Direct calls on truncated and wrong blobs: facts with "error". */
static void test_virtio_facts__truncated_blob(void **state)
{
	vmc_ctx *ctx;
	vmc__arena arena;
	const vmc__virtio_rules *r;
	const uint8_t *text;
	size_t len, cut;
	uint32_t budget = 1000000;
	edited e;
	vmc_field *out;

	(void)state;
	load_edit(&e, "q35-generic", "rng");
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	vmc__arena_init(&arena, ctx);
	text = vmc__virtio_rules_builtin(&len);
	assert_non_null(text);
	assert_int_equal(vmc__virtio_rules_load(&r, &arena, "rules", text, len), VMC_OK);
	/* Every prefix of the blob up to the end of the queue list (+4183 for
	 * virtio-rng on a root port, stream-format.md §10.2): never a failure,
	 * never a read past it (ASan), always an "error" fact. */
	for (cut = 0; cut < 4183; cut += cut < 300 || cut > 4090 ? 1 : 7) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, e.buf + e.cfg - 4, cut);
		assert_int_equal(vmc__virtio_facts_build(&out, &arena, &budget, r, "virtio-rng", NULL,
							 copy, cut),
				 VMC_OK);
		assert_non_null(out);
		assert_non_null(F(out, "error"));
		free(copy);
	}
	/* List head into the header: no MSI-X is found, so the rest of the
	 * blob is read without the MSI-X table (wrongly, and bounded). */
	e.buf[e.cfg + 0x34] = 0x0c;
	assert_int_equal(vmc__virtio_facts_build(&out, &arena, &budget, r, "virtio-rng", NULL,
						 e.buf + e.cfg - 4, e.len - (e.cfg - 4)),
			 VMC_OK);
	assert_non_null(strstr(S(out, "pci/capabilities_error"), "points into the header"));
	assert_int_equal(U(out, "msix/vectors"), 0);
	e.buf[e.cfg + 0x34] = 0xdc;
	/* Not a PCIDevice: version 3. */
	e.buf[e.cfg - 1] = 3;
	assert_int_equal(vmc__virtio_facts_build(&out, &arena, &budget, r, "0000:00:02.0/virtio-rng",
						 NULL, e.buf + e.cfg - 4, 5000),
			 VMC_OK);
	assert_non_null(strstr(S(out, "error"), "PCIDevice version 2"));
	/* Not a virtio section at all: no facts. */
	assert_int_equal(vmc__virtio_facts_build(&out, &arena, &budget, r, "timer", NULL,
						 e.buf, 100),
			 VMC_OK);
	assert_null(out);
	vmc__arena_free(&arena);
	vmc_ctx_free(ctx);
	free(e.buf);
}

/* ---- rules data ----------------------------------------------------------------- */

static int load_text(vmc_ctx *ctx, const char *text)
{
	vmc__arena arena;
	const vmc__virtio_rules *r;
	int rc;

	vmc__arena_init(&arena, ctx);
	rc = vmc__virtio_rules_load(&r, &arena, "t.yaml", (const uint8_t *)text, strlen(text));
	vmc__arena_free(&arena);
	return rc;
}

static void test_virtio_facts__rules_file_is_embedded_and_valid(void **state)
{
	char *path = strdup(VMC_SOURCE_DIR "/rules/virtio-families.yaml");
	size_t flen, len;
	uint8_t *file = vmc_test_slurp(path, &flen);
	const uint8_t *text = vmc__virtio_rules_builtin(&len);
	vmc_ctx *ctx;

	(void)state;
	assert_non_null(text);
	assert_int_equal(len, flen);
	assert_memory_equal(text, file, len);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(load_text(ctx, (const char *)file), VMC_OK);
	vmc_ctx_free(ctx);
	free(file);
	free(path);
}

static void expect_schema_error(const char *text, const char *needle, const char *where)
{
	vmc_ctx *ctx;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(load_text(ctx, text), VMC_ESCHEMA);
	if (!strstr(vmc_error_last(ctx)->message, needle))
		fail_msg("message '%s' lacks '%s'", vmc_error_last(ctx)->message, needle);
	assert_string_equal(vmc_error_last(ctx)->path, where);
	vmc_ctx_free(ctx);
}

#define RULES_HEAD                                                                               \
	"source: t\n"                                                                             \
	"section_prefix: virtio-\n"                                                               \
	"features64_subsection: virtio/64bit_features\n"                                          \
	"transport: {vendor_id: 0x1af4, subsystem_vendor_id: 0x1af4, modern_subsystem_id: "      \
	"0x1100, legacy_device_ids: [0x1000, 0x103f], modern_device_id_base: 0x1040, "           \
	"modern_device_ids: [0x1040, 0x107f], pcidevice_version: 2, source: t}\n"               \
	"modes:\n"                                                                                \
	"  - {name: legacy, device_id: legacy, io_bar0: true, virtio_caps: false, source: t}\n"  \
	"status_flags: [{bit: 1, name: ACKNOWLEDGE}]\n"                                           \
	"features: [{bit: 32, name: VERSION_1}]\n"

#define FAMILY                                                                                   \
	"families:\n"                                                                             \
	"  - {name: net, vmsd: virtio-net, virtio_id: 1, legacy_device_id: 0x1000, class: "      \
	"0x020000, legacy_allowed: true, qom: {generic: virtio-net-pci}, source: t}\n"

static void test_virtio_facts__rules_validation(void **state)
{
	vmc_ctx *ctx;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(load_text(ctx, RULES_HEAD FAMILY
				   "qom_types: [{mode: legacy, type: '{generic},x=1', source: t}]\n"),
			 VMC_OK);
	vmc_ctx_free(ctx);
	expect_schema_error(RULES_HEAD FAMILY "qom_types: []\nbogus: 1\n", "'bogus'", "t.yaml:12");
	expect_schema_error(RULES_HEAD FAMILY
			    "qom_types: [{mode: nosuch, type: x, source: t}]\n",
			    "'nosuch'", "t.yaml:11");
	expect_schema_error(RULES_HEAD FAMILY
			    "qom_types: [{mode: legacy, type: '{generik}', source: t}]\n",
			    "{generik}", "t.yaml:11");
	expect_schema_error(RULES_HEAD "families:\n  - {name: net, vmsd: virtio-net, virtio_id: 1, "
				       "legacy_device_id: 0x1041, class: 2, legacy_allowed: true, "
				       "qom: {generic: a}, source: t}\nqom_types: []\n",
			    "legacy range", "t.yaml:10");
	expect_schema_error(RULES_HEAD FAMILY
			    "  - {name: net, vmsd: virtio-net, virtio_id: 1, class: 2, "
			    "legacy_allowed: true, qom: {generic: a}, source: t}\nqom_types: []\n",
			    "unique", "t.yaml:11");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_virtio_facts__rules_file_is_embedded_and_valid),
		cmocka_unit_test(test_virtio_facts__rules_validation),
		cmocka_unit_test(test_virtio_facts__fixtures_match_sidecars),
		cmocka_unit_test(test_virtio_facts__qom_types_exact),
		cmocka_unit_test(test_virtio_facts__malformed_config_is_a_fact),
		cmocka_unit_test(test_virtio_facts__truncated_blob),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
