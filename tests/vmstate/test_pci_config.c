/*
 * test_pci_config.c - vmstate/pci_config.c: PCI configuration space decoder.
 *
 * Synthetic configs built byte by byte from the PCI Local Bus 3.0 and PCI
 * Express Base layouts (docs/pci-config.md), including malformed capability
 * lists (loops, pointers into the header, pointers out of range), and a
 * random-bytes run that must end without a crash (run under ASan/UBSan).
 * Real configs from the QEMU 7.2 fixtures are checked in
 * test_virtio_facts.c, against the sidecars.
 */
#include "fixtures.h"

#include <stdlib.h>
#include <string.h>

#include "vmstate/pci_config.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/* A type 0 header with the capability list bit set and list head `head`. */
static void header(uint8_t *cfg, size_t len, uint8_t head)
{
	memset(cfg, 0, len);
	put16(cfg + 0x00, 0x1af4);
	put16(cfg + 0x02, 0x1041);
	put16(cfg + 0x06, head ? 0x10 : 0);
	cfg[0x08] = 1;
	cfg[0x09] = 0x00;
	cfg[0x0a] = 0x00;
	cfg[0x0b] = 0x02;
	put16(cfg + 0x2c, 0x1af4);
	put16(cfg + 0x2e, 0x1100);
	cfg[0x34] = head;
	cfg[0x3d] = 1;
}

static void test_pci_config__header_registers(void **state)
{
	uint8_t cfg[256];
	vmc__pci_config c;

	(void)state;
	header(cfg, sizeof(cfg), 0);
	cfg[0x0e] = 0x80;
	cfg[0x3c] = 11;
	put16(cfg + 0x04, 0x0007);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.size, 256);
	assert_int_equal(c.vendor_id, 0x1af4);
	assert_int_equal(c.device_id, 0x1041);
	assert_int_equal(c.command, 7);
	assert_int_equal(c.revision, 1);
	assert_int_equal(c.class_code, 0x020000);
	assert_int_equal(c.subsystem_vendor_id, 0x1af4);
	assert_int_equal(c.subsystem_id, 0x1100);
	assert_int_equal(c.interrupt_pin, 1);
	assert_int_equal(c.interrupt_line, 11);
	assert_int_equal(c.header_layout, 0);
	assert_int_equal(c.multifunction, 1);
	assert_int_equal(c.nbars, 6);
	assert_int_equal(c.rom_offset, 0x30);
	assert_int_equal(c.ncaps, 0);
	assert_string_equal(c.caps_error, "");
	assert_false(c.has_ext);
	/* Too short, NULL: EINVAL, nothing else. */
	assert_int_equal(vmc__pci_config_decode(&c, cfg, 63, 0), VMC_EINVAL);
	assert_int_equal(vmc__pci_config_decode(&c, NULL, 256, 0), VMC_EINVAL);
	assert_int_equal(vmc__pci_config_decode(NULL, cfg, 256, 0), VMC_EINVAL);
}

static void test_pci_config__bars(void **state)
{
	uint8_t cfg[256];
	vmc__pci_config c;

	(void)state;
	header(cfg, sizeof(cfg), 0);
	put32(cfg + 0x10, 0x00000001);  /* I/O, unprogrammed (as QEMU saves it)  */
	put32(cfg + 0x14, 0xfebf1000);  /* mem32, programmed at 0xfebf1000      */
	put32(cfg + 0x18, 0xffffffe1);  /* I/O after a sizing write: 32 bytes   */
	put32(cfg + 0x1c, 0x00000002);  /* mem, type 01 (below 1 MiB)          */
	put32(cfg + 0x20, 0x0000000c);  /* mem64 prefetchable, unprogrammed     */
	put32(cfg + 0x24, 0x00000000);
	put32(cfg + 0x30, 0xfeb80001);  /* ROM, enabled                         */
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.bars[0].kind, VMC_PCI_BAR_IO);
	assert_int_equal(c.bars[0].address, 0);
	assert_false(c.bars[0].size_known);
	assert_int_equal(c.bars[0].size_max, 0);
	assert_int_equal(c.bars[1].kind, VMC_PCI_BAR_MEM32);
	assert_false(c.bars[1].prefetchable);
	assert_int_equal(c.bars[1].address, 0xfebf1000u);
	assert_false(c.bars[1].size_known);
	assert_int_equal(c.bars[1].size_max, 0x1000); /* aligned to 4 KiB */
	assert_int_equal(c.bars[2].kind, VMC_PCI_BAR_IO);
	assert_true(c.bars[2].size_known);
	assert_int_equal(c.bars[2].size, 0x20);
	assert_int_equal(c.bars[3].kind, VMC_PCI_BAR_MEM1M);
	assert_int_equal(c.bars[4].kind, VMC_PCI_BAR_MEM64);
	assert_true(c.bars[4].prefetchable);
	assert_int_equal(c.bars[4].raw, 0xc);
	assert_false(c.bars[4].size_known);
	assert_int_equal(c.bars[5].kind, VMC_PCI_BAR_MEM64_HI);
	assert_int_equal(c.rom_raw, 0xfeb80001u);
	assert_string_equal(vmc__pci_bar_kind_name(c.bars[4].kind), "mem64");
	assert_string_equal(vmc__pci_bar_kind_name(99), "unknown");

	/* A 64-bit BAR in the last slot has no upper dword. */
	header(cfg, sizeof(cfg), 0);
	put32(cfg + 0x24, 0x00000004);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.bars[5].kind, VMC_PCI_BAR_MEM64);
	assert_true(c.bars[5].truncated);

	/* 64-bit sizing pattern over both dwords: 16 KiB. */
	header(cfg, sizeof(cfg), 0);
	put32(cfg + 0x20, 0xffffc00c);
	put32(cfg + 0x24, 0xffffffff);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_true(c.bars[4].size_known);
	assert_int_equal(c.bars[4].size, 0x4000);

	/* Type 1 header: two BARs, ROM at 0x38. */
	header(cfg, sizeof(cfg), 0);
	cfg[0x0e] = 0x01;
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.nbars, 2);
	assert_int_equal(c.rom_offset, 0x38);
}

