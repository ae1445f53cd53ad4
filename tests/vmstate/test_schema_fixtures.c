/*
 * test_schema_fixtures.c - the schema engine on real QEMU streams: every
 * virtio section of every fixture in fixtures/qemu-7.2 (and
 * fixtures/qemu-10.0 when present) decodes completely, and the decoded
 * values agree with what QEMU reported over QMP in the sidecar .json:
 *
 *   x-query-virtio-status: status bits, isr, queue-sel, num-vqs, started,
 *                          broken, disabled, device-endian, guest features
 *                          (all zero: the guests never ran), and whether
 *                          VIRTIO_F_VERSION_1 is offered (64bit_features,
 *                          virtqueues subsections present)
 *   query-pci:             vendor and device id in the config bytes
 *   qom-properties:        vectors = MSI-X table size (0: no MSI-X data),
 *                          disable-modern = no virtio_pci/modern_state
 *
 * Malformed variants are the real q35-generic stream with one documented
 * byte edit inside the virtio-net blob (offsets found by decoding the
 * original): a subsection name changed, a queue count above 1024, a
 * config_len past the blob.  Each must give VMC_EMALFORMED at the edited
 * place with the model path.
 */
#include "fixtures.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fixture_names[] = {
	"i440fx-disable-legacy", "i440fx-disable-modern", "i440fx-generic",
	"i440fx-generic-gzip",   "i440fx-non-transitional", "i440fx-transitional",
	"q35-disable-legacy",    "q35-generic",           "q35-legacy-only",
	"q35-non-transitional",  "q35-transitional"};

static const struct family {
	const char *family;
	const char *vmsd;
} families[] = {
	{"9p", "virtio-9p"},          {"blk", "virtio-blk"},         {"scsi", "virtio-scsi"},
	{"net", "virtio-net"},        {"serial", "virtio-console"},  {"balloon", "virtio-balloon"},
	{"rng", "virtio-rng"},
};

static const char *family_vmsd(const char *family)
{
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(families[i].family, family) == 0)
			return families[i].vmsd;
	return NULL;
}

static json_object *jget(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static const vmc_section *find_by_vmsd(const vmc_stream *s, const char *vmsd)
{
	size_t i;

	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		const char *v = vmc_section_vmsd_name(sec);

		if (v && strcmp(v, vmsd) == 0)
			return sec;
	}
	return NULL;
}

static int has_undecoded(const vmc_field *f)
{
	size_t i;

	if (vmc_field_kind(f) == VMC_FIELD_UNDECODED)
		return 1;
	for (i = 0; i < vmc_field_child_count(f); i++)
		if (has_undecoded(vmc_field_child(f, i)))
			return 1;
	return 0;
}

/* Children of a struct lie back to back and fill it exactly. */
static void check_contiguous(const vmc_field *f)
{
	uint64_t at = vmc_field_offset(f);
	size_t i;

	for (i = 0; i < vmc_field_child_count(f); i++) {
		const vmc_field *c = vmc_field_child(f, i);

		if (vmc_field_offset(c) < at)
			fail_msg("'%s' child '%s' at %llu overlaps (expected >= %llu)",
				 vmc_field_name(f), vmc_field_name(c),
				 (unsigned long long)vmc_field_offset(c), (unsigned long long)at);
		at = vmc_field_offset(c) + vmc_field_size(c);
	}
	assert_true(at <= vmc_field_offset(f) + vmc_field_size(f));
}

/* "pci id VVVV:DDDD (sub SSSS:TTTT)" from the sidecar's info-qtree lines
 * for device id (query-pci lists bus 0 only, not devices behind root
 * ports).  1 when found. */
static int qtree_ids(json_object *side, const char *id, unsigned ids[4])
{
	json_object *lines = jget(jget(side, "info-qtree (virtio devices, non-property lines)"), id);
	size_t i;

	for (i = 0; lines && i < json_object_array_length(lines); i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(lines, i));
		const char *p = l ? strstr(l, "pci id ") : NULL;

		if (p && sscanf(p, "pci id %x:%x (sub %x:%x)", &ids[0], &ids[1], &ids[2], &ids[3]) == 4)
			return 1;
	}
	return 0;
}

static unsigned status_bits(json_object *statuses)
{
	static const struct {
		const char *name;
		unsigned bit;
	} map[] = {{"VIRTIO_CONFIG_S_ACKNOWLEDGE", 1}, {"VIRTIO_CONFIG_S_DRIVER:", 2},
		   {"VIRTIO_CONFIG_S_DRIVER_OK", 4},  {"VIRTIO_CONFIG_S_FEATURES_OK", 8},
		   {"VIRTIO_CONFIG_S_NEEDS_RESET", 0x40}, {"VIRTIO_CONFIG_S_FAILED", 0x80}};
	unsigned bits = 0;
	size_t i, k;

	for (i = 0; statuses && i < json_object_array_length(statuses); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(statuses, i));

		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (strncmp(s, map[k].name, strlen(map[k].name)) == 0)
				bits |= map[k].bit;
	}
	return bits;
}

