/*
 * test_config_xml.c - parsers/config_xml.c: libvirt domain XML mapped to
 * the QEMU devices libvirt 9.0 builds (docs/config-input.md).
 *
 * Inputs: fixtures/libvirt/domain.xml (the XML inside the libvirt save
 * fixtures) and the XMLs in tests/data/config/, written to cover every mapped
 * element.  Each expectation was checked against libvirt 9.0.0's own
 * qemuxml2argv outputs for the same elements (tests/qemuxml2argvdata/
 * NAME.x86_64-latest.args: virtio-transitional, virtio-options,
 * pcie-root-port-nohotplug, net-virtio-rombar, disk-virtio, ...); the
 * functions each line comes from are named in config_xml.c.
 * Malformed input: an unclosed element, a DOCTYPE with entities (refused
 * before libxml2 runs), and small inline edits.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ctx.h"
#include "parsers/config.h"
#include "config_render.h"

/* ---- helpers ---------------------------------------------------------- */


static char *read_data(const char *name, size_t *len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/data/config/%s", VMC_SOURCE_DIR, name);
	return (char *)vmc_test_slurp(path, len);
}

/* Parse tests/data/config/<name> and compare with expect. */
static void check_file(const char *name, const char *expect)
{
	size_t len;
	char *xml = read_data(name, &len), *got;
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	int rc;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	rc = vmc__config_parse_domain_xml(&cfg, ctx, xml, len, name);
	if (rc != VMC_OK)
		fail_msg("%s: %d %s: %s", name, rc, vmc_error_last(ctx)->path,
			 vmc_error_last(ctx)->message);
	got = vmc_test_render_config(cfg);
	if (strcmp(got, expect) != 0)
		fail_msg("%s: got\n%s\nexpected\n%s", name, got, expect);
	free(got);
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
	free(xml);
}

/* Parse text and expect an error with this code, path, offset (-1: none)
 * and message substring. */
static void expect_fail(const char *xml, int code, const char *path, int64_t offset,
			const char *msg)
{
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	const vmc_error *e;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse_domain_xml(&cfg, ctx, xml, strlen(xml), "t.xml"), code);
	assert_null(cfg);
	e = vmc_error_last(ctx);
	assert_int_equal(e->code, code);
	assert_string_equal(e->path, path);
	if (offset < 0) {
		assert_int_equal(e->has_offset, 0);
	} else {
		assert_int_equal(e->has_offset, 1);
		assert_int_equal(e->offset, (uint64_t)offset);
	}
	if (!strstr(e->message, msg))
		fail_msg("message '%s' lacks '%s'", e->message, msg);
	vmc_ctx_free(ctx);
}

/* ---- mapped XML --------------------------------------------------------- */

/* The domain XML of the libvirt save fixtures (fixtures/libvirt/README.md):
 * memory 32 MiB, no <acpi/> (-> -no-acpi), USB none, video none, balloon
 * none, one virtio rng with no address. */
static void test_config_xml__libvirt_fixture(void **state)
{
	char *path = vmc_test_fixture("libvirt/domain.xml"), *xml, *got;
	size_t len;
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;

	(void)state;
	xml = (char *)vmc_test_slurp(path, &len);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse(&cfg, ctx, xml, len, "domain.xml"), VMC_OK);
	got = vmc_test_render_config(cfg);
	assert_string_equal(got, "machine=pc-i440fx-7.2 accel=tcg ram=33554432 smp=1 flags=0\n"
				 "machine uuid=5f0c5b1e-3a53-4c0e-9d7e-1f2a3b4c5d6e\n"
				 "machine acpi=off\n"
				 "-object rng-random,id=objrng0,filename=/dev/urandom\n"
				 "-device virtio-rng-pci,id=rng0,rng=objrng0 [domain.xml:13]\n");
	free(got);
	vmc__config_free(cfg);
	vmc_ctx_free(ctx);
	free(xml);
	free(path);
}

/* One of each virtio device on i440fx, every address given, every
 * <driver>/<rom>/<target> option libvirt maps. */
