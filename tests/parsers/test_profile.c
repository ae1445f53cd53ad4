/*
 * test_profile.c - parsers/profile.c: emulator profiles.
 *
 * Real input: every profile embedded from rules/profiles/ (made by
 * `vmcompat harvest` from real QEMU binaries; commands in
 * rules/profiles/README.md), checked against facts of the committed
 * fixtures, which were saved by the same binaries through a different
 * driver (fixtures/generate): a reference device's PCI config bytes, MSI-X
 * vectors and queue sizes equal the fixture's section of that device; a
 * machine's base sections and ramblocks are a subset of the fixture's; the
 * profile's vmstate table equals the -dump-vmstate file in tests/oracle/.
 * Malformed input: small hand-written profiles, each one edit away from a
 * valid one.  OOM: every allocation of a load and of the vmstate
 * constructor fails once.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "lib/data.h"
#include "parsers/profile.h"
#include "parsers/vmstate_dump.h"

static vmc_ctx *new_ctx(void)
{
	vmc_ctx *ctx;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	return ctx;
}

static vmc__profile *load(vmc_ctx *ctx, const char *version)
{
	vmc__profile *p = NULL;
	int rc = vmc__profile_load_embedded(&p, ctx, version);

	if (rc != VMC_OK)
		fail_msg("profile %s: %s (%s)", version, vmc_error_last(ctx)->message,
			 vmc_error_last(ctx)->path);
	return p;
}

static vmc_stream *fixture_stream(vmc_ctx *ctx, const char *rel)
{
	char *path = vmc_test_fixture(rel);
	vmc_stream *s = NULL;

	assert_int_equal(vmc_stream_read_path(&s, ctx, path, NULL), VMC_OK);
	free(path);
	return s;
}

/* ---- every embedded profile loads and is consistent ---------------------- */

static void test_profile__embedded_all(void **state)
{
	const char *const *v;
	size_t n = 0;

	(void)state;
	for (v = vmc__profile_embedded_versions(); *v; v++) {
		vmc_ctx *ctx = new_ctx();
		vmc__profile *p = load(ctx, *v);
		const vmc__prof_qemu *q = vmc__profile_qemu(p);
		const vmc__prof_machine *pc = vmc__profile_find_machine(p, "pc"),
					*q35 = vmc__profile_find_machine(p, "q35");
		char want[16];
		size_t i;

		snprintf(want, sizeof(want), "%u.%u", q->major, q->minor);
		assert_string_equal(want, *v);
		assert_non_null(pc);
		assert_non_null(q35);
		assert_ptr_equal(vmc__profile_default_machine(p), pc);
		assert_string_equal(pc->family, "pc-i440fx");
		assert_string_equal(pc->root_bus, "pci");
		assert_string_equal(q35->family, "pc-q35");
		assert_string_equal(q35->root_bus, "pcie");
		assert_string_equal(vmc__profile_find_family(p, "pc-q35")->root_bus_name, "pcie.0");
		/* compat-props only from 9.1 on */
		assert_int_equal(vmc__profile_has_compat_props(p), q->major * 100 + q->minor >= 901);
		/* both default machines have a base and a vmstate table */
		for (i = 0; i < 2; i++) {
			const vmc__prof_base *b = vmc__profile_find_base(p, i ? "q35" : "pc");
			vmc_vmstate *vs = NULL;
			assert_non_null(b);
			assert_null(b->error);
			assert_true(b->nsections > 10);
			assert_string_equal(b->sections[0].idstr, "ram");
			assert_string_equal(b->ramblocks[0].name, "pc.ram");
			assert_int_equal(b->ramblocks[0].used, b->ram_mb << 20);
			assert_int_equal(vmc__profile_vmstate(&vs, ctx, p, i ? "q35" : "pc"), VMC_OK);
			assert_non_null(vmc__vmstate_vmsd(vs, "virtio-net"));
			assert_true(vmc__vmstate_knows(vs, "mc146818rtc",
					       "mc146818rtc/irq_reinject_on_ack_count"));
			assert_string_equal(vmc_vmstate_machine(vs), (i ? q35 : pc)->name);
			vmc_vmstate_free(vs);
		}
		/* every reference that QEMU saved has a decoded virtio section */
		for (i = 0; i < vmc__profile_ref_count(p); i++) {
			const vmc__prof_ref *r = vmc__profile_ref(p, i);
			if (r->error)
				continue;
			assert_non_null(r->config);
			assert_true(r->config_size == 256 || r->config_size == 4096);
			assert_int_equal(r->config[0] | r->config[1] << 8, 0x1af4);
			assert_true(r->nqueues > 0);
			assert_ptr_equal(vmc__profile_find_ref(p, r->machine, r->bus, r->type, r->props), r);
		}
		n++;
		vmc__profile_free(p);
		vmc_ctx_free(ctx);
	}
	assert_int_equal(n, 4);
}

