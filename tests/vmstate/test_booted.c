/*
 * test_booted.c - the decoded virtio state of booted guests, against what
 * the running QEMU and the guest reported.
 *
 * Input: fixtures/qemu-7.2/{i440fx,q35}-booted.mig.xz, saved by QEMU 7.2.22
 * after a Linux 6.1 guest's virtio drivers set DRIVER_OK on all 7 devices
 * (fixtures/README.md, "booted").  Only the public API is used
 * (vmc_stream_read_path, vmc_section_fields, vmc_section_facts,
 * vmc_field_find).  Expected values come from the sidecar .json, recorded
 * over QMP before `migrate`, never from vmcompat:
 *  - `x-query-virtio-status` (reply + decoded): status byte and names,
 *    `started`, isr, queue-sel, num-vqs, guest/host feature words;
 *  - `x-query-virtio-queue-status`: per queue vring-num, vring-num-default,
 *    vring-desc/avail/used, last-avail-idx, inuse;
 *  - `query-pci` (both machines: the guest programmed the root ports):
 *    IDs, class, irq line and pin, BAR addresses and sizes;
 *  - `qom-properties`: vectors, mac, max_ports, packed, page-poison;
 *  - `boot.console`: the guest's own /sys/bus/virtio/.../features strings.
 *
 * Not assertable from the stream: a split ring's used_idx (and so inuse)
 * lives in guest RAM, which QEMU reads back on load (virtio_load:
 * vring_used_idx); the stream has no copy of it.  The MSI-X messages are
 * not in any sidecar query: they are checked against the x86 MSI address
 * format and against the vectors the queues use.
 */
#include "fixtures.h"

#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const booted[] = {"i440fx-booted", "q35-booted"};

/* ---- helpers ------------------------------------------------------------------ */

/* Child by a NULL-terminated list of names (names may contain '/' and '.'). */
static const vmc_field *N(const vmc_field *f, ...)
{
	va_list ap;
	const char *name;

	va_start(ap, f);
	while (f && (name = va_arg(ap, const char *)) != NULL)
		f = vmc_field_find(f, name);
	va_end(ap);
	return f;
}

/* Facts by a '/' path. */
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
		fail_msg("no field %s", path);
	return vmc_field_uint(x);
}

static const char *S(const vmc_field *f, const char *path)
{
	const vmc_field *x = F(f, path);

	if (!x || vmc_field_kind(x) != VMC_FIELD_STRING)
		fail_msg("no string fact %s", path);
	return vmc_field_string(x);
}

static uint64_t UV(const vmc_field *f)
{
	if (!f)
		fail_msg("missing field");
	return vmc_field_uint(f);
}

static const vmc_field *E(const vmc_field *arr, size_t i)
{
	if (!arr || i >= vmc_field_child_count(arr))
		fail_msg("no element %zu", i);
	return vmc_field_child(arr, i);
}

static json_object *J(json_object *o, const char *k)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return NULL;
	return v;
}

static int64_t JI(json_object *o, const char *k)
{
	json_object *v = J(o, k);

	if (!v)
		fail_msg("sidecar lacks '%s'", k);
	return json_object_get_int64(v);
}

static uint64_t JHEX(json_object *o, const char *k)
{
	json_object *v = J(o, k);

	if (!v)
		fail_msg("sidecar lacks '%s'", k);
	return strtoull(json_object_get_string(v), NULL, 16);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
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

static char *fixture_path(const char *name)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.xz", name);
	return vmc_test_fixture(rel);
}

static vmc_stream *open_fixture(vmc_ctx *ctx, const char *name)
{
	char *path = fixture_path(name);
	vmc_stream *s = NULL;

	if (vmc_stream_read_path(&s, ctx, path, NULL) != VMC_OK)
		fail_msg("%s: %s", name, vmc_error_last(ctx)->message);
	free(path);
	return s;
}

/* The section whose facts name this family. */
static const vmc_section *section_of(const vmc_stream *s, const char *family)
{
	size_t i;

	for (i = 0; i < vmc_stream_section_count(s); i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		const vmc_field *f = vmc_section_facts(sec);
		if (f && strcmp(S(f, "family"), family) == 0)
			return sec;
	}
	fail_msg("no section for family %s", family);
	return NULL;
}

/* query-pci entry by qdev id, through bridges (q35 root ports). */
static json_object *find_pci(json_object *devices, const char *id)
{
	size_t i;

	for (i = 0; devices && i < json_object_array_length(devices); i++) {
		json_object *d = json_object_array_get_idx(devices, i), *r;
		if (J(d, "qdev_id") && !strcmp(json_object_get_string(J(d, "qdev_id")), id))
			return d;
		if ((r = find_pci(J(J(d, "pci_bridge"), "devices"), id)) != NULL)
			return r;
	}
	return NULL;
}