static void test_config_xml__i440fx_virtio(void **state)
{
	(void)state;
	check_file(
		"i440fx-virtio.xml",
		"machine=pc-i440fx-7.2 accel=kvm ram=1073741824 smp=2 flags=0\n"
		"machine uuid=6a1e4d3c-0b7e-4f0a-9c52-3d2e1f0a9b8c\n"
		"machine cpu=Skylake-Client\n"
		"-blockdev raw,id=libvirt-3-format\n"
		"-blockdev qcow2,id=libvirt-2-format\n"
		"-fsdev local,id=fsdev-fs0,security_model=mapped,fmode=0644,dmode=0755,"
		"writeout=immediate,path=/srv/share,readonly=on\n"
		"-netdev tap,id=hostnet0\n"
		"-netdev user,id=hostnet1\n"
		"-object rng-random,id=objrng0,filename=/dev/urandom\n"
		"-device pci-bridge,id=pci.1,chassis_nr=5,bus=pci.0,addr=0x8 [i440fx-virtio.xml:56]\n"
		"-device virtio-scsi-pci,id=scsi0,iothread=iothread2,num_queues=2,cmd_per_lun=64,"
		"max_sectors=1024,ioeventfd=on,bus=pci.0,addr=0x7 [i440fx-virtio.xml:52]\n"
		"-device virtio-serial-pci,id=virtio-serial0,iommu_platform=off,max_ports=16,"
		"vectors=4,bus=pci.0,addr=0x6 [i440fx-virtio.xml:48]\n"
		/* disks in libvirt's order (vda before vdb); <boot dev='cdrom'/>
		 * went to the IDE CD-ROM, 'hd' (2) to the first disk */
		"-device virtio-blk-pci,id=virtio-disk0,bus=pci.0,addr=0x4,drive=libvirt-3-format,"
		"bootindex=2,werror=stop,rerror=stop [i440fx-virtio.xml:31]\n"
		"-device virtio-blk-pci,id=virtio-disk1,iommu_platform=on,ats=on,packed=on,"
		"page-per-vq=on,iothread=iothread1,num-queues=4,queue-size=256,bus=pci.0,addr=0x5,"
		"drive=libvirt-2-format,logical_block_size=512,physical_block_size=4096,"
		"write-cache=on,serial=disk\\ two [i440fx-virtio.xml:23]\n"
		"-device virtio-9p-pci,id=fs0,packed=on,fsdev=fsdev-fs0,mount_tag=share,bus=pci.1,"
		"addr=0x1 [i440fx-virtio.xml:61]\n"
		"-device virtio-net-pci,id=net0,page-per-vq=on,tx=bh,ioeventfd=on,event_idx=off,"
		"csum=off,gso=off,host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off,"
		"mrg_rxbuf=off,guest_csum=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,"
		"guest_ufo=off,mq=on,vectors=10,rx_queue_size=512,tx_queue_size=256,rss=on,hash=on,"
		"host_mtu=9000,netdev=hostnet0,mac=52:54:00:aa:bb:cc,bus=pci.0,addr=0x3,rombar=0,"
		"romfile=/usr/share/qemu/pxe-virtio.rom [i440fx-virtio.xml:68]\n"
		"-device e1000,id=net1,netdev=hostnet1,mac=52:54:00:aa:bb:cd,bus=pci.1,addr=0x2,"
		"rombar=1 [i440fx-virtio.xml:80]\n"
		"-device virtio-balloon-pci,id=balloon0,ats=off,deflate-on-oom=on,"
		"free-page-reporting=on,bus=pci.0,addr=0x9 [i440fx-virtio.xml:93]\n"
		"-device virtio-rng-pci,id=rng0,rng=objrng0,max-bytes=1024,period=1000,bus=pci.0,"
		"addr=0xa [i440fx-virtio.xml:97]\n"
		"unmapped <disk type='file'> at i440fx-virtio.xml:37: disk on a bus other than "
		"virtio\n");
}

/* Q35: root ports (port/chassis given, and derived from the address), a
 * switch, DMI and PCIe-to-PCI bridges, multifunction, functions, and the
 * -transitional / -non-transitional names. */