/* ---- facts agree with the fixtures ---------------------------------------- */

static const char *const families[] = {"9p", "blk", "scsi", "net", "serial", "balloon", "rng"};
static const char *const vmsd_of[] = {"virtio-9p", "virtio-blk", "virtio-scsi", "virtio-net",
				      "virtio-console", "virtio-balloon", "virtio-rng"};

/* Every virtio section of fixture `rel` against the reference for
 * (machine family, bus kind, flavour type suffix, props). */
static void check_fixture_refs(const char *version, const char *rel, const char *family,
			       const char *bus, const char *suffix, const char *props)
{
	vmc_ctx *ctx = new_ctx();
	vmc__profile *p = load(ctx, version);
	vmc_stream *s = fixture_stream(ctx, rel);
	size_t i, k, checked = 0;

	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		const vmc_field *facts = vmc_section_facts(sec), *cfg, *q;
		const vmc__prof_ref *r;
		const uint8_t *bytes;
		const char *slash = strrchr(vmc_section_idstr(sec), '/');
		char type[96];
		size_t len;

		for (k = 0; k < 7; k++)
			if (slash && strcmp(slash + 1, vmsd_of[k]) == 0)
				break;
		if (k == 7)
			continue;
		snprintf(type, sizeof(type), "virtio-%s-pci%s", families[k], suffix);
		r = vmc__profile_find_ref(p, family, bus, type, props);
		if (!r || r->error)
			fail_msg("%s %s %s %s: %s", version, bus, type, props,
				 r ? r->error : "no reference");
		assert_int_equal(r->section.version, vmc_section_version_id(sec));
		cfg = vmc_field_find(vmc_field_find(vmc_field_find(vmc_section_fields(sec), "virtio"),
						    "pci"),
				     "config");
		bytes = vmc_field_bytes(cfg, &len);
		assert_int_equal(len, r->config_size);
		/* the interrupt line and command are writable and programmed by no
		 * one in a paused guest: the whole space must be equal */
		if (memcmp(bytes, r->config, len) != 0)
			fail_msg("%s %s %s: config differs from %s", version, bus, type, rel);
		assert_int_equal(vmc_field_uint(vmc_field_find(vmc_field_find(facts, "msix"),
							       "vectors")),
				 r->msix_vectors);
		q = vmc_field_find(facts, "queues");
		assert_int_equal(vmc_field_child_count(q), r->nqueues);
		for (k = 0; k < r->nqueues; k++)
			assert_int_equal(vmc_field_uint(vmc_field_find(vmc_field_child(q, k), "num")),
					 r->queues[k]);
		assert_int_equal(vmc_field_uint(vmc_field_find(facts, "config_len")), r->config_len);
		checked++;
	}
	assert_int_equal(checked, 7);
	vmc_stream_free(s);
	vmc__profile_free(p);
	vmc_ctx_free(ctx);
}

