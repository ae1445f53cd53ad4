/*
 * check_pci.c - the PCI config space rule of `check`.
 *
 * Stage: rules.  For every field of type "pci config" in a source section
 * (vmdesc-described PCI devices such as PIIX3, and the config space inside
 * each decoded virtio blob) and the field at the same place in the
 * destination's section, apply get_pci_config_device (hw/pci/pci.c):
 *
 *   reject byte i if (received[i] ^ local[i]) & cmask[i] & ~wmask[i] & ~w1cmask[i]
 *
 * The masks are rebuilt from the DESTINATION's config bytes the way QEMU
 * builds them when the device is realized, with the rules in
 * rules/pci-masks.yaml: the header masks, bridge masks, one cmask over every
 * registered BAR, cmask 0xff / wmask 0 over every capability on its list
 * (with the bits its owner re-opens), and over every extended capability.
 *
 * What the saved bytes cannot show is never guessed: a BAR's size (its
 * address bits below the size are read-only) is known only for BARs whose
 * regions capabilities place (MSI-X, virtio; see bar_size_from_caps);
 * elsewhere a difference in BAR address bits is UNKNOWN, not refuted.  A BAR
 * counts as registered when its register is non-zero or a capability points
 * into it, which covers QEMU's unprogrammed 32-bit memory BARs.  (The
 * virtio PCI_CFG capability is an access window whose bar field the guest
 * writes: it registers nothing.)
 *
 * The destination reads its own config size (256 or 4096); where the sizes
 * differ it reads the bytes that follow in the source's blob.
 */
#include "check.h"
#include "../vmstate/pci_config.h"

#include <stdio.h>
#include <string.h>

typedef struct masks {
	uint8_t cmask[VMC_PCIE_CONFIG_SIZE];
	uint8_t wmask[VMC_PCIE_CONFIG_SIZE];
	uint8_t w1cmask[VMC_PCIE_CONFIG_SIZE];
	uint8_t unsure[VMC_PCIE_CONFIG_SIZE]; /* bits whose cmask/wmask is unknown */
	const char *region[VMC_PCIE_CONFIG_SIZE]; /* names for findings             */
	uint16_t region_start[VMC_PCIE_CONFIG_SIZE];
} masks;

static void apply(uint8_t *dst, const vmc__masklist *l, size_t base, size_t size, int set)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		size_t at = base + l->m[i].offset;
		if (at >= size)
			continue;
		if (set)
			dst[at] |= l->m[i].mask;
		else
			dst[at] &= (uint8_t)~l->m[i].mask;
	}
}

static void name_range(masks *m, size_t from, size_t len, size_t size, const char *name)
{
	size_t i;

	for (i = from; i < from + len && i < size; i++) {
		m->region[i] = name;
		m->region_start[i] = (uint16_t)from;
	}
}

static const vmc__pci_capmask *find_cap(const vmc__pci_capmask *caps, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (caps[i].id == id)
			return &caps[i];
	return NULL;
}

/*
 * The size of a BAR whose regions the capabilities place: the power of two
 * covering the furthest region.  That is how QEMU sizes the BARs it builds
 * from such regions: the virtio-pci modern and PIO-notify BARs
 * (virtio_pci_modern_regions_init / _pio: pow2ceil of the last region's
 * end) and the exclusive MSI-X BAR (msix_init_exclusive_bar: 4 KiB, or
 * pow2ceil of table + PBA).  0 when no capability points into the BAR.
 */
static uint64_t bar_size_from_caps(const vmc__pci_config *pc, unsigned bar)
{
	uint64_t end = 0, sz = 1;
	size_t i;

	for (i = 0; i < pc->ncaps; i++) {
		const vmc__pci_cap *c = &pc->caps[i];
		uint64_t e = 0;
		if (c->body == VMC_PCI_BODY_MSIX) {
			uint64_t n = c->u.msix.table_size;
			if (c->u.msix.table_bar == bar)
				e = c->u.msix.table_offset + n * 16;
			if (c->u.msix.pba_bar == bar && c->u.msix.pba_offset + (n + 7) / 8 > e)
				e = c->u.msix.pba_offset + (n + 7) / 8;
			if (e && e < 4096)
				e = 4096;
		} else if (c->body == VMC_PCI_BODY_VIRTIO && c->u.virtio.cfg_type != 5 &&
			   c->u.virtio.bar == bar) {
			e = (uint64_t)c->u.virtio.offset + c->u.virtio.length;
		}
		if (e > end)
			end = e;
	}
	if (!end)
		return 0;
	while (sz < end)
		sz <<= 1;
	return sz;
}