static void test_config_xml__q35_transitional(void **state)
{
	(void)state;
	check_file(
		"q35-transitional.xml",
		/* 1048577 KiB rounded up to whole MiB */
		"machine=pc-q35-7.2 accel=tcg ram=1074790400 smp=2 flags=0\n"
		"machine acpi=off\n"
		"machine cpu=host\n"
		"-blockdev raw,id=libvirt-1-format\n"
		"-fsdev local,id=fsdev-fs0,security_model=passthrough,path=/srv\n"
		"-netdev tap,id=hostnet0\n"
		"-object rng-builtin,id=objrng0\n"
		"-device pcie-root-port,id=pci.1,port=16,chassis=1,bus=pcie.0,multifunction=on,"
		"addr=0x2 [q35-transitional.xml:15]\n"
		"-device pcie-root-port,id=pci.2,port=17,chassis=2,bus=pcie.0,addr=0x2.0x1 "
		"[q35-transitional.xml:20]\n"
		"-device pcie-pci-bridge,id=pci.3,bus=pci.2,addr=0x0 [q35-transitional.xml:23]\n"
		"-device i82801b11-bridge,id=pci.4,bus=pcie.0,addr=0x1e [q35-transitional.xml:26]\n"
		"-device pci-bridge,id=pci.5,chassis_nr=5,bus=pci.4,addr=0x0 "
		"[q35-transitional.xml:29]\n"
		"-device pcie-root-port,id=pci.6,port=18,chassis=6,hotplug=off,bus=pcie.0,"
		"addr=0x2.0x2 [q35-transitional.xml:32]\n"
		"-device x3130-upstream,id=pci.7,bus=pci.6,addr=0x0 [q35-transitional.xml:36]\n"
		"-device xio3130-downstream,id=pci.8,port=3,chassis=8,bus=pci.7,addr=0x3 "
		"[q35-transitional.xml:39]\n"
		"-device virtio-scsi-pci-transitional,id=scsi0,bus=pci.3,addr=0x1 "
		"[q35-transitional.xml:45]\n"
		"-device virtio-serial-pci-non-transitional,id=virtio-serial0,bus=pci.1,addr=0x0 "
		"[q35-transitional.xml:48]\n"
		"-device virtio-blk-pci-non-transitional,id=virtio-disk0,bus=pci.8,addr=0x0,"
		"drive=libvirt-1-format,bootindex=1 [q35-transitional.xml:51]\n"
		"-device virtio-9p-pci-transitional,id=fs0,fsdev=fsdev-fs0,mount_tag=srv,bus=pci.5,"
		"addr=0x1 [q35-transitional.xml:58]\n"
		"-device virtio-net-pci-transitional,id=net0,netdev=hostnet0,bootindex=2,bus=pci.3,"
		"addr=0x2,romfile= [q35-transitional.xml:63]\n"
		"-device virtio-balloon-pci-non-transitional,id=balloon0,bus=pcie.0,addr=0x2.0x3 "
		"[q35-transitional.xml:70]\n"
		"-device virtio-rng-pci-transitional,id=rng0,rng=objrng0,max-bytes=2048,period=500,"
		"bus=pci.5,addr=0x2 [q35-transitional.xml:73]\n");
}

/* No addresses, user aliases, an unindexed controller, <os><boot>, and
 * devices that are noted as unmapped rather than dropped. */
