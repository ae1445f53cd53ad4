/*
 * pci_config.c - PCI configuration space decoder (see pci_config.h).
 *
 * Stage: vmstate facts.  Input: the config bytes a PCIDevice saves
 * (vmstate_pci_device "config", hw/pci/pci.c; stream-format.md §10.2 item
 * 1), 256 bytes for conventional PCI or 4096 for PCI Express.  Output: a
 * vmc__pci_config with the header registers, the BARs, the ROM BAR, the
 * standard capability list and (4096 bytes only) the extended capability
 * list, with the bodies of MSI-X, PCI Express, power management and virtio
 * vendor capabilities decoded.
 *
 * Invariants: every read is bounds-checked against len; the walks are
 * bounded (48 standard capabilities, a visited map per dword, pointers in
 * range), so any byte string decodes in bounded time.  Nothing allocates.
 *
 * Non-goals: which device this is, and what QEMU would accept: that is
 * vmstate/virtio_facts.c with rules/virtio-families.yaml, and the checks of
 * stream-format.md §12.  Registers are little-endian, as on hardware.
 *
 * Type 0 header (PCI Local Bus 3.0 §6.1; docs/pci-config.md has all):
 *
 *   OFFSET SIZE  FIELD                  OFFSET SIZE  FIELD
 *   0x00   2     vendor ID              0x10   24    BAR0..BAR5
 *   0x02   2     device ID              0x28   4     CardBus CIS pointer
 *   0x04   2     command                0x2c   2     subsystem vendor ID
 *   0x06   2     status (bit 4 = list)  0x2e   2     subsystem ID
 *   0x08   1     revision ID            0x30   4     expansion ROM BAR
 *   0x09   3     class code (prog-if,   0x34   1     capabilities pointer
 *                subclass, base class)  0x3c   1     interrupt line
 *   0x0c   1     cache line size        0x3d   1     interrupt pin
 *   0x0d   1     latency timer          0x3e   1     min_gnt
 *   0x0e   1     header type            0x3f   1     max_lat
 *   0x0f   1     BIST
 *
 * Type 1 (bridge) headers have BAR0..1 only and the ROM BAR at 0x38.
 */
#include "pci_config.h"

#include "vmcompat.h"

#include <stdio.h>
#include <string.h>

#define PCI_STATUS_CAP_LIST 0x10u
#define PCI_CAPABILITY_LIST 0x34u
#define PCI_STD_HEADER_END 0x40u
#define PCI_EXT_CAP_START 0x100u

#define CAP_ID_PM 0x01u
#define CAP_ID_VNDR 0x09u
#define CAP_ID_EXP 0x10u
#define CAP_ID_MSIX 0x11u

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- names (PCI Code and ID Assignment Specification 1.11) ------------ */

typedef struct name16 {
	uint16_t id;
	const char *name;
} name16;

static const name16 cap_names[] = {
	{0x01, "PM"},         {0x02, "AGP"},          {0x03, "VPD"},
	{0x04, "SLOTID"},     {0x05, "MSI"},          {0x06, "CHSWP"},
	{0x07, "PCIX"},       {0x08, "HT"},           {0x09, "VNDR"},
	{0x0a, "DBG"},        {0x0b, "CCRC"},         {0x0c, "SHPC"},
	{0x0d, "SSVID"},      {0x0e, "AGP3"},         {0x0f, "SECDEV"},
	{0x10, "EXP"},        {0x11, "MSIX"},         {0x12, "SATA"},
	{0x13, "AF"},         {0x14, "EA"},           {0x15, "FPB"},
};