static int list_has(const vmc_field *arr, const char *s)
{
	size_t i;

	for (i = 0; arr && i < vmc_field_child_count(arr); i++)
		if (strcmp(vmc_field_string(vmc_field_child(arr, i)), s) == 0)
			return 1;
	return 0;
}

/* The generic feature names of rules/virtio-families.yaml `features`:
 * virtio_facts names these bits and counts the rest in other_bits. */
static const struct {
	unsigned bit;
	const char *name;
} generic_features[] = {{24, "NOTIFY_ON_EMPTY"}, {27, "ANY_LAYOUT"},   {28, "INDIRECT_DESC"},
			{29, "EVENT_IDX"},       {32, "VERSION_1"},    {33, "ACCESS_PLATFORM"},
			{34, "RING_PACKED"},     {35, "IN_ORDER"},     {36, "ORDER_PLATFORM"},
			{37, "SR_IOV"},          {40, "RING_RESET"}};

/* x-query-virtio-status status names -> VIRTIO_CONFIG_S_* bits. */
static unsigned status_bits(json_object *statuses)
{
	static const struct {
		const char *prefix;
		unsigned bit;
	} map[] = {{"VIRTIO_CONFIG_S_ACKNOWLEDGE:", 1}, {"VIRTIO_CONFIG_S_DRIVER:", 2},
		   {"VIRTIO_CONFIG_S_DRIVER_OK:", 4},   {"VIRTIO_CONFIG_S_FEATURES_OK:", 8},
		   {"VIRTIO_CONFIG_S_NEEDS_RESET:", 0x40}, {"VIRTIO_CONFIG_S_FAILED:", 0x80}};
	unsigned v = 0;
	size_t i, k;

	for (i = 0; i < json_object_array_length(statuses); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(statuses, i));
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (!strncmp(s, map[k].prefix, strlen(map[k].prefix)))
				v |= map[k].bit;
	}
	return v;
}

/* The guest's own feature string for virtio device ID `vid` from the boot
 * console ("virtioN device=0x00VV ... features=0101..."; char i = bit i). */
static uint64_t console_features(json_object *side, unsigned vid)
{
	const char *c = json_object_get_string(J(J(side, "boot"), "console"));
	char key[32];
	const char *p, *q;
	uint64_t v = 0;
	unsigned i;

	snprintf(key, sizeof(key), "device=0x%04x ", vid);
	p = strstr(c, key);
	if (!p)
		fail_msg("console has no %s", key);
	q = strstr(p, "features=");
	assert_non_null(q);
	q += strlen("features=");
	for (i = 0; i < 64 && (q[i] == '0' || q[i] == '1'); i++)
		v |= (uint64_t)(q[i] == '1') << i;
	assert_int_equal(i, 64);
	return v;
}

/* ---- per device ------------------------------------------------------------------ */

static void check_features(json_object *side, json_object *st, json_object *dec,
			   const vmc_field *blob, const vmc_field *facts, uint64_t *guest_out)
{
	uint64_t guest = JHEX(dec, "guest-features"), host = JHEX(dec, "host-features");
	uint64_t from_bits = 0, named = 0, unknown;
	json_object *bits = J(dec, "guest-features-bits"), *tr;
	const vmc_field *names = F(facts, "guest_features/names");
	size_t i, nn = 0;

	/* The sidecar agrees with itself and with the guest. */
	for (i = 0; i < json_object_array_length(bits); i++)
		from_bits |= 1ull << json_object_get_int(json_object_array_get_idx(bits, i));
	assert_int_equal(from_bits, guest);
	assert_int_equal(guest & ~host, 0);
	assert_int_equal(console_features(side, (unsigned)U(facts, "virtio_device_id")), guest);
	/* The stream: 64 bits in the subsection, the low 32 in the header. */
	assert_int_equal(UV(N(blob, "virtio/64bit_features", "guest_features", NULL)), guest);
	assert_int_equal(U(blob, "guest_features"), guest & 0xffffffffu);
	assert_int_equal(UV(E(N(blob, "virtio/extra_state", "extra_state",
				"virtio_pci/modern_state", "guest_features", NULL), 0)),
			 guest & 0xffffffffu);
	assert_int_equal(UV(E(N(blob, "virtio/extra_state", "extra_state",
				"virtio_pci/modern_state", "guest_features", NULL), 1)),
			 guest >> 32);
	/* The facts. */
	assert_int_equal(U(facts, "guest_features/value"), guest);
	assert_int_equal(U(facts, "guest_features/bits"), 64);
	assert_string_equal(S(facts, "guest_features/source"), "virtio/64bit_features");
	for (i = 0; i < sizeof(generic_features) / sizeof(generic_features[0]); i++) {
		int set = (guest >> generic_features[i].bit) & 1;
		assert_int_equal(list_has(names, generic_features[i].name), set);
		if (set) {
			assert_string_equal(vmc_field_string(E(names, nn)), generic_features[i].name);
			named |= 1ull << generic_features[i].bit;
			nn++;
		}
	}
	assert_int_equal(vmc_field_child_count(names), nn);
	assert_int_equal(U(facts, "guest_features/other_bits"), guest & ~named);
	/* Every transport feature QMP names is among the facts' names. */
	tr = J(J(st, "guest-features"), "transports");
	for (i = 0; i < json_object_array_length(tr); i++) {
		char nm[64];
		const char *t = json_object_get_string(json_object_array_get_idx(tr, i));
		const char *u = strstr(t, "_F_");
		assert_non_null(u);
		snprintf(nm, sizeof(nm), "%.*s", (int)(strchr(u, ':') - u - 3), u + 3);
		if (!list_has(names, nm))
			fail_msg("guest_features/names lacks %s", nm);
	}
	/* 7.2's QMP cannot name bit 40 (RING_RESET) (nor 9p's MOUNT_TAG): they
	 * are in unknown-dev-features, a subset of the guest features. */
	unknown = (uint64_t)JI(J(st, "guest-features"), "unknown-dev-features");
	assert_int_equal(unknown & ~guest, 0);
	assert_int_equal(unknown & (1ull << 40), guest & (1ull << 40));
	*guest_out = guest;
}