static int list_has(json_object *arr, const char *prefix)
{
	size_t i;

	for (i = 0; arr && i < json_object_array_length(arr); i++)
		if (strncmp(json_object_get_string(json_object_array_get_idx(arr, i)), prefix,
			    strlen(prefix)) == 0)
			return 1;
	return 0;
}

static uint64_t uval(const vmc_field *parent, const char *name)
{
	const vmc_field *f = vmc_field_find(parent, name);

	if (!f)
		fail_msg("no field '%s' in '%s'", name, vmc_field_name(parent));
	return vmc_field_uint(f);
}

static void check_device(const vmc_stream *s, json_object *side, json_object *dev,
			 const char *fixture)
{
	const char *family = json_object_get_string(jget(dev, "family"));
	const char *id = json_object_get_string(jget(dev, "id"));
	const char *qom = json_object_get_string(jget(dev, "qom_path"));
	const vmc_section *sec = find_by_vmsd(s, family_vmsd(family));
	json_object *reply = jget(jget(jget(side, "x-query-virtio-status"), id), "reply");
	json_object *props = jget(jget(side, "qom-properties"), qom);
	unsigned ids[4];
	const vmc_field *v, *cfg, *f;
	size_t len, i;
	const uint8_t *b;
	int64_t vectors;
	unsigned q;

	if (!sec)
		fail_msg("%s: no section for %s", fixture, family);
	assert_non_null(reply);
	assert_non_null(props);
	v = vmc_field_find(vmc_section_fields(sec), "virtio");
	assert_non_null(v);
	assert_string_equal(vmc_field_type(v), "virtio");
	if (vmc_field_kind(v) != VMC_FIELD_STRUCT || has_undecoded(v))
		fail_msg("%s %s: virtio not fully decoded", fixture, family);
	check_contiguous(v);
	/* the blob ends where the section body does (the vmdesc's size) */
	assert_int_equal(vmc_field_offset(v) + vmc_field_size(v),
			 vmc_field_offset(vmc_section_fields(sec)) + vmc_section_size(sec));
	f = vmc_field_child(v, vmc_field_child_count(v) - 1);
	assert_int_equal(vmc_field_offset(f) + vmc_field_size(f),
			 vmc_field_offset(v) + vmc_field_size(v));

	/* x-query-virtio-status */
	assert_int_equal(uval(v, "status"), status_bits(jget(jget(reply, "status"), "statuses")));
	assert_int_equal(uval(v, "isr"), json_object_get_int64(jget(reply, "isr")));
	assert_int_equal(uval(v, "queue_sel"), json_object_get_int64(jget(reply, "queue-sel")));
	assert_int_equal(uval(v, "num_queues"), json_object_get_int64(jget(reply, "num-vqs")));
	assert_int_equal(vmc_field_child_count(vmc_field_find(v, "vq")),
			 json_object_get_int64(jget(reply, "num-vqs")));
	for (q = 0; q < vmc_field_child_count(vmc_field_find(v, "vq")); q++)
		assert_true(uval(vmc_field_child(vmc_field_find(v, "vq"), q), "num") > 0);
	/* never-started guests negotiated nothing */
	assert_int_equal(json_object_array_length(jget(jget(reply, "guest-features"),
						      "dev-features")),
			 0);
	assert_int_equal(uval(v, "guest_features"), 0);
	/* virtio_64bit_features_needed: host_features >> 32 != 0.  Besides
	 * VERSION_1 (bit 32) QEMU offers VIRTIO_F_RING_RESET (bit 40,
	 * queue_reset=on), which 7.2's x-query-virtio-status lists as unknown. */
	f = vmc_field_find(v, "virtio/64bit_features");
	assert_int_equal(f != NULL,
			 list_has(jget(jget(reply, "host-features"), "transports"),
				  "VIRTIO_F_VERSION_1") ||
				 list_has(jget(jget(reply, "host-features"), "transports"),
					  "VIRTIO_F_RING_RESET") ||
				 ((uint64_t)json_object_get_int64(jget(
					  jget(reply, "host-features"), "unknown-dev-features")) >>
				  32) != 0);
	if (f)
		assert_int_equal(uval(f, "guest_features"), 0);
	assert_int_equal(vmc_field_find(v, "virtio/virtqueues") != NULL,
			 list_has(jget(jget(reply, "host-features"), "transports"),
				  "VIRTIO_F_VERSION_1"));
	assert_int_equal(vmc_field_find(v, "virtio/started") != NULL,
			 json_object_get_boolean(jget(reply, "started")));
	assert_int_equal(vmc_field_find(v, "virtio/broken") != NULL,
			 json_object_get_boolean(jget(reply, "broken")));
	assert_int_equal(vmc_field_find(v, "virtio/disabled") != NULL,
			 json_object_get_boolean(jget(reply, "disabled")));
	assert_null(vmc_field_find(v, "virtio/device_endian")); /* "little" on x86 */
	assert_string_equal(json_object_get_string(jget(reply, "device-endian")), "little");

	/* info-qtree: identity in the config bytes (PCI header 0x00, 0x02,
	 * 0x2c, 0x2e, little-endian) */
	cfg = vmc_field_find(vmc_field_find(v, "pci"), "config");
	b = vmc_field_bytes(cfg, &len);
	assert_true(len == 256 || len == 4096);
	assert_true(qtree_ids(side, id, ids));
	assert_int_equal(b[0] | b[1] << 8, ids[0]);
	assert_int_equal(b[2] | b[3] << 8, ids[1]);
	assert_int_equal(b[0x2c] | b[0x2d] << 8, ids[2]);
	assert_int_equal(b[0x2e] | b[0x2f] << 8, ids[3]);

	/* qom-properties: vectors is the MSI-X table size */
	vectors = json_object_get_int64(jget(props, "vectors"));
	f = vmc_field_find(v, "msix_table");
	if (vectors > 0) {
		assert_non_null(f);
		assert_int_equal(vmc_field_child_count(f), vectors);
		assert_int_equal(vmc_field_size(vmc_field_find(v, "msix_pba")), (vectors + 7) / 8);
		assert_non_null(vmc_field_find(v, "config_vector"));
		for (i = 0; i < vmc_field_child_count(vmc_field_find(v, "vq")); i++)
			assert_non_null(vmc_field_find(
				vmc_field_child(vmc_field_find(v, "vq"), i), "vector"));
	} else {
		assert_null(f);
		assert_null(vmc_field_find(v, "config_vector"));
	}
	/* modern_state exactly when modern is on (7.2: migrate-extra default) */
	f = vmc_field_find(v, "virtio/extra_state");
	assert_non_null(f);
	f = vmc_field_find(vmc_field_find(f, "extra_state"), "virtio_pci/modern_state");
	assert_int_equal(f != NULL, !json_object_get_boolean(jget(props, "disable-modern")));
	if (f)
		assert_int_equal(vmc_field_child_count(vmc_field_find(f, "vqs")), 1024);

	/* the device part by family */
	f = vmc_field_find(v, "device");
	assert_int_equal(vmc_field_kind(f), VMC_FIELD_STRUCT);
	if (strcmp(family, "net") == 0) {
		const uint8_t *mac;
		assert_string_equal(vmc_field_type(f), "virtio-net-device");
		mac = vmc_field_bytes(vmc_field_find(f, "mac"), &len);
		assert_int_equal(len, 6);
		assert_int_equal(mac[0], 0x52); /* QEMU's default OUI 52:54:00 */
		assert_int_equal(mac[1], 0x54);
		assert_int_equal(uval(f, "mac_table.in_use"), 0);
		assert_int_equal(vmc_field_size(vmc_field_find(f, "vlans")), 512);
	} else if (strcmp(family, "blk") == 0) {
		assert_string_equal(vmc_field_type(f), "virtio_blk_save_device");
		assert_int_equal(vmc_field_child_count(vmc_field_find(f, "rq")), 0);
		assert_int_equal(vmc_field_size(f), 1);
	} else if (strcmp(family, "serial") == 0) {
		assert_string_equal(vmc_field_type(f), "virtio_serial_save_device");
		assert_int_equal(uval(f, "max_nr_ports"),
				 json_object_get_int64(jget(jget(jget(side, "qom-properties"),
								 "/machine/peripheral/vser0"),
							    "max_ports")));
	} else if (strcmp(family, "balloon") == 0) {
		assert_string_equal(vmc_field_type(f), "virtio-balloon-device");
		assert_int_equal(uval(f, "actual"), 0);
	} else {
		assert_string_equal(vmc_field_type(f), "none");
	}
}