static void test_profile__refs_match_fixtures(void **state)
{
	(void)state;
	check_fixture_refs("7.2", "qemu-7.2/i440fx-generic.mig.xz", "pc-i440fx", "pci-root", "", "");
	check_fixture_refs("7.2", "qemu-7.2/i440fx-transitional.mig.xz", "pc-i440fx", "pci-root",
			   "-transitional", "");
	check_fixture_refs("7.2", "qemu-7.2/i440fx-non-transitional.mig.xz", "pc-i440fx",
			   "pci-root", "-non-transitional", "");
	check_fixture_refs("7.2", "qemu-7.2/i440fx-disable-legacy.mig.xz", "pc-i440fx", "pci-root",
			   "", "disable-legacy=on");
	check_fixture_refs("7.2", "qemu-7.2/i440fx-disable-modern.mig.xz", "pc-i440fx", "pci-root",
			   "", "disable-modern=on");
	check_fixture_refs("7.2", "qemu-7.2/q35-generic.mig.xz", "pc-q35", "pcie-root-port", "", "");
	check_fixture_refs("7.2", "qemu-7.2/q35-legacy-only.mig.xz", "q35", "pcie-root-port", "",
			   "disable-legacy=off,disable-modern=on");
	check_fixture_refs("10.0", "qemu-10.0/i440fx-generic.mig.xz", "pc", "pci-root", "", "");
	check_fixture_refs("10.0", "qemu-10.0/q35-non-transitional.mig.xz", "pc-q35",
			   "pcie-root-port", "-non-transitional", "");
}

/* The base machine's sections and ramblocks all appear in a fixture saved
 * on that machine (which adds devices, never removes machine parts). */
static void check_base_subset(const char *version, const char *machine, const char *rel)
{
	vmc_ctx *ctx = new_ctx();
	vmc__profile *p = load(ctx, version);
	vmc_stream *s = fixture_stream(ctx, rel);
	const vmc__prof_base *b = vmc__profile_find_base(p, machine);
	size_t i, j;

	assert_non_null(b);
	assert_string_equal(b->machine, vmc_stream_machine_type(s));
	for (i = 0; i < b->nsections; i++) {
		const vmc_section *sec =
			vmc_stream_find_section(s, b->sections[i].idstr, b->sections[i].instance);
		if (!sec)
			fail_msg("%s: section %s not in %s", machine, b->sections[i].idstr, rel);
		assert_int_equal(vmc_section_version_id(sec), b->sections[i].version);
	}
	for (i = 0; i < b->nramblocks; i++) {
		for (j = 0; j < vmc_stream_ramblock_count(s); j++)
			if (strcmp(vmc_ramblock_name(vmc_stream_ramblock(s, j)), b->ramblocks[i].name) ==
			    0)
				break;
		assert_true(j < vmc_stream_ramblock_count(s));
		assert_int_equal(vmc_ramblock_used_length(vmc_stream_ramblock(s, j)),
				 b->ramblocks[i].used);
		assert_true(b->ramblocks[i].max >= b->ramblocks[i].used);
	}
	vmc_stream_free(s);
	vmc__profile_free(p);
	vmc_ctx_free(ctx);
}

static void test_profile__base_subset_of_fixtures(void **state)
{
	(void)state;
	check_base_subset("7.2", "pc", "qemu-7.2/i440fx-generic.mig.xz");
	check_base_subset("7.2", "pc-q35-7.2", "qemu-7.2/q35-generic.mig.xz");
	check_base_subset("10.0", "pc-i440fx-10.0", "qemu-10.0/i440fx-generic.mig.xz");
	check_base_subset("10.0", "q35", "qemu-10.0/q35-generic.mig.xz");
}