static void check_queues(json_object *qs, json_object *props, const vmc_field *blob,
			 const vmc_field *facts, unsigned nq)
{
	const vmc_field *vq = N(blob, "vq", NULL), *fq = F(facts, "queues");
	const vmc_field *vring = N(blob, "virtio/virtqueues", "vq", NULL);
	const vmc_field *mq = N(blob, "virtio/extra_state", "extra_state",
				"virtio_pci/modern_state", "vqs", NULL);
	int vectors = J(props, "vectors") != NULL;
	int ringsize = 0;
	size_t i;

	assert_int_equal(json_object_array_length(qs), nq);
	assert_int_equal(vmc_field_child_count(vq), nq);
	assert_int_equal(vmc_field_child_count(fq), nq);
	assert_int_equal(vmc_field_child_count(vring), 1024);
	assert_int_equal(vmc_field_child_count(mq), 1024);
	for (i = 0; i < json_object_array_length(qs); i++) {
		json_object *q = json_object_array_get_idx(qs, i);
		size_t k = (size_t)JI(q, "queue-index");
		uint64_t desc = (uint64_t)JI(q, "vring-desc"), avail = (uint64_t)JI(q, "vring-avail");
		uint64_t used = (uint64_t)JI(q, "vring-used");
		const vmc_field *m = E(mq, k);

		assert_true(k < nq);
		assert_true(desc && avail && used); /* the driver set every ring up */
		ringsize |= JI(q, "vring-num") != JI(q, "vring-num-default");
		/* virtio_save: num, desc, last_avail_idx (+ vector with MSI-X). */
		assert_int_equal(U(E(vq, k), "num"), JI(q, "vring-num"));
		assert_int_equal(U(E(vq, k), "desc"), desc);
		assert_int_equal(U(E(vq, k), "last_avail_idx"), JI(q, "last-avail-idx"));
		assert_int_equal(F(E(vq, k), "vector") != NULL, vectors);
		/* The facts copy them. */
		assert_int_equal(U(E(fq, k), "index"), k);
		assert_int_equal(U(E(fq, k), "num"), JI(q, "vring-num"));
		assert_int_equal(U(E(fq, k), "desc"), desc);
		assert_int_equal(U(E(fq, k), "last_avail_idx"), JI(q, "last-avail-idx"));
		if (vectors)
			assert_int_equal(U(E(fq, k), "vector"), U(E(vq, k), "vector"));
		/* virtio/virtqueues: the avail and used ring addresses. */
		assert_int_equal(UV(N(E(vring, k), "vring.avail", NULL)), avail);
		assert_int_equal(UV(N(E(vring, k), "vring.used", NULL)), used);
		/* virtio_pci/modern_state: the guest's view of the same queue. */
		assert_int_equal(U(m, "num"), JI(q, "vring-num"));
		assert_true(U(m, "enabled"));
		assert_int_equal(UV(E(N(m, "desc", NULL), 0)), desc & 0xffffffffu);
		assert_int_equal(UV(E(N(m, "desc", NULL), 1)), desc >> 32);
		assert_int_equal(UV(E(N(m, "avail", NULL), 0)), avail & 0xffffffffu);
		assert_int_equal(UV(E(N(m, "avail", NULL), 1)), avail >> 32);
		assert_int_equal(UV(E(N(m, "used", NULL), 0)), used & 0xffffffffu);
		assert_int_equal(UV(E(N(m, "used", NULL), 1)), used >> 32);
	}
	/* Queues the device does not have: all zero, not enabled. */
	for (i = nq; i < 1024; i++) {
		assert_int_equal(UV(N(E(vring, i), "vring.avail", NULL)), 0);
		assert_int_equal(UV(N(E(vring, i), "vring.used", NULL)), 0);
		assert_int_equal(U(E(mq, i), "num"), 0);
		assert_false(U(E(mq, i), "enabled"));
	}
	/* virtio_ringsize_needed: some vring.num differs from its default. */
	assert_int_equal(N(blob, "virtio/ringsize", NULL) != NULL, ringsize);
	assert_int_equal(list_has(F(facts, "subsections"), "virtio/ringsize"), ringsize);
}