static void bar_masks(masks *m, const vmc__pci_config *pc, size_t size)
{
	size_t i;

	for (i = 0; i < pc->nbars; i++) {
		const vmc__pci_bar *b = &pc->bars[i];
		size_t width = b->kind == VMC_PCI_BAR_MEM64 ? 8 : 4, k;
		uint8_t type_bits = b->kind == VMC_PCI_BAR_IO ? 0x03 : 0x0f;
		uint64_t bsize = bar_size_from_caps(pc, b->index);

		if (b->kind == VMC_PCI_BAR_MEM64_HI)
			continue;
		if (!b->raw && !bsize)
			continue; /* not registered: QEMU checks nothing here */
		for (k = 0; k < width && b->offset + k < size; k++) {
			m->cmask[b->offset + k] = 0xff;
			if (bsize) {
				/* pci_register_bar: wmask = ~(size - 1) */
				m->wmask[b->offset + k] = (uint8_t)(~(bsize - 1) >> (8 * k));
			} else {
				/* address bits: read-only below the unknown size */
				m->unsure[b->offset + k] = k == 0 ? (uint8_t)~type_bits : 0xff;
				m->wmask[b->offset + k] = 0;
			}
		}
	}
	if (pc->rom_offset && pc->rom_raw) {
		for (i = 0; i < 4; i++) {
			m->cmask[pc->rom_offset + i] = 0xff;
			m->unsure[pc->rom_offset + i] = i == 0 ? 0xfe : 0xff;
		}
		m->wmask[pc->rom_offset] |= 0x01; /* PCI_ROM_ADDRESS_ENABLE */
	}
}

static void build(masks *m, const vmc__pci_rules *r, const uint8_t *cfg, size_t size,
		  const vmc__pci_config *pc)
{
	size_t i;

	memset(m, 0, sizeof(*m));
	apply(m->cmask, &r->cmask, 0, size, 1);
	apply(m->wmask, &r->wmask, 0, size, 1);
	apply(m->w1cmask, &r->w1cmask, 0, size, 1);
	if (r->writable_from < size)
		memset(m->wmask + r->writable_from, 0xff, size - r->writable_from);
	if (pc->header_layout == 1) {
		apply(m->wmask, &r->bridge_wmask, 0, size, 1);
		apply(m->cmask, &r->bridge_cmask, 0, size, 1);
	}
	for (i = 0; i < r->nregs; i++)
		name_range(m, r->regs[i].offset, r->regs[i].length, size, r->regs[i].name);
	bar_masks(m, pc, size);

	for (i = 0; i < pc->ncaps; i++) {
		const vmc__pci_cap *c = &pc->caps[i];
		const vmc__pci_capmask *cm = find_cap(r->caps, r->ncaps, c->id);
		size_t len = 2, k;

		if (cm) {
			len = cm->length;
			if (cm->length_byte >= 0 && c->offset + (size_t)cm->length_byte < size)
				len = cfg[c->offset + (size_t)cm->length_byte];
			if (c->body == VMC_PCI_BODY_PCIE && c->u.pcie.version < 2 && cm->length_v1)
				len = cm->length_v1;
		}
		if (len < 2)
			len = 2;
		for (k = 0; k < len && c->offset + k < size; k++) {
			m->cmask[c->offset + k] = 0xff;
			m->wmask[c->offset + k] = 0;
			m->w1cmask[c->offset + k] = 0;
		}
		if (cm) {
			apply(m->wmask, &cm->wmask, c->offset, size, 1);
			apply(m->w1cmask, &cm->w1cmask, c->offset, size, 1);
			apply(m->cmask, &cm->cmask_clear, c->offset, size, 0);
		}
		if (cm && c->body == VMC_PCI_BODY_PCIE) {
			/* PCI_EXP_FLAGS_SLOT, SLTCAP power controller present, and
			 * the root port type (4) */
			if (c->u.pcie.slot) {
				apply(m->wmask, &cm->slot_wmask, c->offset, size, 1);
				apply(m->w1cmask, &cm->slot_w1cmask, c->offset, size, 1);
				if (c->offset + 0x14u < size && (cfg[c->offset + 0x14] & 0x02))
					apply(m->wmask, &cm->slot_pcp_wmask, c->offset, size, 1);
			}
			if (c->u.pcie.port_type == 4)
				apply(m->wmask, &cm->root_wmask, c->offset, size, 1);
		}
		name_range(m, c->offset, len, size, cm ? cm->name : vmc__pci_cap_name(c->id));
	}
	for (i = 0; i < pc->next_caps; i++) {
		const vmc__pci_ext_cap *c = &pc->ext_caps[i];
		const vmc__pci_capmask *cm = find_cap(r->ext, r->next, c->id);
		size_t len = cm ? cm->length : r->ext_default_length, k;

		for (k = 0; k < len && c->offset + k < size; k++) {
			m->cmask[c->offset + k] = 0xff;
			m->wmask[c->offset + k] = 0;
			m->w1cmask[c->offset + k] = 0;
		}
		if (cm)
			apply(m->wmask, &cm->wmask, c->offset, size, 1);
		name_range(m, c->offset, len, size, cm ? cm->name : vmc__pci_ext_cap_name(c->id));
	}
	/* QEMU adds a NULL extended-capability header at 0x100 on PCIe devices
	 * that have none (pcie_cap_init: wmask 0 there, cmask from
	 * pci_add_capability is not set): leave it as the masks say. */
}