static const name16 ext_cap_names[] = {
	{0x0001, "AER"},      {0x0002, "VC"},         {0x0003, "DSN"},
	{0x0004, "PWR"},      {0x0005, "RCLD"},       {0x0006, "RCILC"},
	{0x0007, "RCEC"},     {0x0008, "MFVC"},       {0x0009, "VC9"},
	{0x000a, "RCRB"},     {0x000b, "VNDR"},       {0x000c, "CAC"},
	{0x000d, "ACS"},      {0x000e, "ARI"},        {0x000f, "ATS"},
	{0x0010, "SRIOV"},    {0x0011, "MRIOV"},      {0x0012, "MCAST"},
	{0x0013, "PRI"},      {0x0015, "REBAR"},      {0x0016, "DPA"},
	{0x0017, "TPH"},      {0x0018, "LTR"},        {0x0019, "SECPCI"},
	{0x001a, "PMUX"},     {0x001b, "PASID"},      {0x001c, "LNR"},
	{0x001d, "DPC"},      {0x001e, "L1SS"},       {0x001f, "PTM"},
	{0x0020, "MPCIE"},    {0x0021, "FRS"},        {0x0022, "RTR"},
	{0x0023, "DVSEC"},    {0x0024, "VF_REBAR"},   {0x0025, "DLF"},
	{0x0026, "PL_16GT"},  {0x0027, "LMR"},        {0x0028, "HIER_ID"},
	{0x0029, "NPEM"},     {0x002a, "PL_32GT"},    {0x002b, "ALT_PROT"},
	{0x002c, "SFI"},      {0x002e, "DOE"},        {0x0031, "PL_64GT"},
};

static const char *lookup(const name16 *t, size_t n, uint16_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return t[i].name;
	return "unknown";
}

const char *vmc__pci_cap_name(uint8_t id)
{
	return lookup(cap_names, sizeof(cap_names) / sizeof(cap_names[0]), id);
}

const char *vmc__pci_ext_cap_name(uint16_t id)
{
	return lookup(ext_cap_names, sizeof(ext_cap_names) / sizeof(ext_cap_names[0]), id);
}