/* MSI-X: every vector a queue or the config uses is unmasked and holds an
 * x86 MSI message (address 0xfeeXXXXX, hi 0, a vector number in data);
 * unused entries keep the reset state (masked).  Without MSI-X the INTx
 * line follows isr bit 0 (virtio_pci_notify). */
static void check_interrupts(json_object *st, json_object *props, const vmc_field *blob,
			     const vmc_field *facts, unsigned nq)
{
	json_object *jv = J(props, "vectors");
	unsigned vectors = jv ? (unsigned)json_object_get_int(jv) : 0;
	const vmc_field *table = N(blob, "msix_table", NULL), *irq = F(blob, "pci/irq_state");
	unsigned char used[2048] = {0};
	size_t i, j, len;
	uint64_t cmd = U(facts, "pci/command");

	assert_int_equal(U(facts, "msix/vectors"), vectors);
	assert_int_equal(vmc_field_child_count(irq), 4);
	assert_int_equal((cmd & 0x400) != 0, vectors > 0); /* INTX_DISABLE iff MSI-X */
	if (!vectors) {
		assert_null(table);
		assert_null(N(blob, "config_vector", NULL));
		for (i = 0; i < 4; i++)
			assert_int_equal(UV(E(irq, i)),
					 i == U(facts, "pci/interrupt_pin") - 1 ? JI(st, "isr") & 1 : 0);
		return;
	}
	assert_true(U(facts, "msix/enabled"));
	assert_false(U(facts, "msix/function_mask"));
	assert_int_equal(U(facts, "msix/config_vector"), U(blob, "config_vector"));
	for (i = 0; i < 4; i++)
		assert_int_equal(UV(E(irq, i)), 0);
	assert_int_equal(vmc_field_child_count(table), vectors);
	vmc_field_bytes(N(blob, "msix_pba", NULL), &len);
	assert_int_equal(len, (vectors + 7) / 8);
	assert_true(U(blob, "config_vector") < vectors);
	used[U(blob, "config_vector")] = 1;
	for (i = 0; i < nq; i++) {
		uint64_t v = U(E(N(blob, "vq", NULL), i), "vector");
		assert_true(v < vectors || v == 0xffff);
		if (v != 0xffff)
			used[v] = 1;
	}
	for (i = 0; i < vectors; i++) {
		const vmc_field *e = E(table, i);
		if (used[i]) {
			assert_int_equal(U(e, "msg_addr_lo") & 0xfff00000u, 0xfee00000u);
			assert_int_equal(U(e, "msg_addr_hi"), 0);
			assert_int_equal(U(e, "vector_ctrl"), 0);
			assert_true(U(e, "msg_data") >= 0x20 && U(e, "msg_data") <= 0xff);
			for (j = 0; j < i; j++) /* one CPU vector per MSI-X vector */
				if (used[j])
					assert_int_not_equal(U(E(table, j), "msg_data"),
							     U(e, "msg_data"));
		} else {
			assert_int_equal(U(e, "vector_ctrl") & 1, 1);
		}
	}
}