static void check_fixture(const char *dir, const char *name)
{
	char rel[256], *path, *sidepath;
	vmc_ctx *ctx;
	vmc_stream *s;
	json_object *side, *devs;
	size_t i;

	snprintf(rel, sizeof(rel), "%s/%s.json", dir, name);
	sidepath = vmc_test_fixture(rel);
	if (!vmc_test_exists(sidepath)) {
		free(sidepath);
		return;
	}
	side = json_object_from_file(sidepath);
	assert_non_null(side);
	snprintf(rel, sizeof(rel), "%s/%s", dir, json_object_get_string(jget(side, "file")));
	path = vmc_test_fixture(rel);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	if (vmc_stream_read_path(&s, ctx, path, NULL) != VMC_OK)
		fail_msg("%s: %s at %llu %s", rel, vmc_error_last(ctx)->message,
			 (unsigned long long)vmc_error_last(ctx)->offset, vmc_error_last(ctx)->path);
	devs = jget(side, "devices");
	for (i = 0; i < json_object_array_length(devs); i++)
		check_device(s, side, json_object_array_get_idx(devs, i), rel);
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	json_object_put(side);
	free(path);
	free(sidepath);
}

static void test_schema_fixtures__qemu_7_2(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fixture_names) / sizeof(fixture_names[0]); i++)
		check_fixture("qemu-7.2", fixture_names[i]);
}