const char *vmc__pci_bar_kind_name(uint32_t kind)
{
	static const char *const names[] = {"io", "mem32", "mem1m", "mem64", "mem64-upper",
					    "reserved"};
	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

/* PCI Express Base 4.0 §7.5.3.2, Device/Port Type. */
const char *vmc__pci_port_type_name(uint8_t type)
{
	static const char *const names[] = {
		"endpoint",          "legacy-endpoint", "unknown",         "unknown",
		"root-port",         "upstream-port",   "downstream-port", "pcie-to-pci-bridge",
		"pci-to-pcie-bridge", "rc-integrated-endpoint", "rc-event-collector"};
	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

/* Virtio 1.1 §4.1.4 (VIRTIO_PCI_CAP_*_CFG, include/standard-headers/linux/
 * virtio_pci.h). */
const char *vmc__pci_virtio_cfg_type_name(uint8_t cfg_type)
{
	static const char *const names[] = {"unknown", "common", "notify", "isr",
					    "device",  "pci-cfg", "unknown", "unknown",
					    "shared-memory"};
	return cfg_type < sizeof(names) / sizeof(names[0]) ? names[cfg_type] : "unknown";
}

/* ---- BARs ------------------------------------------------------------- */

/*
 * Register layout (PCI Local Bus 3.0 §6.2.5.1):
 *   I/O:    bit 0 = 1, bit 1 reserved, bits 31:2 address
 *   memory: bit 0 = 0, bits 2:1 type (00 32-bit, 01 <1 MiB, 10 64-bit),
 *           bit 3 prefetchable, bits 31:4 address (64-bit: + next dword)
 * QEMU stores an unprogrammed BAR as its type bits alone (pci_register_bar
 * writes `type` into config); the size lives in wmask, which is not
 * migrated.  So the size is unknown, with two exceptions:
 *  - a register caught after a sizing write of all ones holds ~(size - 1)
 *    (QEMU keeps value & wmask, pci_default_write_config): the address
 *    bits are all ones from bit log2(size) to the top of the register;
 *  - a programmed address bounds the size, since a BAR is naturally
 *    aligned to its size (size_max).
 */
static void decode_bars(vmc__pci_config *c, const uint8_t *cfg)
{
	size_t i;

	for (i = 0; i < c->nbars; i++) {
		vmc__pci_bar *b = &c->bars[i];
		uint32_t lo = le32(cfg + 0x10 + 4 * i);

		b->index = (uint8_t)i;
		b->offset = (uint16_t)(0x10 + 4 * i);
		b->raw = lo;
		if (i > 0 && c->bars[i - 1].kind == VMC_PCI_BAR_MEM64) {
			b->kind = VMC_PCI_BAR_MEM64_HI;
			continue;
		}
		if (lo & 1u) {
			b->kind = VMC_PCI_BAR_IO;
			b->address = lo & ~3u;
		} else {
			static const uint8_t kinds[4] = {VMC_PCI_BAR_MEM32, VMC_PCI_BAR_MEM1M,
							 VMC_PCI_BAR_MEM64, VMC_PCI_BAR_RESERVED};
			b->kind = kinds[(lo >> 1) & 3u];
			b->prefetchable = (lo >> 3) & 1u;
			b->address = lo & ~15u;
			if (b->kind == VMC_PCI_BAR_MEM64) {
				if (i + 1 < c->nbars) {
					uint64_t hi = le32(cfg + 0x10 + 4 * (i + 1));
					b->raw |= hi << 32;
					b->address |= hi << 32;
				} else {
					b->truncated = 1;
				}
			}
		}
		if (b->address) {
			uint64_t width = b->kind == VMC_PCI_BAR_MEM64 && !b->truncated
						 ? ~(uint64_t)0
						 : 0xffffffffu;
			uint64_t low = b->address & (~b->address + 1);

			if (((b->address | (low - 1)) & width) == width) {
				b->size_known = 1;
				b->size = low;
			} else {
				b->size_max = low;
			}
		}
	}
}

/* ---- capability bodies -------------------------------------------------- */

/* Bytes readable from off on, within the first `limit` bytes. */
static size_t room(size_t off, size_t limit)
{
	return off < limit ? limit - off : 0;
}

static void decode_cap_body(vmc__pci_cap *cap, const uint8_t *cfg, size_t len, uint32_t flags)
{
	const uint8_t *p = cfg + cap->offset;
	/* Standard capabilities live in the first 256 bytes. */
	size_t avail = room(cap->offset, len < 256 ? len : 256);

	switch (cap->id) {
	case CAP_ID_MSIX: {
		vmc__pci_msix *m = &cap->u.msix;
		uint32_t t, pba;

		if (avail < 12) {
			cap->body = VMC_PCI_BODY_SHORT;
			return;
		}
		m->control = le16(p + 2);
		m->table_size = (uint16_t)((m->control & 0x7ffu) + 1);
		m->enabled = (m->control >> 15) & 1u;
		m->function_mask = (m->control >> 14) & 1u;
		t = le32(p + 4);
		pba = le32(p + 8);
		m->table_bar = t & 7u;
		m->table_offset = t & ~7u;
		m->pba_bar = pba & 7u;
		m->pba_offset = pba & ~7u;
		cap->body = VMC_PCI_BODY_MSIX;
		return;
	}
	case CAP_ID_VNDR: {
		vmc__pci_virtio_cap *v = &cap->u.virtio;

		if (!(flags & VMC_PCI_DECODE_VIRTIO_CAPS))
			return;
		/* struct virtio_pci_cap: vndr, next, len, cfg_type, bar, id,
		 * padding[2], le32 offset, le32 length (16 bytes). */
		if (avail < 16) {
			cap->body = VMC_PCI_BODY_SHORT;
			return;
		}
		v->cap_len = p[2];
		v->cfg_type = p[3];
		v->bar = p[4];
		v->id = p[5];
		v->offset = le32(p + 8);
		v->length = le32(p + 12);
		/* struct virtio_pci_notify_cap adds le32 notify_off_multiplier. */
		if (v->cfg_type == 2 && v->cap_len >= 20 && avail >= 20) {
			v->has_multiplier = 1;
			v->notify_off_multiplier = le32(p + 16);
		}
		cap->body = VMC_PCI_BODY_VIRTIO;
		return;
	}
	case CAP_ID_EXP: {
		vmc__pci_pcie *e = &cap->u.pcie;

		/* Version 1 capabilities end after Link Status (0x14 bytes);
		 * version 2 adds the *2 registers up to 0x3c. */
		if (avail < 0x14) {
			cap->body = VMC_PCI_BODY_SHORT;
			return;
		}
		e->flags = le16(p + 2);
		e->version = e->flags & 0xfu;
		e->port_type = (e->flags >> 4) & 0xfu;
		e->slot = (e->flags >> 8) & 1u;
		e->devcap = le32(p + 4);
		e->max_payload = e->devcap & 7u;
		e->flr = (e->devcap >> 28) & 1u;
		e->devctl = le16(p + 8);
		e->devsta = le16(p + 10);
		e->lnkcap = le32(p + 12);
		e->lnkctl = le16(p + 16);
		e->lnksta = le16(p + 18);
		if (e->version >= 2 && avail >= 0x28) {
			e->has_v2 = 1;
			e->devcap2 = le32(p + 0x24);
		}
		cap->body = VMC_PCI_BODY_PCIE;
		return;
	}
	case CAP_ID_PM:
		if (avail < 8) {
			cap->body = VMC_PCI_BODY_SHORT;
			return;
		}
		cap->u.pm.pmc = le16(p + 2);
		cap->u.pm.pmcsr = le16(p + 4);
		cap->body = VMC_PCI_BODY_PM;
		return;
	default:
		return;
	}
}

/* ---- capability lists ----------------------------------------------------- */

/*
 * Standard list (PCI Local Bus 3.0 §6.7): head at 0x34 (type 0/1) when
 * Status bit 4 is set; each entry is {id, next}; a pointer's low two bits
 * are reserved and masked (as Linux's pci_find_next_cap does), and must
 * point at 0x40..0xfc.  Stops at next == 0.
 */
static void walk_caps(vmc__pci_config *c, const uint8_t *cfg, size_t len, uint32_t flags)
{
	uint8_t visited[256 / 4];
	uint8_t ptr;

	memset(visited, 0, sizeof(visited));
	if (!(c->status & PCI_STATUS_CAP_LIST)) {
		if (c->cap_ptr)
			snprintf(c->caps_error, sizeof(c->caps_error),
				 "status bit 4 (capability list) is clear but the capability "
				 "pointer is 0x%02x; list not walked",
				 c->cap_ptr);
		return;
	}
	ptr = c->cap_ptr;
	while (ptr) {
		uint8_t at = ptr & 0xfcu;
		vmc__pci_cap *cap;

		if (at < PCI_STD_HEADER_END) {
			snprintf(c->caps_error, sizeof(c->caps_error),
				 "capability pointer 0x%02x points into the header (below 0x40)",
				 ptr);
			return;
		}
		if (visited[at / 4]) {
			snprintf(c->caps_error, sizeof(c->caps_error),
				 "capability list loops: 0x%02x is visited twice", at);
			return;
		}
		if (c->ncaps == VMC_PCI_MAX_CAPS) {
			snprintf(c->caps_error, sizeof(c->caps_error),
				 "more than %u capabilities", VMC_PCI_MAX_CAPS);
			return;
		}
		visited[at / 4] = 1;
		cap = &c->caps[c->ncaps++];
		cap->offset = at;
		cap->id = cfg[at];
		cap->next = cfg[at + 1];
		decode_cap_body(cap, cfg, len, flags);
		if (cap->id == CAP_ID_EXP)
			c->express = 1;
		ptr = cap->next;
	}
}

/*
 * Extended list (PCI Express Base 4.0 §7.6): headers at 0x100.., each a
 * le32 {id 15:0, version 19:16, next 31:20}.  A header of 0 (or all ones)
 * at 0x100 means "no extended capabilities".  next is masked with ~3 and
 * must be >= 0x100; 0 ends the list.
 */
static void walk_ext_caps(vmc__pci_config *c, const uint8_t *cfg, size_t len)
{
	uint8_t visited[(VMC_PCIE_CONFIG_SIZE - PCI_EXT_CAP_START) / 4];
	size_t at = PCI_EXT_CAP_START;
	/* The walk never looks past 4096 bytes, whatever len is. */
	size_t limit = len < VMC_PCIE_CONFIG_SIZE ? len : VMC_PCIE_CONFIG_SIZE;
	uint32_t h = le32(cfg + at);

	memset(visited, 0, sizeof(visited));
	c->has_ext = 1;
	if (h == 0 || h == 0xffffffffu)
		return;
	for (;;) {
		vmc__pci_ext_cap *x;
		size_t next;

		if (visited[(at - PCI_EXT_CAP_START) / 4]) {
			snprintf(c->ext_caps_error, sizeof(c->ext_caps_error),
				 "extended capability list loops: 0x%03zx is visited twice", at);
			return;
		}
		visited[(at - PCI_EXT_CAP_START) / 4] = 1;
		h = le32(cfg + at);
		if (c->next_caps == VMC_PCI_MAX_EXT_CAPS) {
			snprintf(c->ext_caps_error, sizeof(c->ext_caps_error),
				 "more than %u extended capabilities; the rest are not listed",
				 VMC_PCI_MAX_EXT_CAPS);
			return;
		}
		x = &c->ext_caps[c->next_caps++];
		x->offset = (uint16_t)at;
		x->id = (uint16_t)(h & 0xffffu);
		x->version = (uint8_t)((h >> 16) & 0xfu);
		x->next = (uint16_t)(h >> 20);
		next = x->next & ~3u;
		if (next == 0)
			return;
		if (next < PCI_EXT_CAP_START || next + 4 > limit) {
			snprintf(c->ext_caps_error, sizeof(c->ext_caps_error),
				 "extended capability at 0x%03zx: next pointer 0x%03x is out of "
				 "range (0x100..0x%03zx)",
				 at, x->next, limit - 4);
			return;
		}
		at = next;
	}
}

/* ---- entry points --------------------------------------------------------- */

int vmc__pci_config_has_express(const uint8_t *cfg, size_t len)
{
	vmc__pci_config c;

	if (vmc__pci_config_decode(&c, cfg, len < 256 ? len : 256, 0) != VMC_OK)
		return 0;
	return c.express;
}

int vmc__pci_config_decode(vmc__pci_config *out, const uint8_t *cfg, size_t len,
			   uint32_t flags)
{
	vmc__pci_config *c = out;

	if (!out || !cfg || len < PCI_STD_HEADER_END)
		return VMC_EINVAL;
	memset(c, 0, sizeof(*c));
	c->size = len;
	c->vendor_id = le16(cfg + 0x00);
	c->device_id = le16(cfg + 0x02);
	c->command = le16(cfg + 0x04);
	c->status = le16(cfg + 0x06);
	c->revision = cfg[0x08];
	c->prog_if = cfg[0x09];
	c->subclass = cfg[0x0a];
	c->base_class = cfg[0x0b];
	c->class_code = (uint32_t)c->base_class << 16 | (uint32_t)c->subclass << 8 | c->prog_if;
	c->cache_line = cfg[0x0c];
	c->latency = cfg[0x0d];
	c->header_type = cfg[0x0e];
	c->header_layout = c->header_type & 0x7fu;
	c->multifunction = c->header_type >> 7;
	c->bist = cfg[0x0f];
	c->interrupt_line = cfg[0x3c];
	c->interrupt_pin = cfg[0x3d];
	switch (c->header_layout) {
	case 0:
		c->nbars = 6;
		c->subsystem_vendor_id = le16(cfg + 0x2c);
		c->subsystem_id = le16(cfg + 0x2e);
		c->rom_offset = 0x30;
		c->cap_ptr = cfg[PCI_CAPABILITY_LIST];
		break;
	case 1:
		c->nbars = 2;
		c->rom_offset = 0x38;
		c->cap_ptr = cfg[PCI_CAPABILITY_LIST];
		break;
	default:
		/* CardBus (type 2) keeps its list head at 0x14; not decoded. */
		snprintf(c->caps_error, sizeof(c->caps_error),
			 "header type 0x%02x: capability list not decoded", c->header_layout);
		return VMC_OK;
	}
	decode_bars(c, cfg);
	c->rom_raw = le32(cfg + c->rom_offset);
	if (len >= 256)
		walk_caps(c, cfg, len, flags);
	if (len >= VMC_PCIE_CONFIG_SIZE)
		walk_ext_caps(c, cfg, len);
	return VMC_OK;
}