/* PCI config vs query-pci: IDs, interrupt, command, BARs. */
static void check_pci(json_object *pdev, const vmc_field *facts)
{
	json_object *regions = J(pdev, "regions");
	const vmc_field *bars = F(facts, "pci/bars");
	int seen[6] = {0};
	size_t i, k;
	uint64_t cmd = U(facts, "pci/command");

	assert_non_null(pdev);
	assert_int_equal(U(facts, "pci/vendor_id"), JI(J(pdev, "id"), "vendor"));
	assert_int_equal(U(facts, "pci/device_id"), JI(J(pdev, "id"), "device"));
	assert_int_equal(U(facts, "pci/subsystem_vendor_id"), JI(J(pdev, "id"), "subsystem-vendor"));
	assert_int_equal(U(facts, "pci/subsystem_id"), JI(J(pdev, "id"), "subsystem"));
	assert_int_equal(U(facts, "pci/class") >> 8, JI(J(pdev, "class_info"), "class"));
	/* qmp_query_pci_device: irq = config[PCI_INTERRUPT_LINE]. */
	assert_int_equal(U(facts, "pci/interrupt_line"), JI(pdev, "irq"));
	assert_int_equal(U(facts, "pci/interrupt_pin"), JI(pdev, "irq_pin"));
	/* The firmware enabled decoding and the driver bus mastering. */
	assert_int_equal(cmd & 0x6, 0x6);
	for (i = 0; i < json_object_array_length(regions); i++) {
		json_object *g = json_object_array_get_idx(regions, i);
		int n = (int)JI(g, "bar");
		uint64_t space;
		uint64_t addr = (uint64_t)JI(g, "address"), size = (uint64_t)JI(g, "size");
		const vmc_field *b = NULL;

		if (n == 6) { /* ROM: mapped only while enabled; QMP says -1 */
			assert_int_equal(JI(g, "address"), -1);
			assert_false(U(facts, "pci/rom_bar/enabled"));
			assert_int_equal(U(facts, "pci/rom_bar/raw") & 1, 0);
			continue;
		}
		for (k = 0; k < vmc_field_child_count(bars); k++)
			if (U(E(bars, k), "index") == (uint64_t)n)
				b = E(bars, k);
		assert_non_null(b);
		seen[n] = 1;
		assert_int_not_equal(addr, 0);
		assert_int_equal(U(b, "address"), addr);
		assert_string_equal(S(b, "type"),
				    !strcmp(json_object_get_string(J(g, "type")), "io") ? "io"
				    : json_object_get_boolean(J(g, "mem_type_64"))       ? "mem64"
											   : "mem32");
		space = !strcmp(S(b, "type"), "io") ? 1 : 2; /* I/O or memory decoding */
		assert_int_equal(cmd & space, space);
		/* A programmed register shows an address, not the size: the size
		 * is bounded by the address's alignment (docs/pci-config.md §3). */
		assert_string_equal(S(b, "size"), "unknown");
		assert_int_equal(U(b, "size_max"), addr & -addr);
		assert_true(U(b, "size_max") >= size);
		if (F(b, "min_size"))
			assert_int_equal(U(b, "min_size"), size);
	}
	for (k = 0; k < vmc_field_child_count(bars); k++)
		if (!seen[U(E(bars, k), "index")])
			assert_int_equal(U(E(bars, k), "address"), 0);
}