/* QEMU's conventional virtio-pci list (stream-format.md §11.2):
 * 0x98 MSI-X -> 0x84 PCI_CFG -> 0x70 NOTIFY -> 0x60 DEVICE -> 0x50 ISR ->
 * 0x40 COMMON. */
static void virtio_caps(uint8_t *cfg)
{
	static const struct {
		uint8_t at, next, len, type;
		uint32_t off;
	} v[] = {{0x84, 0x70, 20, 5, 0},      {0x70, 0x60, 20, 2, 0x3000},
		 {0x60, 0x50, 16, 4, 0x2000}, {0x50, 0x40, 16, 3, 0x1000},
		 {0x40, 0x00, 16, 1, 0x0000}};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t *p = cfg + v[i].at;
		p[0] = 0x09;
		p[1] = v[i].next;
		p[2] = v[i].len;
		p[3] = v[i].type;
		p[4] = v[i].type == 5 ? 0 : 4;
		put32(p + 8, v[i].off);
		put32(p + 12, v[i].type == 5 ? 0 : 0x1000);
		if (v[i].type == 2)
			put32(p + 16, 4);
	}
	cfg[0x98] = 0x11;
	cfg[0x99] = 0x84;
	put16(cfg + 0x9a, 0x8003); /* enabled, 4 entries */
	put32(cfg + 0x9c, 0x00000001);
	put32(cfg + 0xa0, 0x00000801);
}

static void test_pci_config__virtio_capability_list(void **state)
{
	uint8_t cfg[256];
	vmc__pci_config c;
	static const uint8_t order[] = {0x98, 0x84, 0x70, 0x60, 0x50, 0x40};
	size_t i;

	(void)state;
	header(cfg, sizeof(cfg), 0x98);
	virtio_caps(cfg);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), VMC_PCI_DECODE_VIRTIO_CAPS),
			 VMC_OK);
	assert_string_equal(c.caps_error, "");
	assert_int_equal(c.ncaps, 6);
	for (i = 0; i < 6; i++)
		assert_int_equal(c.caps[i].offset, order[i]);
	assert_int_equal(c.caps[0].body, VMC_PCI_BODY_MSIX);
	assert_int_equal(c.caps[0].u.msix.table_size, 4);
	assert_true(c.caps[0].u.msix.enabled);
	assert_false(c.caps[0].u.msix.function_mask);
	assert_int_equal(c.caps[0].u.msix.table_bar, 1);
	assert_int_equal(c.caps[0].u.msix.table_offset, 0);
	assert_int_equal(c.caps[0].u.msix.pba_bar, 1);
	assert_int_equal(c.caps[0].u.msix.pba_offset, 0x800);
	assert_int_equal(c.caps[1].body, VMC_PCI_BODY_VIRTIO);
	assert_int_equal(c.caps[1].u.virtio.cfg_type, 5);
	assert_string_equal(vmc__pci_virtio_cfg_type_name(5), "pci-cfg");
	assert_int_equal(c.caps[2].u.virtio.cfg_type, 2);
	assert_true(c.caps[2].u.virtio.has_multiplier);
	assert_int_equal(c.caps[2].u.virtio.notify_off_multiplier, 4);
	assert_int_equal(c.caps[2].u.virtio.offset, 0x3000);
	assert_int_equal(c.caps[5].u.virtio.cfg_type, 1);
	assert_int_equal(c.caps[5].u.virtio.bar, 4);
	assert_int_equal(c.caps[5].u.virtio.length, 0x1000);
	assert_false(c.express);

	/* Without the flag, vendor capabilities keep their header only. */
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.caps[1].body, VMC_PCI_BODY_NONE);
	assert_string_equal(vmc__pci_cap_name(c.caps[1].id), "VNDR");
}