/* The profile's vmstate table is the -dump-vmstate file's (oracle copies). */
static void check_vmstate(const char *version, const char *machine, const char *dump_rel)
{
	vmc_ctx *ctx = new_ctx();
	vmc__profile *p = load(ctx, version);
	vmc_vmstate *a = NULL, *b = NULL;
	char *path = malloc(strlen(VMC_SOURCE_DIR) + strlen(dump_rel) + 2), cmd[4096];
	char *json;
	int status;
	size_t i;

	sprintf(path, "%s/%s", VMC_SOURCE_DIR, dump_rel);
	snprintf(cmd, sizeof(cmd), "xz -dc '%s'", path);
	json = vmc_test_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_int_equal(vmc_vmstate_read_buffer(&b, ctx, json, strlen(json)), VMC_OK);
	assert_int_equal(vmc__profile_vmstate(&a, ctx, p, machine), VMC_OK);
	/* every vmsd of the dump, with the same versions (several QOM types
	 * may share a vmsd name with different versions: match any) */
	for (i = 0; i < b->nvmsds; i++) {
		size_t j;
		for (j = 0; j < a->nvmsds; j++)
			if (strcmp(a->vmsds[j].name, b->vmsds[i].name) == 0 &&
			    a->vmsds[j].version == b->vmsds[i].version &&
			    a->vmsds[j].minimum_version == b->vmsds[i].minimum_version)
				break;
		if (j == a->nvmsds)
			fail_msg("%s: vmsd %s v%u not in the profile", version, b->vmsds[i].name,
				 b->vmsds[i].version);
	}
	for (i = 0; i < b->nsubs; i++)
		assert_true(vmc__vmstate_knows(a, b->subs[i].vmsd, b->subs[i].sub));
	for (i = 0; i < a->nsubs; i++)
		assert_true(vmc__vmstate_knows(b, a->subs[i].vmsd, a->subs[i].sub));
	for (i = 0; i < a->nvmsds; i++)
		assert_non_null(vmc__vmstate_vmsd(b, a->vmsds[i].name));
	vmc_vmstate_free(a);
	vmc_vmstate_free(b);
	free(json);
	free(path);
	vmc__profile_free(p);
	vmc_ctx_free(ctx);
}

static void test_profile__vmstate_equals_dump(void **state)
{
	(void)state;
	check_vmstate("7.2", "pc-i440fx-7.2", "tests/oracle/vmstate/qemu-7.2_pc-i440fx-7.2.json.xz");
	check_vmstate("10.0", "pc-q35-7.2", "tests/oracle/vmstate/qemu-10.0_pc-q35-7.2.json.xz");
}

/* Lookups: aliases, device defaults and ROMs, references by props. */
static void test_profile__lookups(void **state)
{
	vmc_ctx *ctx = new_ctx();
	vmc__profile *p = load(ctx, "7.2");
	const vmc__prof_device *d;
	const vmc__prof_property *pr;
	const vmc__prof_ref *r;
	vmc_vmstate *vs = NULL;

	(void)state;
	assert_string_equal(vmc__profile_find_machine(p, "pc")->name, "pc-i440fx-7.2");
	assert_string_equal(vmc__profile_find_machine(p, "q35")->name, "pc-q35-7.2");
	assert_null(vmc__profile_find_machine(p, "pc-q35-99.0"));
	assert_null(vmc__profile_find_machine(p, "pc")->compat);
	d = vmc__profile_find_device(p, "virtio-net-pci");
	assert_string_equal(d->romfile, "efi-virtio.rom");
	assert_string_equal(d->rom_block, "0000:00:03.0/virtio-net-pci.rom");
	assert_int_equal(d->rom_size, 262144);
	/* pci_add_option_rom cuts the block name to 31 characters */
	d = vmc__profile_find_device(p, "virtio-net-pci-non-transitional");
	assert_string_equal(d->rom_block, "0000:00:03.0/virtio-net-pci-non-transitional");
	assert_null(vmc__profile_find_device(p, "virtio-rng-pci")->rom_block);
	pr = vmc__profile_find_property(p, "virtio-blk-pci", "vectors");
	assert_non_null(pr);
	assert_string_equal(pr->type, "uint32");
	pr = vmc__profile_find_property(p, "virtio-net-pci", "disable-legacy");
	assert_string_equal(pr->default_value, "auto");
	assert_null(vmc__profile_find_property(p, "virtio-net-pci-transitional", "disable-legacy"));
	/* references: the order of properties does not matter */
	r = vmc__profile_find_ref(p, "pc-q35", "pcie-root-port", "virtio-rng-pci",
				  "disable-legacy=off,disable-modern=on");
	assert_non_null(r);
	assert_string_equal(r->mode, "legacy");
	assert_ptr_equal(vmc__profile_find_ref(p, "q35", "pcie-root-port", "virtio-rng-pci",
					       "disable-modern=on,disable-legacy=off"),
			 r);
	assert_null(vmc__profile_find_ref(p, "pc-q35", "pcie-root-port", "virtio-rng-pci",
					  "disable-modern=on"));
	r = vmc__profile_find_ref(p, "pc", "pci-root", "virtio-net-pci", NULL);
	assert_string_equal(r->section.idstr, "0000:00:03.0/virtio-net");
	assert_int_equal(r->nramblocks, 1);
	assert_string_equal(r->ramblocks[0].name, "0000:00:03.0/virtio-net-pci.rom");
	assert_true(r->nhost_features > 0);
	assert_int_equal(vmc__profile_vmstate(&vs, ctx, p, "isapc"), VMC_EINVAL);
	assert_null(vs);
	assert_int_equal(vmc__profile_load_embedded(&p, ctx, "1.0"), VMC_EINVAL);
	vmc__profile_free(p);
	vmc__profile_free(NULL);
	vmc_ctx_free(ctx);
}