/* One finding per run of bytes with the same outcome in the same region. */
static int emit_run(vmc__checker *c, const char *subject, const char *region, uint32_t status,
		    const char *id, size_t first, size_t count, const uint8_t *src,
		    const uint8_t *dst, const masks *m)
{
	char sv[64], dv[64], detail[256], name[320];

	snprintf(sv, sizeof(sv), "0x%02x", src[first]);
	snprintf(dv, sizeof(dv), "0x%02x", dst[first]);
	snprintf(detail, sizeof(detail), "i=0x%zx read: %x device: %x cmask: %x wmask: %x w1cmask:%x",
		 first, src[first], dst[first], m->cmask[first], m->wmask[first],
		 m->w1cmask[first]);
	snprintf(name, sizeof(name), "%s %s", subject, region ? region : "device-specific bytes");
	return vmc__check_emit_range(c, id, status, name, sv, dv, detail, 1, first, count);
}

static int compare(vmc__checker *c, const char *subject, const uint8_t *src, size_t src_avail,
		   size_t src_size, const uint8_t *dst, size_t dst_size)
{
	vmc__pci_config pc;
	masks *m;
	size_t n = dst_size < src_avail ? dst_size : src_avail, i, run = 0;
	uint32_t run_status = 0;
	const char *run_id = NULL;
	int rc = VMC_OK;

	if (vmc__pci_config_decode(&pc, dst, dst_size, VMC_PCI_DECODE_VIRTIO_CAPS) != VMC_OK)
		return VMC_OK;
	m = vmc__malloc(c->ctx, sizeof(*m));
	if (!m)
		return VMC_ENOMEM;
	build(m, &c->cat->pci, dst, dst_size, &pc);
	if (src_size != dst_size) {
		char a[16], b[16];
		snprintf(a, sizeof(a), "%zu", src_size);
		snprintf(b, sizeof(b), "%zu", dst_size);
		rc = vmc__check_emit(c, "pci.config-size", VMC_FINDING_REFUTED, subject, a, b, NULL);
	}
	for (i = 0; i <= n && rc == VMC_OK; i++) {
		uint32_t status = VMC_FINDING_PROVED;
		const char *id = NULL;

		if (i < n) {
			uint8_t d = src[i] ^ dst[i];
			uint8_t ro = m->cmask[i] & (uint8_t)~m->wmask[i] & (uint8_t)~m->w1cmask[i];
			if (!d) {
				id = NULL;
			} else if (d & ro & (uint8_t)~m->unsure[i]) {
				status = VMC_FINDING_REFUTED;
				id = "pci.config-read-only";
			} else if (d & ro) {
				status = VMC_FINDING_UNKNOWN;
				id = "pci.config-bar-size";
			} else {
				id = "pci.config-writable-difference";
			}
		}
		/* close the current run when the outcome or region changes */
		if (run && (id != run_id || (i < n && m->region_start[i] != m->region_start[i - 1]) ||
			    i == n)) {
			rc = emit_run(c, subject, m->region[i - run], run_status, run_id, i - run, run,
				      src, dst, m);
			run = 0;
		}
		if (id && i < n) {
			if (!run) {
				run_id = id;
				run_status = status;
			}
			run++;
		}
	}
	vmc__free(c->ctx, m);
	return rc;
}

/* Children of a and b matched by name; recurse to every "pci config". */
static int walk(vmc__checker *c, const vmc_section *sec, const vmc_field *a, const vmc_field *b)
{
	size_t i;

	if (strcmp(a->type, "pci config") == 0 && a->bytes && b->bytes) {
		const vmc_field *root = sec->fields;
		size_t at, avail;

		/* A synthesized section (prove) holds no bytes beyond its fields:
		 * where the destination reads more, only the config is compared
		 * (the size finding refutes the pair anyway). */
		if (!sec->data)
			return compare(c, sec->idstr, a->bytes, (size_t)a->size, (size_t)a->size,
				       b->bytes, (size_t)b->size);
		at = (size_t)(a->offset - root->offset);
		avail = sec->data_len > at ? sec->data_len - at : 0;
		return compare(c, sec->idstr, sec->data + at, avail, (size_t)a->size, b->bytes,
			       (size_t)b->size);
	}
	/* QEMU has no array of PCI devices inside a section: arrays (such as
	 * the 1024-entry virtqueue arrays) are not searched */
	if (a->kind == VMC_FIELD_ARRAY)
		return VMC_OK;
	for (i = 0; i < a->nchildren; i++) {
		const vmc_field *bc = vmc_field_find(b, a->children[i].name);
		if (bc)
			VMC_TRY(walk(c, sec, &a->children[i], bc));
	}
	return VMC_OK;
}

int vmc__check_pci(vmc__checker *c, const vmc_section *src, const vmc_section *dst)
{
	if (!src->fields || !dst->fields)
		return VMC_OK;
	return walk(c, src, src->fields, dst->fields);
}