static void test_pci_config__pcie_pm_and_extended(void **state)
{
	uint8_t cfg[4096];
	vmc__pci_config c;

	(void)state;
	header(cfg, sizeof(cfg), 0x7c);
	/* PM at 0x7c -> PCIe at 0x40, as QEMU 7.2 lays out a virtio function
	 * behind a root port (virtio_pci_realize). */
	cfg[0x7c] = 0x01;
	cfg[0x7d] = 0x40;
	put16(cfg + 0x7e, 0x0003);
	put16(cfg + 0x80, 0x0008);
	cfg[0x40] = 0x10;
	cfg[0x41] = 0x00;
	put16(cfg + 0x42, 0x0002);      /* version 2, endpoint */
	put32(cfg + 0x44, 0x10008000);  /* FLR, role-based error reporting */
	put32(cfg + 0x4c, 0x00000411);
	put16(cfg + 0x52, 0x0011);
	put32(cfg + 0x64, 0x00300000);
	/* AER at 0x100 -> ATS at 0x148 -> ARI at 0x150 (end). */
	put32(cfg + 0x100, 0x0001u | 2u << 16 | 0x148u << 20);
	put32(cfg + 0x148, 0x000fu | 1u << 16 | 0x150u << 20);
	put32(cfg + 0x150, 0x000eu | 1u << 16);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, 2);
	assert_int_equal(c.caps[0].body, VMC_PCI_BODY_PM);
	assert_int_equal(c.caps[0].u.pm.pmc, 3);
	assert_int_equal(c.caps[0].u.pm.pmcsr, 8);
	assert_int_equal(c.caps[1].body, VMC_PCI_BODY_PCIE);
	assert_int_equal(c.caps[1].u.pcie.version, 2);
	assert_int_equal(c.caps[1].u.pcie.port_type, 0);
	assert_string_equal(vmc__pci_port_type_name(0), "endpoint");
	assert_string_equal(vmc__pci_port_type_name(4), "root-port");
	assert_true(c.caps[1].u.pcie.flr);
	assert_int_equal(c.caps[1].u.pcie.lnksta, 0x11);
	assert_true(c.caps[1].u.pcie.has_v2);
	assert_int_equal(c.caps[1].u.pcie.devcap2, 0x00300000);
	assert_true(c.express);
	assert_true(vmc__pci_config_has_express(cfg, sizeof(cfg)));
	assert_true(c.has_ext);
	assert_string_equal(c.ext_caps_error, "");
	assert_int_equal(c.next_caps, 3);
	assert_int_equal(c.ext_caps[0].offset, 0x100);
	assert_string_equal(vmc__pci_ext_cap_name(c.ext_caps[0].id), "AER");
	assert_int_equal(c.ext_caps[0].version, 2);
	assert_string_equal(vmc__pci_ext_cap_name(c.ext_caps[1].id), "ATS");
	assert_string_equal(vmc__pci_ext_cap_name(c.ext_caps[2].id), "ARI");
	assert_string_equal(vmc__pci_ext_cap_name(0x0010), "SRIOV");
	assert_string_equal(vmc__pci_ext_cap_name(0x7fff), "unknown");

	/* An empty extended list: a NULL header (QEMU's default) or all ones. */
	put32(cfg + 0x100, 0);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.next_caps, 0);
	put32(cfg + 0x100, 0xffffffffu);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.next_caps, 0);
	assert_string_equal(c.ext_caps_error, "");
}