static void test_config_xml__q35_unmapped(void **state)
{
	(void)state;
	check_file("q35-unmapped.xml",
		   /* 1000 MB = 976562.5 KiB -> 976563 KiB -> 954 MiB */
		   "machine=q35 accel=kvm ram=1000341504 smp=1 flags=0\n"
		   "-blockdev raw,id=libvirt-1-format\n"
		   "-netdev user,id=hostua-nic\n"
		   "-object rng-egd,id=objrng0,chardev=charrng0\n"
		   "-device pcie-root-port,id=pci.1,chassis=1 [q35-unmapped.xml:21]\n"
		   "-device lsi,id=scsi0 [q35-unmapped.xml:23]\n"
		   "-device ahci,id=ua-sata [q35-unmapped.xml:24]\n"
		   /* shareable: cache none (write-cache=on); the SCSI disk
		    * took <boot dev='hd'/> */
		   "-device virtio-blk-pci,id=ua-data,acpi-index=7,share-rw=on,"
		   "drive=libvirt-1-format,write-cache=on [q35-unmapped.xml:31]\n"
		   "-device rtl8139,id=ua-nic,netdev=hostua-nic,bootindex=1 [q35-unmapped.xml:38]\n"
		   "-device virtio-balloon-pci,id=balloon0 [q35-unmapped.xml:61]\n"
		   "-device virtio-rng-pci,id=rng0,rng=objrng0 [q35-unmapped.xml:62]\n"
		   "unmapped <cpu> at q35-unmapped.xml:18: the CPU model depends on the host\n"
		   "unmapped <loader type='pflash'> at q35-unmapped.xml:11: pflash firmware\n"
		   "unmapped <controller type='usb'> at q35-unmapped.xml:22: USB controller\n"
		   "unmapped <disk type='file'> at q35-unmapped.xml:27: disk on a bus other than "
		   "virtio\n"
		   "unmapped <interface type='hostdev'> at q35-unmapped.xml:41: interface type\n"
		   "unmapped <serial type='pty'> at q35-unmapped.xml:46\n"
		   "unmapped <channel type='unix'> at q35-unmapped.xml:52\n"
		   "unmapped <input type='tablet'> at q35-unmapped.xml:55\n"
		   "unmapped <video> at q35-unmapped.xml:56\n"
		   "unmapped <sound> at q35-unmapped.xml:59\n"
		   "unmapped <watchdog> at q35-unmapped.xml:60\n");
}