/* ---- malformed profiles ---------------------------------------------------- */

#define MINI                                                                                      \
	"format: 1\n"                                                                             \
	"qemu: {version: \"7.2.22\", package: \"p\", binary: \"/q\", harvested_by: \"h\", "      \
	"date: \"d\"}\n"                                                                          \
	"machine_families:\n"                                                                     \
	"  - {family: \"pc-i440fx\", probe_machine: \"pc-i440fx-7.2\", root_bus: \"pci\", "      \
	"root_bus_name: \"pci.0\"}\n"                                                             \
	"machines:\n"                                                                             \
	"  compat_props: \"absent\"\n"                                                            \
	"  list:\n"                                                                               \
	"    - {name: \"pc-i440fx-7.2\", alias: \"pc\", default: true, family: \"pc-i440fx\", "  \
	"root_bus: \"pci\"}\n"                                                                    \
	"machine_base:\n"                                                                         \
	"  - machine: \"pc-i440fx-7.2\"\n"                                                        \
	"    requested: \"pc\"\n"                                                                 \
	"    family: \"pc-i440fx\"\n"                                                             \
	"    ram_mb: 32\n"                                                                        \
	"    sections: [{idstr: \"ram\", instance: 0, version: 4}]\n"                             \
	"    ramblocks: [{name: \"pc.ram\", used: 33554432, max: 33554432}]\n"                    \
	"vmstate:\n"                                                                              \
	"  - machines: [\"pc-i440fx-7.2\"]\n"                                                     \
	"    vmsds:\n"                                                                            \
	"      - {name: \"virtio\", version: 1, minimum_version: 1, subsections: "                \
	"[\"virtio/ringsize\", \"virtio/extra_state\"]}\n"                                        \
	"      - {name: \"apic\", version: 3, minimum_version: 1}\n"                              \
	"devices:\n"                                                                              \
	"  - type: \"virtio-rng-pci\"\n"                                                          \
	"    romfile: \"\"\n"                                                                     \
	"    properties: [{name: \"vectors\", type: \"uint32\", default: \"2\"}]\n"               \
	"references:\n"                                                                           \
	"  - family: \"pc-i440fx\"\n"                                                             \
	"    machine: \"pc-i440fx-7.2\"\n"                                                        \
	"    bus: \"pci-root\"\n"                                                                 \
	"    type: \"virtio-rng-pci\"\n"                                                          \
	"    flavour: \"generic\"\n"                                                              \
	"    props: \"\"\n"                                                                       \
	"    device: \"virtio-rng-pci,id=dut\"\n"                                                 \
	"    section: {idstr: \"0000:00:03.0/virtio-rng\", instance: 0, version: 1}\n"            \
	"    config: {size: 256, hex: \"f41a0510\"}\n"                                            \
	"    msix_vectors: 2\n"                                                                   \
	"    queues: [8]\n"                                                                       \
	"    ramblocks: []\n"

static int load_str(vmc__profile **out, vmc_ctx *ctx, const char *text)
{
	return vmc__profile_load_buffer(out, ctx, "mini.yaml", (const uint8_t *)text,
					strlen(text));
}