static void test_schema_fixtures__qemu_10_0(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fixture_names) / sizeof(fixture_names[0]); i++)
		check_fixture("qemu-10.0", fixture_names[i]);
}

/* ---- malformed variants of q35-generic -------------------------------- */

typedef struct raw_stream {
	uint8_t *data;
	size_t len;
	uint64_t num_queues_at, vq_at, config_len_at, config_at, sub_at;
	char idstr[128];
} raw_stream;

static void load_raw(raw_stream *r)
{
	char *raw = vmc_test_fixture_raw("qemu-7.2/q35-generic.mig");
	vmc_ctx *ctx;
	vmc_stream *s;
	const vmc_section *sec;
	const vmc_field *v;

	r->data = vmc_test_slurp(raw, &r->len);
	free(raw);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc_stream_read_buffer(&s, ctx, r->data, r->len, "q35", NULL), VMC_OK);
	sec = find_by_vmsd(s, "virtio-net");
	snprintf(r->idstr, sizeof(r->idstr), "%s", vmc_section_idstr(sec));
	v = vmc_field_find(vmc_section_fields(sec), "virtio");
	r->num_queues_at = vmc_field_offset(vmc_field_find(v, "num_queues"));
	r->vq_at = vmc_field_offset(vmc_field_find(v, "vq"));
	r->config_len_at = vmc_field_offset(vmc_field_find(v, "config_len"));
	r->config_at = vmc_field_offset(vmc_field_find(v, "config"));
	r->sub_at = vmc_field_offset(vmc_field_find(v, "virtio/64bit_features"));
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
}

static void expect_malformed(const raw_stream *r, uint64_t offset, const char *path,
			     const char *msg)
{
	vmc_ctx *ctx;
	vmc_stream *s = NULL;
	const vmc_error *e;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc_stream_read_buffer(&s, ctx, r->data, r->len, "q35", NULL),
			 VMC_EMALFORMED);
	e = vmc_error_last(ctx);
	if (e->offset != offset || strcmp(e->path, path) != 0 || !strstr(e->message, msg))
		fail_msg("got %llu '%s' '%s'; want %llu '%s' '%s'", (unsigned long long)e->offset,
			 e->path, e->message, (unsigned long long)offset, path, msg);
	vmc_ctx_free(ctx);
}

static void test_schema_fixtures__malformed(void **state)
{
	raw_stream r;
	char path[256];
	uint8_t save[4];

	(void)state;
	memset(&r, 0, sizeof(r));
	load_raw(&r);

	/* "virtio/64bit_features" -> "virtio/64bit_featureX": a name with
	 * the parent's prefix that vmstate_virtio does not have */
	r.data[r.sub_at + 2 + 20] = 'X';
	snprintf(path, sizeof(path), "%s/virtio/virtio/64bit_featureX", r.idstr);
	expect_malformed(&r, r.sub_at, path, "unknown 'virtio/64bit_featureX'");
	r.data[r.sub_at + 2 + 20] = 's';

	/* num_queues 1025 (> VIRTIO_QUEUE_MAX; virtio_load: "Invalid number
	 * of virtqueues") */
	memcpy(save, r.data + r.num_queues_at, 4);
	r.data[r.num_queues_at] = 0;
	r.data[r.num_queues_at + 1] = 0;
	r.data[r.num_queues_at + 2] = 4;
	r.data[r.num_queues_at + 3] = 1;
	snprintf(path, sizeof(path), "%s/virtio/vq", r.idstr);
	expect_malformed(&r, r.vq_at, path, "max_queues");
	memcpy(r.data + r.num_queues_at, save, 4);

	/* config_len 0x10000: past the blob */
	memcpy(save, r.data + r.config_len_at, 4);
	r.data[r.config_len_at + 1] = 1;
	snprintf(path, sizeof(path), "%s/virtio/config", r.idstr);
	expect_malformed(&r, r.config_at, path, "found end of the blob");
	memcpy(r.data + r.config_len_at, save, 4);

	free(r.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schema_fixtures__qemu_7_2),
		cmocka_unit_test(test_schema_fixtures__qemu_10_0),
		cmocka_unit_test(test_schema_fixtures__malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