/* Small inline cases: defaults and corner rules of single elements. */
static void test_config_xml__elements(void **state)
{
	static const struct {
		const char *xml;
		const char *expect;
	} cases[] = {
		/* pci-root hotplug is a -global (qemuBuildPMPCIRootHotplugCommandLine);
		 * <os><boot dev='network'/> reaches the first interface; vdpa
		 * defaults to virtio; <loader type='rom'> is -bios */
		{"<domain type='kvm'><uuid>\n  5f0c5b1e-3a53-4c0e-9d7e-1f2a3b4c5d6e\n</uuid>"
		 "<os><type machine='pc'>hvm</type><loader type='rom'> /b.bin\n"
		 "</loader><boot dev='network'/></os><features><acpi/></features><devices>"
		 "<controller type='pci' index='0' model='pci-root'><target hotplug='off'/>"
		 "</controller><interface type='vdpa'><source dev='/dev/vhost-vdpa-0'/>"
		 "</interface><interface type='user'/></devices></domain>",
		 "machine=pc accel=kvm ram=0 smp=0 flags=0\n"
		 "machine uuid=5f0c5b1e-3a53-4c0e-9d7e-1f2a3b4c5d6e\n"
		 "machine firmware=/b.bin\n"
		 "global PIIX4_PM.acpi-root-pci-hotplug=off\n"
		 "-netdev vhost-vdpa,id=hostnet0\n"
		 "-netdev user,id=hostnet1\n"
		 "-device virtio-net-pci,id=net0,netdev=hostnet0,bootindex=1 [t.xml:4]\n"
		 "-device rtl8139,id=net1,netdev=hostnet1 [t.xml:4]\n"},
		/* memory units (virScaleInteger: KB is 1000, k and KiB 1024);
		 * <vcpu> without current; maximum CPU mode; a bare <rom/> adds
		 * nothing; e1000e passes through; SCSI models; controllers in
		 * type order, each by index */
		{"<domain type='hvf'><memory unit='KB'>2048</memory><vcpu>3</vcpu>"
		 "<cpu mode='maximum'/><devices>"
		 "<controller type='scsi' index='1' model='lsisas1078'/>"
		 "<controller type='scsi' index='0' model='vmpvscsi'/>"
		 "<controller type='pci' index='1' model='pci-bridge'/>"
		 "<interface type='ethernet'><model type='e1000e'/><rom/></interface>"
		 "</devices></domain>",
		 "machine=- accel=hvf ram=2097152 smp=3 flags=0\n"
		 "machine acpi=off\n"
		 "machine cpu=max\n"
		 "-netdev tap,id=hostnet0\n"
		 "-device pci-bridge,id=pci.1,chassis_nr=1 [t.xml:1]\n"
		 "-device pvscsi,id=scsi0 [t.xml:1]\n"
		 "-device megasas,id=scsi1 [t.xml:1]\n"
		 "-device e1000e,id=net0,netdev=hostnet0 [t.xml:1]\n"},
		/* device='lun' sets scsi=on; cache writethrough is write-cache=
		 * off; enospace is werror=enospc without rerror; geometry */
		{"<domain type='kvm'><devices><disk device='lun'><driver cache='writethrough' "
		 "error_policy='enospace'/><target dev='vdaa' bus='virtio'/><geometry cyls='16' "
		 "heads='4' secs='63'/><boot order='3'/></disk></devices></domain>",
		 "machine=- accel=kvm ram=0 smp=0 flags=0\n"
		 "machine acpi=off\n"
		 "-blockdev raw,id=libvirt-1-format\n"
		 "-device virtio-blk-pci,id=virtio-disk26,scsi=on,drive=libvirt-1-format,"
		 "bootindex=3,write-cache=off,cyls=16,heads=4,secs=63,werror=enospc [t.xml:1]\n"},
		/* virtio on a non-PCI address, non-virtio models, memballoon xen,
		 * virtiofs, non-mount filesystems, unknown elements: noted; types
		 * vmcompat never maps (fdc) first, then in command-line order */
		{"<domain type='kvm'><devices>"
		 "<rng model='virtio'><backend model='builtin'/><address type='virtio-mmio'/></rng>"
		 "<memballoon model='xen'/>"
		 "<filesystem><driver type='virtiofs'/><target dir='t'/></filesystem>"
		 "<filesystem type='ram'><target dir='t'/></filesystem>"
		 "<controller type='ide' index='1'/><controller type='fdc'/>"
		 "<shmem name='s'/></devices></domain>",
		 "machine=- accel=kvm ram=0 smp=0 flags=0\n"
		 "machine acpi=off\n"
		 "unmapped <controller type='fdc'> at t.xml:1\n"
		 "unmapped <controller type='ide'> at t.xml:1: IDE controller\n"
		 "unmapped <filesystem> at t.xml:1: filesystem driver other than path/handle (9p)\n"
		 "unmapped <filesystem type='ram'> at t.xml:1: filesystem type other than mount\n"
		 "unmapped <memballoon> at t.xml:1: not a virtio model\n"
		 "unmapped <rng> at t.xml:1: virtio on a non-PCI address\n"
		 "unmapped <shmem> at t.xml:1\n"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vmc_ctx *ctx;
		vmc__config *cfg = NULL;
		char *got;
		int rc;

		assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
		rc = vmc__config_parse_domain_xml(&cfg, ctx, cases[i].xml, strlen(cases[i].xml),
						  "t.xml");
		if (rc != VMC_OK)
			fail_msg("case %zu: %s", i, vmc_error_last(ctx)->message);
		got = vmc_test_render_config(cfg);
		if (strcmp(got, cases[i].expect) != 0)
			fail_msg("case %zu: got\n%s\nexpected\n%s", i, got, cases[i].expect);
		free(got);
		vmc__config_free(cfg);
		vmc_ctx_free(ctx);
	}
}

/* ---- malformed XML ------------------------------------------------------ */

static void test_config_xml__malformed_file(void **state)
{
	size_t len;
	char *xml = read_data("malformed-unclosed.xml", &len);
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	const vmc_error *e;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse_domain_xml(&cfg, ctx, xml, len, "m.xml"),
			 VMC_EMALFORMED);
	assert_null(cfg);
	e = vmc_error_last(ctx);
	/* libxml2 notices the mismatch at </devices> on line 7 */
	assert_string_equal(e->path, "m.xml:7");
	assert_int_equal(e->has_offset, 1);
	assert_int_equal(e->offset, (uint64_t)(strstr(xml, "  </devices>") - xml));
	assert_non_null(strstr(e->message, "expected well-formed XML, found: "));
	assert_non_null(strstr(e->message, "rng"));
	vmc_ctx_free(ctx);
	free(xml);
}