static void test_profile__mini(void **state)
{
	vmc_ctx *ctx = new_ctx();
	vmc__profile *p = NULL;
	vmc_vmstate *vs = NULL;
	const vmc__prof_ref *r;

	(void)state;
	assert_int_equal(load_str(&p, ctx, MINI), VMC_OK);
	r = vmc__profile_find_ref(p, "pc", "pci-root", "virtio-rng-pci", "");
	assert_non_null(r);
	assert_int_equal(r->config_size, 256);
	assert_int_equal(r->config[2], 0x05);
	assert_int_equal(r->config[255], 0); /* trimmed zeros restored */
	assert_int_equal(vmc__profile_vmstate(&vs, ctx, p, "pc"), VMC_OK);
	assert_int_equal(vs->nvmsds, 2);
	assert_string_equal(vs->vmsds[0].name, "apic"); /* sorted */
	assert_string_equal(vs->subs[0].sub, "virtio/extra_state");
	assert_true(vmc__vmstate_knows(vs, "virtio", "virtio/ringsize"));
	assert_false(vmc__vmstate_knows(vs, "apic", "virtio/ringsize"));
	vmc_vmstate_free(vs);
	vmc__profile_free(p);
	vmc_ctx_free(ctx);
}

/* Replace the first occurrence of `from` in MINI by `to`. */
static char *edit(const char *from, const char *to)
{
	const char *base = MINI, *at = strstr(base, from);
	char *out;

	assert_non_null(at);
	out = malloc(strlen(base) - strlen(from) + strlen(to) + 1);
	memcpy(out, base, (size_t)(at - base));
	strcpy(out + (at - base), to);
	strcat(out, at + strlen(from));
	return out;
}

static void expect_schema(const char *from, const char *to, const char *path, const char *msg)
{
	vmc_ctx *ctx = new_ctx();
	vmc__profile *p = (vmc__profile *)0x1;
	char *text = edit(from, to);

	assert_int_equal(load_str(&p, ctx, text), VMC_ESCHEMA);
	assert_ptr_equal(p, (vmc__profile *)0x1); /* *out set only on success */
	assert_int_equal(vmc_error_last(ctx)->code, VMC_ESCHEMA);
	if (strcmp(vmc_error_last(ctx)->path, path) != 0 ||
	    !strstr(vmc_error_last(ctx)->message, msg))
		fail_msg("edit '%s' -> '%s': got path '%s' message '%s'", from, to,
			 vmc_error_last(ctx)->path, vmc_error_last(ctx)->message);
	free(text);
	vmc_ctx_free(ctx);
}

static void test_profile__malformed(void **state)
{
	(void)state;
	/* unknown keys, at every level, name file:line */
	expect_schema("format: 1\n", "format: 1\nextra: 2\n", "mini.yaml:2",
		      "expected a known key, found 'extra'");
	expect_schema("date: \"d\"}", "date: \"d\", os: \"x\"}", "mini.yaml:2",
		      "found 'os'");
	expect_schema("ram_mb: 32\n", "ram_mb: 32\n    colour: 1\n", "mini.yaml:14",
		      "found 'colour'");
	expect_schema("version: 3, minimum_version: 1}",
		      "version: 3, minimum_version: 1, fields: []}", "mini.yaml:20", "found 'fields'");
	expect_schema("msix_vectors: 2\n", "msix_vectors: 2\n    vectors: 2\n", "mini.yaml:36",
		      "found 'vectors'");
	/* missing keys, wrong types and values */
	expect_schema("format: 1\n", "format: 2\n", "mini.yaml:1", "expected profile format 1");
	expect_schema("    requested: \"pc\"\n", "", "mini.yaml:10", "expected key 'requested'");
	expect_schema("\"7.2.22\"", "\"7.2\"", "mini.yaml:2", "expected a version X.Y.Z");
	expect_schema("default: true", "default: maybe", "mini.yaml:8", "expected true or false");
	expect_schema("compat_props: \"absent\"", "compat_props: \"sometimes\"", "mini.yaml:6",
		      "expected compat_props query-machines or absent");
	expect_schema("root_bus: \"pci\"}\nmachine_base",
		      "root_bus: \"pci\", compat_props: [[a, b, c]]}\nmachine_base", "mini.yaml:8",
		      "expected no compat_props");
	expect_schema("hex: \"f41a0510\"", "hex: \"f41a051\"", "mini.yaml:34",
		      "pairs of hex digits");
	expect_schema("hex: \"f41a0510\"", "hex: \"f41a05zz\"", "mini.yaml:34",
		      "expected hex digits");
	expect_schema("size: 256", "size: 1", "mini.yaml:34", "within size");
	expect_schema("queues: [8]", "queues: [-1]", "mini.yaml:36", "expected an unsigned number");
	expect_schema("version: 1}\n    config", "version: 99999999999}\n    config",
		      "mini.yaml:33", "expected a 32-bit value");
	expect_schema("    section: {idstr: \"0000:00:03.0/virtio-rng\", instance: 0, version: 1}\n",
		      "", "mini.yaml:26", "expected key 'section'");
	expect_schema("references:\n", "references: 3\nx:\n", "mini.yaml:27", "expected a known key");
	expect_schema("format: 1\n", "format: [1\n", "mini.yaml", "expected valid YAML");
}