static void test_pci_config__malformed_lists_are_facts(void **state)
{
	uint8_t cfg[4096];
	vmc__pci_config c;

	(void)state;
	/* Loop: 0x40 -> 0x50 -> 0x40. */
	header(cfg, sizeof(cfg), 0x40);
	cfg[0x40] = 0x05;
	cfg[0x41] = 0x50;
	cfg[0x50] = 0x05;
	cfg[0x51] = 0x40;
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, 2);
	assert_non_null(strstr(c.caps_error, "loops"));
	/* A capability pointing at itself. */
	cfg[0x41] = 0x40;
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, 1);
	assert_non_null(strstr(c.caps_error, "0x40 is visited twice"));
	/* Into the header. */
	cfg[0x41] = 0x10;
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, 1);
	assert_non_null(strstr(c.caps_error, "points into the header"));
	header(cfg, sizeof(cfg), 0x3c);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, 0);
	assert_non_null(strstr(c.caps_error, "0x3c"));
	/* Reserved low bits are masked: 0xff reads as 0xfc; a capability there
	 * has no room for an MSI-X body. */
	header(cfg, sizeof(cfg), 0xff);
	cfg[0xfc] = 0x11;
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, 1);
	assert_int_equal(c.caps[0].offset, 0xfc);
	assert_int_equal(c.caps[0].body, VMC_PCI_BODY_SHORT);
	assert_string_equal(c.caps_error, "");
	/* Status bit 4 clear: the pointer is not followed. */
	header(cfg, sizeof(cfg), 0x40);
	put16(cfg + 0x06, 0);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, 0);
	assert_non_null(strstr(c.caps_error, "status bit 4"));
	/* 48 capabilities fill every dword of 0x40..0xfc: the longest list. */
	header(cfg, sizeof(cfg), 0x40);
	{
		unsigned at;
		for (at = 0x40; at <= 0xfc; at += 4) {
			cfg[at] = 0x05;
			cfg[at + 1] = (uint8_t)(at == 0xfc ? 0 : at + 4);
		}
	}
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.ncaps, VMC_PCI_MAX_CAPS);
	assert_string_equal(c.caps_error, "");
	/* Extended: loop, next below 0x100. */
	header(cfg, sizeof(cfg), 0);
	put32(cfg + 0x100, 0x0001u | 0x140u << 20);
	put32(cfg + 0x140, 0x000fu | 0x100u << 20);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.next_caps, 2);
	assert_non_null(strstr(c.ext_caps_error, "loops"));
	put32(cfg + 0x140, 0x000fu | 0x0c0u << 20);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_non_null(strstr(c.ext_caps_error, "out of range"));
	/* 12-bit pointers cannot leave 4096 bytes; the last dword is fine. */
	put32(cfg + 0x140, 0x000fu | 0xfffu << 20);
	put32(cfg + 0xffc, 0x000eu);
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_string_equal(c.ext_caps_error, "");
	assert_int_equal(c.next_caps, 3);
	assert_int_equal(c.ext_caps[2].offset, 0xffc);
	/* Every dword an extended capability pointing at the next: the list is
	 * cut at VMC_PCI_MAX_EXT_CAPS with a message. */
	{
		unsigned at;
		for (at = 0x100; at < 0x1000; at += 4)
			put32(cfg + at, 0x0001u | (at + 4 < 0x1000 ? at + 4 : 0) << 20);
	}
	assert_int_equal(vmc__pci_config_decode(&c, cfg, sizeof(cfg), 0), VMC_OK);
	assert_int_equal(c.next_caps, VMC_PCI_MAX_EXT_CAPS);
	assert_non_null(strstr(c.ext_caps_error, "more than"));
}

/* Any bytes decode, in bounded time, without touching memory outside the
 * buffer (ASan/UBSan in the sanitizer build). */
static void test_pci_config__random_bytes(void **state)
{
	uint8_t *cfg = malloc(4096);
	vmc__pci_config c;
	uint32_t x = 2463534242u;
	size_t round, i;

	(void)state;
	assert_non_null(cfg);
	for (round = 0; round < 4000; round++) {
		size_t len = round % 3 == 0 ? 4096 : round % 3 == 1 ? 256 : 64 + round % 192;
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			cfg[i] = (uint8_t)x;
		}
		if (round & 1)
			cfg[6] |= 0x10; /* often walk the list */
		assert_int_equal(vmc__pci_config_decode(&c, cfg, len, VMC_PCI_DECODE_VIRTIO_CAPS),
				 VMC_OK);
		assert_true(c.ncaps <= VMC_PCI_MAX_CAPS);
		assert_true(c.next_caps <= VMC_PCI_MAX_EXT_CAPS);
	}
	free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pci_config__header_registers),
		cmocka_unit_test(test_pci_config__bars),
		cmocka_unit_test(test_pci_config__virtio_capability_list),
		cmocka_unit_test(test_pci_config__pcie_pm_and_extended),
		cmocka_unit_test(test_pci_config__malformed_lists_are_facts),
		cmocka_unit_test(test_pci_config__random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