/* A DOCTYPE (entity expansion, external entities) is refused before
 * libxml2 sees the text. */
static void test_config_xml__doctype(void **state)
{
	size_t len;
	char *xml = read_data("doctype-entities.xml", &len);
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	const vmc_error *e;

	(void)state;
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc__config_parse_domain_xml(&cfg, ctx, xml, len, "d.xml"),
			 VMC_EMALFORMED);
	e = vmc_error_last(ctx);
	assert_string_equal(e->path, "d.xml");
	assert_int_equal(e->offset, (uint64_t)(strstr(xml, "<!DOCTYPE") - xml));
	assert_string_equal(e->message, "expected a domain XML without <!DOCTYPE> (no DTD, no "
					"entities), found one");
	vmc_ctx_free(ctx);
	free(xml);
}

static void test_config_xml__malformed_inline(void **state)
{
	(void)state;
	expect_fail("<domain type='kvm'>\n<devices>\n</domain>", VMC_EMALFORMED, "t.xml:3", 30,
		    "expected well-formed XML");
	expect_fail("", VMC_EMALFORMED, "t.xml:1", 0, "expected well-formed XML, found: Document is empty");
	expect_fail("<?xml version='1.0'?>\n<vm type='kvm'/>", VMC_EMALFORMED, "t.xml:2", 22,
		    "expected a <domain> root element, found <vm>");
	expect_fail("<domain type='xen'/>", VMC_EUNSUPPORTED, "t.xml:1", 0,
		    "expected a QEMU domain (type kvm, qemu or hvf), found type 'xen'");
	expect_fail("<domain/>", VMC_EMALFORMED, "t.xml:1", 0,
		    "expected <domain type=...>, found no type");
	expect_fail("<domain type='kvm'>\n<memory unit='parsecs'>1</memory></domain>",
		    VMC_EMALFORMED, "t.xml:2", 20, "expected a memory unit");
	expect_fail("<domain type='kvm'><memory unit='EiB'>16</memory></domain>", VMC_EMALFORMED,
		    "t.xml:1", 0, "expected a number of at most 15 in <memory>, found '16'");
	expect_fail("<domain type='kvm'><vcpu>two</vcpu></domain>", VMC_EMALFORMED, "t.xml:1", 0,
		    "expected a number of at most 4294967295 in <vcpu>, found 'two'");
	expect_fail("<domain type='kvm'><devices>\n\n<interface type='user'><address type='pci' "
		    "slot='0x20'/></interface></devices></domain>",
		    VMC_EMALFORMED, "t.xml:3", 30,
		    "expected a number of at most 31 in <address slot=...>, found '0x20'");
	expect_fail("<domain type='kvm'><devices><controller type='pci' index='1' "
		    "model='pci-bridge'/>\n<controller type='pci' index='1' model='pci-bridge'/>"
		    "</devices></domain>",
		    VMC_EMALFORMED, "t.xml:2", 82,
		    "expected one <controller type='pci' index='1'>, found two");
	expect_fail("<domain type='kvm'><devices><controller index='1'/></devices></domain>",
		    VMC_EMALFORMED, "t.xml:1", 0, "expected <controller type=...>, found no type");
	expect_fail("<domain type='kvm'><devices><controller type='pci' index='-1' "
		    "model='pci-bridge'/></devices></domain>",
		    VMC_EMALFORMED, "t.xml:1", 0, "in <controller index=...>, found '-1'");
	expect_fail("<domain type='kvm'><devices><memballoon model='virtio' autodeflate='yes'/>"
		    "</devices></domain>",
		    VMC_EMALFORMED, "t.xml:1", 0,
		    "expected on or off in <memballoon autodeflate=...>, found 'yes'");
	expect_fail("<domain type='kvm'><devices><interface type='user'><rom enabled='on'/>"
		    "</interface></devices></domain>",
		    VMC_EMALFORMED, "t.xml:1", 0,
		    "expected yes or no in <rom enabled=...>, found 'on'");
	expect_fail("<domain type='kvm'><devices><disk><target dev='xyz' bus='virtio'/></disk>"
		    "</devices></domain>",
		    VMC_EMALFORMED, "t.xml:1", 0,
		    "expected a disk name like vda in <target dev=...>, found 'xyz'");
	expect_fail("<domain type='kvm'><devices><rng model='virtio'/></devices></domain>",
		    VMC_EMALFORMED, "t.xml:1", 0, "expected <backend model=...> in <rng>");
	expect_fail("<domain type='kvm'><os><boot dev='usb'/></os></domain>", VMC_EMALFORMED,
		    "t.xml:1", 0, "expected <boot dev='hd|cdrom|fd|network'>, found 'usb'");
	expect_fail("<domain type='kvm'><devices><filesystem accessmode='open'><target dir='t'/>"
		    "</filesystem></devices></domain>",
		    VMC_EMALFORMED, "t.xml:1", 0,
		    "expected accessmode passthrough, mapped or squash, found 'open'");
}