static void test_profile__compressed(void **state)
{
	vmc_ctx *ctx = new_ctx();
	vmc__profile *p = NULL;
	char cmd[256];
	char *xz;
	int status;
	size_t len;
	FILE *f;

	(void)state;
	f = fopen("test_profile_mini.yaml", "w");
	assert_non_null(f);
	fputs(MINI, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "xz -c test_profile_mini.yaml > test_profile_mini.yaml.xz");
	free(vmc_test_run(cmd, &status));
	assert_int_equal(status, 0);
	xz = (char *)vmc_test_slurp("test_profile_mini.yaml.xz", &len);
	assert_int_equal(vmc__profile_load_buffer(&p, ctx, "mini.yaml.xz", (uint8_t *)xz, len),
			 VMC_OK);
	assert_string_equal(vmc__profile_qemu(p)->version, "7.2.22");
	vmc__profile_free(p);
	/* truncated compressed data: a malformed-input error, not a schema one */
	p = NULL;
	assert_int_equal(vmc__profile_load_buffer(&p, ctx, "mini.yaml.xz", (uint8_t *)xz, len / 2),
			 VMC_EMALFORMED);
	assert_null(p);
	free(xz);
	remove("test_profile_mini.yaml");
	remove("test_profile_mini.yaml.xz");
	vmc_ctx_free(ctx);
}

/* ---- OOM ---------------------------------------------------------------------- */

/* Fail allocation N = 0, 1, ... until load + vmstate succeed: each failure
 * is VMC_ENOMEM with nothing leaked. */
static void test_profile__oom(void **state)
{
	long nfail;
	int rc = VMC_ENOMEM;

	(void)state;
	for (nfail = 0; rc != VMC_OK; nfail++) {
		vmc_test_alloc fa = {-1, 0, 0, 0};
		vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
		vmc_ctx *ctx = NULL;
		vmc__profile *p = NULL;
		vmc_vmstate *vs = NULL;

		o.allocator = vmc_test_allocator(&fa);
		assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
		fa.count = 0;
		fa.fail_at = nfail;
		rc = load_str(&p, ctx, MINI);
		if (rc == VMC_OK) {
			rc = vmc__profile_vmstate(&vs, ctx, p, "pc");
			vmc_vmstate_free(vs);
			vmc__profile_free(p);
		}
		if (rc != VMC_OK) {
			assert_int_equal(rc, VMC_ENOMEM);
			assert_int_equal(vmc_error_last(ctx)->code, VMC_ENOMEM);
		}
		vmc_ctx_free(ctx);
		assert_int_equal(fa.live, 0);
	}
	assert_true(nfail > 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile__embedded_all),
		cmocka_unit_test(test_profile__refs_match_fixtures),
		cmocka_unit_test(test_profile__base_subset_of_fixtures),
		cmocka_unit_test(test_profile__vmstate_equals_dump),
		cmocka_unit_test(test_profile__lookups),
		cmocka_unit_test(test_profile__mini),
		cmocka_unit_test(test_profile__malformed),
		cmocka_unit_test(test_profile__compressed),
		cmocka_unit_test(test_profile__oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