static void check_device_state(json_object *side, json_object *props, json_object *qs,
			       const char *fam, const vmc_field *blob, uint64_t guest)
{
	const vmc_field *dev = N(blob, "device", NULL);
	const uint8_t *cfg;
	size_t cfglen, len, i;

	assert_non_null(dev);
	cfg = vmc_field_bytes(N(blob, "config", NULL), &cfglen);
	assert_int_equal(cfglen, U(blob, "config_len"));
	if (!strcmp(fam, "net")) {
		unsigned mac[6];
		const uint8_t *m = vmc_field_bytes(N(dev, "mac", NULL), &len);
		/* VIRTIO_NET_F_GUEST_CSUM, TSO4, TSO6, ECN, UFO
		 * (virtio_net_guest_offloads_by_features). */
		uint64_t offloads = guest & (1u << 1 | 1u << 7 | 1u << 8 | 1u << 9 | 1u << 10);

		assert_string_equal(vmc_field_type(dev), "virtio-net-device");
		assert_int_equal(sscanf(json_object_get_string(J(props, "mac")), "%x:%x:%x:%x:%x:%x",
					&mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]),
				 6);
		assert_int_equal(len, 6);
		for (i = 0; i < 6; i++) {
			assert_int_equal(m[i], mac[i]);
			assert_int_equal(cfg[i], mac[i]); /* virtio_net_config.mac */
		}
		assert_int_equal(m[0] << 16 | m[1] << 8 | m[2], 0x525400);
		/* config.status (le16) is the device's status */
		assert_int_equal(cfg[6] | cfg[7] << 8, U(dev, "status"));
		assert_int_equal(U(dev, "status") & 1, 1); /* VIRTIO_NET_S_LINK_UP */
		assert_int_equal(U(dev, "mergeable_rx_bufs"), (guest >> 15) & 1);
		/* has_ctrl_guest_offloads: present iff feature bit 2 */
		assert_int_equal(N(dev, "curr_guest_offloads", NULL) != NULL, (guest >> 2) & 1);
		assert_int_equal(U(dev, "curr_guest_offloads"), offloads);
		assert_true(U(dev, "mac_table.in_use") <= 64);
		vmc_field_bytes(N(dev, "mac_table.macs", NULL), &len);
		assert_int_equal(len, 6 * U(dev, "mac_table.in_use"));
		assert_null(N(dev, "max_queue_pairs", NULL)); /* 3 queues: no MQ */
		assert_int_equal(vmc_field_child_count(N(dev, "vqs_1", NULL)), 0);
	} else if (!strcmp(fam, "blk")) {
		const vmc_field *rq = N(dev, "rq", NULL);
		int64_t inuse = 0;

		for (i = 0; i < json_object_array_length(qs); i++)
			inuse += JI(json_object_array_get_idx(qs, i), "inuse");
		assert_string_equal(vmc_field_type(dev), "virtio_blk_save_device");
		/* No request in flight: the list is its terminator alone. */
		assert_int_equal(vmc_field_child_count(rq), inuse);
		assert_int_equal(vmc_field_child_count(rq), 0);
		assert_int_equal(vmc_field_size(rq), 1);
		assert_int_equal(vmc_field_size(dev), 1);
	} else if (!strcmp(fam, "serial")) {
		const vmc_field *map = N(dev, "ports_map", NULL);
		uint64_t max = U(dev, "max_nr_ports");

		assert_string_equal(vmc_field_type(dev), "virtio_serial_save_device");
		assert_int_equal(max, JI(props, "max_ports"));
		/* virtio_console_config: cols, rows (le16), max_nr_ports (le32). */
		assert_int_equal(cfglen, 12);
		assert_int_equal(U(dev, "cols"), cfg[0] | cfg[1] << 8);
		assert_int_equal(U(dev, "rows"), cfg[2] | cfg[3] << 8);
		assert_int_equal(le32(cfg + 4), max);
		assert_int_equal(vmc_field_child_count(map), (max + 31) / 32);
		/* Port 0 is reserved at realize (mark_port_added(vser, 0)); no
		 * virtserialport was added, so no port is active. */
		assert_int_equal(UV(E(map, 0)), 1);
		assert_null(strstr(json_object_to_json_string(J(side, "argv")), "virtserialport"));
		assert_int_equal(U(dev, "nr_active_ports"), 0);
		assert_int_equal(vmc_field_child_count(N(dev, "ports", NULL)), 0);
	} else if (!strcmp(fam, "balloon")) {
		const vmc_field *pp = N(dev, "virtio-balloon-device/page-poison", NULL);

		assert_string_equal(vmc_field_type(dev), "virtio-balloon-device");
		/* virtio_balloon_config: num_pages, actual, free_page_hint_cmd_id,
		 * poison_val (le32). */
		assert_int_equal(cfglen, 16);
		assert_int_equal(U(dev, "num_pages"), le32(cfg));
		assert_int_equal(U(dev, "actual"), le32(cfg + 4));
		assert_true(json_object_get_boolean(J(props, "page-poison")));
		assert_int_equal(pp != NULL, (guest >> 4) & 1); /* PAGE_POISON */
		assert_int_equal(U(pp, "poison_val"), le32(cfg + 12));
		/* FREE_PAGE_HINT (3) not negotiated: no free-page-report. */
		assert_int_equal((guest >> 3) & 1, 0);
		assert_null(N(dev, "virtio-balloon-device/free-page-report", NULL));
	} else {
		/* 9p, scsi, rng: no vdc->save, no vdc->vmsd. */
		assert_string_equal(vmc_field_type(dev), "none");
		assert_int_equal(vmc_field_child_count(dev), 0);
	}
}