/* ---- limits, arguments, OOM ------------------------------------------- */

static void test_config_xml__limits(void **state)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	const char *xml = "<domain type='kvm'><name>limit</name></domain>";
	vmc_ctx *ctx;
	vmc__config *cfg = NULL;
	const vmc_error *e;

	(void)state;
	o.limits.max_libvirt_xml = strlen(xml) - 1;
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(vmc__config_parse_domain_xml(&cfg, ctx, xml, strlen(xml), "big.xml"),
			 VMC_ELIMIT);
	assert_null(cfg);
	e = vmc_error_last(ctx);
	assert_string_equal(e->path, "big.xml");
	assert_int_equal(e->has_offset, 0);
	assert_non_null(strstr(e->message, "exceeds max_libvirt_xml"));
	vmc_error_clear(ctx);
	/* at the limit: fine */
	assert_int_equal(vmc__config_parse_domain_xml(&cfg, ctx, xml, strlen(xml) - 1, "big.xml"),
			 VMC_EMALFORMED);
	vmc_ctx_free(ctx);

	o.limits.max_libvirt_xml = strlen(xml);
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	assert_int_equal(vmc__config_parse_domain_xml(&cfg, ctx, xml, strlen(xml), "big.xml"),
			 VMC_OK);
	vmc__config_free(cfg);
	assert_int_equal(vmc__config_parse_domain_xml(NULL, ctx, xml, strlen(xml), NULL),
			 VMC_EINVAL);
	vmc_ctx_free(ctx);
}

static void test_config_xml__oom(void **state)
{
	size_t len;
	char *xml = read_data("i440fx-virtio.xml", &len);
	long n;
	int ok = 0;

	(void)state;
	for (n = 0; n < 1000 && !ok; n++) {
		vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
		vmc_test_alloc f = {-1, 1, 0, 0};
		vmc_ctx *ctx;
		vmc__config *cfg = NULL;
		int rc;

		o.allocator = vmc_test_allocator(&f);
		assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
		f.count = 0;
		f.fail_at = n;
		rc = vmc__config_parse_domain_xml(&cfg, ctx, xml, len, "i440fx-virtio.xml");
		if (rc == VMC_OK) {
			ok = 1;
			assert_int_equal(cfg->ndevices, 10);
			vmc__config_free(cfg);
		} else {
			assert_int_equal(rc, VMC_ENOMEM);
			assert_null(cfg);
			assert_int_equal(vmc_error_last(ctx)->code, VMC_ENOMEM);
		}
		f.fail_at = -1;
		vmc_ctx_free(ctx);
		assert_int_equal(f.live, 0);
	}
	assert_true(ok);
	assert_true(n > 2);
	free(xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_xml__libvirt_fixture),
		cmocka_unit_test(test_config_xml__i440fx_virtio),
		cmocka_unit_test(test_config_xml__q35_transitional),
		cmocka_unit_test(test_config_xml__q35_unmapped),
		cmocka_unit_test(test_config_xml__elements),
		cmocka_unit_test(test_config_xml__malformed_file),
		cmocka_unit_test(test_config_xml__doctype),
		cmocka_unit_test(test_config_xml__malformed_inline),
		cmocka_unit_test(test_config_xml__limits),
		cmocka_unit_test(test_config_xml__oom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