static void check_device(const char *fx, json_object *side, json_object *dev,
			 const vmc_section *sec)
{
	const char *id = json_object_get_string(J(dev, "id"));
	const char *fam = json_object_get_string(J(dev, "family"));
	json_object *xs = J(J(side, "x-query-virtio-status"), id);
	json_object *st = J(xs, "reply"), *dec = J(xs, "decoded");
	json_object *qs = J(J(side, "x-query-virtio-queue-status"), id);
	json_object *bus0 = json_object_array_get_idx(J(side, "query-pci"), 0);
	json_object *pdev = find_pci(J(bus0, "devices"), id);
	char qp[128];
	json_object *props;
	const vmc_field *blob = vmc_field_find(vmc_section_fields(sec), "virtio");
	const vmc_field *facts = vmc_section_facts(sec), *sub;
	unsigned status = (unsigned)JHEX(dec, "status_byte");
	unsigned nq = (unsigned)JI(st, "num-vqs");
	uint64_t guest;
	size_t k = 0;

	snprintf(qp, sizeof(qp), "/machine/peripheral/%s", id);
	props = J(J(side, "qom-properties"), qp);
	print_message("%s %s (%s)\n", fx, id, vmc_section_idstr(sec));
	assert_non_null(blob);
	assert_non_null(facts);
	assert_null(F(facts, "error"));
	assert_int_equal(vmc_field_child_count(F(facts, "notes")), 0);
	/* Status: 0x0f = ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK. */
	assert_int_equal(status, 0x0f);
	assert_int_equal(status_bits(J(J(st, "status"), "statuses")), status);
	assert_int_equal(U(blob, "status"), status);
	assert_int_equal(U(facts, "status/value"), status);
	assert_int_equal(vmc_field_child_count(F(facts, "status/flags")), 4);
	assert_string_equal(vmc_field_string(E(F(facts, "status/flags"), 0)), "ACKNOWLEDGE");
	assert_string_equal(vmc_field_string(E(F(facts, "status/flags"), 1)), "DRIVER");
	assert_string_equal(vmc_field_string(E(F(facts, "status/flags"), 2)), "DRIVER_OK");
	assert_string_equal(vmc_field_string(E(F(facts, "status/flags"), 3)), "FEATURES_OK");
	assert_int_equal(U(facts, "status/status_other_bits"), 0);
	/* started, isr, queue_sel, queue count. */
	assert_true(json_object_get_boolean(J(st, "started")));
	assert_true(UV(N(blob, "virtio/started", "started", NULL)));
	assert_int_equal(U(blob, "isr"), JI(st, "isr"));
	assert_int_equal(U(facts, "isr"), JI(st, "isr"));
	assert_int_equal(U(blob, "queue_sel"), JI(st, "queue-sel"));
	assert_int_equal(U(facts, "queue_sel"), JI(st, "queue-sel"));
	assert_int_equal(U(blob, "num_queues"), nq);
	assert_int_equal(U(facts, "config_len"), U(blob, "config_len"));
	/* Subsections QEMU sends only when needed: not broken, not disabled,
	 * little-endian (the VERSION_1 default), split rings. */
	assert_false(json_object_get_boolean(J(st, "broken")));
	assert_false(json_object_get_boolean(J(st, "disabled")));
	assert_string_equal(json_object_get_string(J(st, "device-endian")), "little");
	assert_false(json_object_get_boolean(J(props, "packed")));
	assert_null(N(blob, "virtio/broken", NULL));
	assert_null(N(blob, "virtio/disabled", NULL));
	assert_null(N(blob, "virtio/device_endian", NULL));
	assert_null(N(blob, "virtio/packed_virtqueues", NULL));
	sub = F(facts, "subsections");
	if (!strcmp(fam, "balloon"))
		assert_string_equal(vmc_field_string(E(sub, k++)), "virtio-balloon-device/page-poison");
	assert_string_equal(vmc_field_string(E(sub, k++)), "virtio/64bit_features");
	assert_string_equal(vmc_field_string(E(sub, k++)), "virtio/virtqueues");
	assert_string_equal(vmc_field_string(E(sub, k++)), "virtio/extra_state");
	assert_string_equal(vmc_field_string(E(sub, k++)), "virtio_pci/modern_state");
	assert_string_equal(vmc_field_string(E(sub, k++)), "virtio/started");
	assert_int_equal(vmc_field_child_count(sub), k);

	check_features(side, st, dec, blob, facts, &guest);
	check_queues(qs, props, blob, facts, nq);
	check_interrupts(st, props, blob, facts, nq);
	check_pci(pdev, facts);
	check_device_state(side, props, qs, fam, blob, guest);
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_booted__virtio_state_matches_qemu(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(booted) / sizeof(booted[0]); i++) {
		vmc_ctx *ctx;
		vmc_stream *s;
		json_object *side = sidecar(booted[i]), *devs = J(side, "devices");
		size_t nfacts = 0;

		assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
		s = open_fixture(ctx, booted[i]);
		assert_int_equal(vmc_stream_size(s), JI(side, "stream_size"));
		for (k = 0; k < vmc_stream_section_count(s); k++)
			nfacts += vmc_section_facts(vmc_stream_section(s, k)) != NULL;
		assert_int_equal(nfacts, 7);
		assert_int_equal(json_object_array_length(devs), 7);
		for (k = 0; k < json_object_array_length(devs); k++) {
			json_object *dev = json_object_array_get_idx(devs, k);
			check_device(booted[i], side, dev,
				     section_of(s, json_object_get_string(J(dev, "family"))));
		}
		assert_int_equal(vmc_stream_note_count(s), 0);
		vmc_stream_free(s);
		vmc_ctx_free(ctx);
		json_object_put(side);
	}
}

/* curr_guest_offloads is sent iff the guest acked CTRL_GUEST_OFFLOADS
 * (bit 2): present after boot, absent in the never-started generic stream
 * (guest features 0). */
static void test_booted__net_offloads_follow_feature_bit_2(void **state)
{
	static const char *const names[] = {"i440fx-booted", "i440fx-generic"};
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		vmc_ctx *ctx;
		vmc_stream *s;
		const vmc_field *blob;
		uint64_t g;

		assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
		s = open_fixture(ctx, names[i]);
		blob = vmc_field_find(vmc_section_fields(section_of(s, "net")), "virtio");
		g = UV(N(blob, "virtio/64bit_features", "guest_features", NULL));
		assert_int_equal(g, i == 0 ? 0x0000010130af8024ull : 0);
		assert_int_equal(N(blob, "device", "curr_guest_offloads", NULL) != NULL, i == 0);
		assert_int_equal(N(blob, "virtio/started", NULL) != NULL, i == 0);
		vmc_stream_free(s);
		vmc_ctx_free(ctx);
	}
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	while ((hay = strstr(hay, needle)) != NULL)
		n++, hay++;
	return n;
}

/* `vmcompat decode` and `decode --json` on a booted stream: both finish,
 * and carry the facts. */
static void test_booted__cli_text_and_json(void **state)
{
	json_object *side = sidecar("q35-booted"), *devs = J(side, "devices"), *doc, *secs;
	char *path = fixture_path("q35-booted"), cmd[1024], *out;
	int status;
	size_t i, k, seen = 0;

	(void)state;
	/* Text: every device's facts, status flags and exact feature words;
	 * no empty lists; lists of structs shortened. */
	snprintf(cmd, sizeof(cmd), "%s decode '%s'", VMC_CLI_PATH, path);
	out = vmc_test_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_int_equal(count(out, "    virtio facts:\n"), 7);
	assert_int_equal(count(out, "        flags: [ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK]\n"),
			 7);
	assert_null(strstr(out, ": []"));
	assert_null(strstr(out, "notes"));
	assert_non_null(strstr(out, "      queues (64):\n"));
	assert_non_null(strstr(out, "        ... 56 more\n"));
	for (k = 0; k < json_object_array_length(devs); k++) {
		char line[128];
		const char *id = json_object_get_string(J(json_object_array_get_idx(devs, k), "id"));
		json_object *xs = J(J(side, "x-query-virtio-status"), id);
		uint64_t g = JHEX(J(xs, "decoded"), "guest-features");
		snprintf(line, sizeof(line), "        value: %llu (0x%llx)\n", (unsigned long long)g,
			 (unsigned long long)g);
		if (!strstr(out, line))
			fail_msg("text output lacks '%s'", line);
	}
	free(out);
	/* --verbose: empty lists written as "none", all 64 serial queues. */
	snprintf(cmd, sizeof(cmd), "%s decode --verbose '%s' | grep -E '^ +(notes|- index: 63 )'",
		 VMC_CLI_PATH, path);
	out = vmc_test_run(cmd, &status);
	assert_int_equal(status, 0);
	assert_int_equal(count(out, "notes: none\n"), 7);
	assert_int_equal(count(out, "- index: 63 (0x3f), num: 128 (0x80)"), 1);
	free(out);
	/* JSON: parses; each virtio section's facts carry the sidecar values. */
	snprintf(cmd, sizeof(cmd), "%s decode --json '%s'", VMC_CLI_PATH, path);
	out = vmc_test_run(cmd, &status);
	assert_int_equal(status, 0);
	doc = json_tokener_parse(out);
	assert_non_null(doc);
	secs = J(doc, "sections");
	for (i = 0; i < json_object_array_length(secs); i++) {
		json_object *v = J(json_object_array_get_idx(secs, i), "virtio");
		const char *fam = v && J(v, "family") ? json_object_get_string(J(v, "family")) : NULL;
		if (!fam)
			continue;
		for (k = 0; k < json_object_array_length(devs); k++) {
			json_object *dev = json_object_array_get_idx(devs, k);
			const char *id = json_object_get_string(J(dev, "id"));
			json_object *xs = J(J(side, "x-query-virtio-status"), id);
			if (strcmp(json_object_get_string(J(dev, "family")), fam) != 0)
				continue;
			assert_int_equal(JI(J(v, "status"), "value"), 0x0f);
			assert_int_equal((uint64_t)JI(J(v, "guest_features"), "value"),
					 JHEX(J(xs, "decoded"), "guest-features"));
			assert_int_equal(json_object_array_length(J(v, "queues")),
					 JI(J(xs, "reply"), "num-vqs"));
			assert_int_equal(json_object_array_length(J(v, "notes")), 0);
			seen++;
		}
	}
	assert_int_equal(seen, 7);
	json_object_put(doc);
	free(out);
	free(path);
	json_object_put(side);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_booted__virtio_state_matches_qemu),
		cmocka_unit_test(test_booted__net_offloads_follow_feature_bit_2),
		cmocka_unit_test(test_booted__cli_text_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
