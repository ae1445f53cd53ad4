/*
 * config_xml.c - a libvirt domain XML mapped to the QEMU devices libvirt
 * 9.0 puts on its command line.
 *
 * Stage: input.  Callers: vmc__config_parse (by content), the CLI, and
 * whoever holds the domain XML of a libvirt save image.  Output:
 * parsers/config.h, with every device's origin "<origin>:<line>".
 *
 * Every mapping mirrors a function of libvirt 9.0.0 (src/qemu/
 * qemu_command.c unless named otherwise; docs/config-input.md has the
 * table):
 *  - device names: qemuBuildVirtioDevGetConfig: base + "-pci" (PCI
 *    address or none), then "-transitional" / "-non-transitional" for the
 *    virtio-transitional / virtio-non-transitional models;
 *    qemuBuildVirtioDevProps adds iommu_platform, ats, packed, page-per-vq
 *    from <driver iommu= ats= packed= page_per_vq=>.
 *  - addresses: qemuBuildDeviceAddressProps / ...PCIGetBus: bus = alias of
 *    the PCI controller whose index is the address's bus (pci-root ->
 *    "pci.0", pcie-root -> "pcie.0", others "pci.<index>",
 *    qemu_alias.c qemuAssignDeviceControllerAlias), multifunction=on|off,
 *    addr=0xS or 0xS.0xF, acpi-index.
 *  - ROM: qemuBuildRomProps (interfaces only: <rom> is parsed for
 *    <interface> and <hostdev>, domain_conf.c VIR_DOMAIN_DEF_PARSE_ALLOW_ROM):
 *    enabled='no' -> romfile="" (and no rombar); else rombar=0|1 from
 *    bar='off|on' and romfile= from file=.
 *  - controllers: qemuBuildControllersCommandLine (types in the order pci,
 *    usb, scsi, ide, sata, virtio-serial; qemuBuildSkipController drops
 *    pci-root, pcie-root, the first IDE on i440fx and the first SATA on
 *    q35), qemuBuildControllerPCIDevProps, qemuBuildControllerSCSIDevProps;
 *    defaults from qemu_domain_address.c qemuDomainAssignPCIAddresses
 *    (chassisNr/chassis = index, root-port port = slot << 3 | function,
 *    downstream port = slot) and qemuDomainPCIControllerSetDefaultModelName.
 *  - disks (bus virtio): qemuBuildDiskDeviceProps; filesystems (9p):
 *    qemuBuildFSStr + qemuBuildFSDevCmd; interfaces: qemuBuildNicDevProps +
 *    qemuBuildHostNetProps (netdev "host<alias>"); memballoon:
 *    qemuBuildMemballoonCommandLine; rng: qemuBuildRNGDevProps +
 *    qemuBuildRNGBackendProps.  Aliases: qemu_alias.c (net<N>, fs<N>,
 *    rng<N>, balloon0, virtio-disk<index of the target dev name>,
 *    scsi<index>, virtio-serial<index>, sata<index>), or <alias name=>.
 *  - machine: <os><type machine=>; <domain type> -> accel (kvm, tcg, hvf);
 *    <memory> -> -m (KiB rounded up, then to 1 MiB: qemu_domain.c
 *    qemuDomainAlignMemorySizes); <vcpu current=> -> -smp
 *    (qemuBuildSmpCommandLine); <uuid> -> uuid; no <features><acpi/> ->
 *    acpi=off (qemuBuildPMCommandLine "-no-acpi"); <cpu> -> cpu;
 *    <loader type='rom'> -> firmware (-bios).
 *
 * Only what the XML says: devices libvirt adds on its own (USB
 * controller, default memballoon, video, PS/2 input) are not invented;
 * devices the XML names but this file does not map go to cfg->unmapped.
 * Addresses the XML lacks are not invented either (libvirt would assign
 * them, qemu_domain_address.c): such devices have no bus=/addr=.
 *
 * Safety: the XML is untrusted.  Size is bounded by max_libvirt_xml; any
 * DOCTYPE (hence any entity or DTD) is refused before libxml2 sees the
 * text; libxml2 runs with XML_PARSE_NONET and without XML_PARSE_NOENT, its
 * messages are not printed.  libxml2 allocates with its own (global)
 * allocator, so OOM injection covers only this file's arena.
 */
#include "config.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

/* A <controller> with its index (given, or assigned as libvirt does). */
typedef struct xctrl {
	xmlNodePtr node;
	const char *type;
	uint64_t idx;
} xctrl;

typedef struct xstate {
	vmc__config *cfg;
	vmc_ctx *ctx;
	const char *origin;
	const char *xml;     /* the input, for error offsets                  */
	size_t len;
	int q35;             /* machine is Q35: root bus pcie.0, builtin SATA   */
	xmlNodePtr os;       /* <os>, or NULL                                */
	xmlNodePtr devices;  /* <devices>, or NULL                           */
	xctrl *ctrls;        /* every <controller>                           */
	size_t nctrls;
	xmlNodePtr *disks;   /* <disk>s in libvirt's order (virDomainDiskInsert) */
	size_t ndisks;
	uint64_t boot_disk, boot_cd, boot_floppy, boot_net; /* <os><boot dev> */
	size_t nnets, nfs, nrngs;
} xstate;

/* ---- XML helpers ------------------------------------------------------ */

static int is_elem(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	xmlNodePtr c;

	for (c = n ? n->children : NULL; c; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

/* Attribute value (borrowed from the document), or NULL. */
static const char *attr(xmlNodePtr n, const char *name)
{
	xmlAttrPtr a;

	for (a = n ? n->properties : NULL; a; a = a->next) {
		if (strcmp((const char *)a->name, name) != 0)
			continue;
		if (!a->children)
			return "";
		if (a->children->type == XML_TEXT_NODE && a->children->content)
			return (const char *)a->children->content;
		return "";
	}
	return NULL;
}

/* Text of an element (first text or CDATA child), or "". */
static const char *text(xmlNodePtr n)
{
	xmlNodePtr c;

	for (c = n ? n->children : NULL; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			return (const char *)c->content;
	return "";
}

/* Element text without leading and trailing blanks, copied (NULL: OOM). */
static const char *text_trim(xstate *xs, xmlNodePtr n)
{
	const char *s = text(n);
	size_t len;

	while (*s && strchr(" \t\r\n", *s))
		s++;
	len = strlen(s);
	while (len && strchr(" \t\r\n", s[len - 1]))
		len--;
	return vmc__arena_strndup(&xs->cfg->arena, s, len);
}

static long line_of(xmlNodePtr n)
{
	long l = n ? xmlGetLineNo(n) : -1;

	return l > 0 ? l : 0;
}

/* Byte offset of the start of line (1-based) in the input. */
static int64_t line_offset(const xstate *xs, long line)
{
	size_t i;
	long l = 1;

	if (line <= 1)
		return 0;
	for (i = 0; i < xs->len; i++)
		if (xs->xml[i] == '\n' && ++l == line)
			return (int64_t)i + 1;
	return VMC_NO_OFFSET;
}

static int xfail(xstate *xs, xmlNodePtr n, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int xfail(xstate *xs, xmlNodePtr n, int code, const char *fmt, ...)
{
	char path[VMC_ERROR_PATH_MAX];
	long line = line_of(n);
	va_list ap;
	int rc;

	snprintf(path, sizeof(path), "%s:%ld", xs->origin, line);
	va_start(ap, fmt);
	rc = vmc__failv(xs->ctx, code, line ? line_offset(xs, line) : VMC_NO_OFFSET, path,
			__FILE__, __LINE__, fmt, ap);
	va_end(ap);
	return rc;
}

static const char *where(xstate *xs, xmlNodePtr n)
{
	return vmc__config_printf(xs->cfg, "%s:%ld", xs->origin, line_of(n));
}

static int unmapped(xstate *xs, xmlNodePtr n, const char *why)
{
	char *what = vmc__config_printf(xs->cfg, "<%s%s%s%s> at %s:%ld%s%s", (const char *)n->name,
					attr(n, "type") ? " type='" : "",
					attr(n, "type") ? attr(n, "type") : "",
					attr(n, "type") ? "'" : "", xs->origin, line_of(n),
					why ? ": " : "", why ? why : "");

	return what ? vmc__config_note_unmapped(xs->cfg, what) : VMC_ENOMEM;
}

/*
 * An unsigned number the way libvirt reads attributes (virStrToLong_uip,
 * base 0: 0x hex, leading-0 octal, decimal).  *out untouched when absent;
 * returns 1 when present, 0 when absent, <0 on error.
 */
static int num_base(xstate *xs, xmlNodePtr n, const char *name, unsigned base, uint64_t max,
		    uint64_t *out)
{
	const char *s = attr(n, name), *p;
	uint64_t v = 0;

	if (!s)
		return 0;
	p = s;
	if (base == 0 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && p[2]) {
		base = 16;
		p += 2;
	} else if (base == 0 && p[0] == '0' && p[1]) {
		base = 8;
		p++;
	} else if (base == 0) {
		base = 10;
	}
	if (!*p)
		goto bad;
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (*p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			goto bad;
		if (d >= base || __builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, d, &v) || v > max)
			goto bad;
	}
	*out = v;
	return 1;
bad:
	return xfail(xs, n, VMC_EMALFORMED,
		     "expected a number of at most %llu in <%s %s=...>, found '%s'",
		     (unsigned long long)max, (const char *)n->name, name, s);
}

static int num(xstate *xs, xmlNodePtr n, const char *name, uint64_t max, uint64_t *out)
{
	return num_base(xs, n, name, 0, max, out);
}

/* The same for element text (<vcpu>2</vcpu>). */
static int num_text(xstate *xs, xmlNodePtr n, uint64_t max, uint64_t *out)
{
	const char *s = text(n);
	uint64_t v = 0;
	size_t i = 0, end = strlen(s);

	while (i < end && strchr(" \t\r\n", s[i]))
		i++;
	while (end > i && strchr(" \t\r\n", s[end - 1]))
		end--;
	if (i == end)
		goto bad;
	for (; i < end; i++)
		if (s[i] < '0' || s[i] > '9' || __builtin_mul_overflow(v, 10u, &v) ||
		    __builtin_add_overflow(v, (unsigned)(s[i] - '0'), &v) || v > max)
			goto bad;
	*out = v;
	return VMC_OK;
bad:
	return xfail(xs, n, VMC_EMALFORMED, "expected a number of at most %llu in <%s>, found '%s'",
		     (unsigned long long)max, (const char *)n->name, s);
}

/* virTristateSwitch (on|off) or virTristateBool (yes|no) as "on"/"off". */
static int onoff(xstate *xs, xmlNodePtr n, const char *name, int yesno, const char **out)
{
	const char *s = attr(n, name);

	*out = NULL;
	if (!s)
		return VMC_OK;
	if (strcmp(s, yesno ? "yes" : "on") == 0)
		*out = "on";
	else if (strcmp(s, yesno ? "no" : "off") == 0)
		*out = "off";
	else
		return xfail(xs, n, VMC_EMALFORMED, "expected %s in <%s %s=...>, found '%s'",
			     yesno ? "yes or no" : "on or off", (const char *)n->name, name, s);
	return VMC_OK;
}

/* ---- property helpers -------------------------------------------------- */

static int prop(xstate *xs, vmc__cfg_device *d, const char *key, const char *value)
{
	if (!value)
		return VMC_OK;
	return vmc__config_kv_add(xs->cfg, &d->props, &d->nprops, key, value);
}

static int prop_u(xstate *xs, vmc__cfg_device *d, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return prop(xs, d, key, buf);
}

/* "p:" props: an attribute copied when present and non-zero. */
static int prop_attr_p(xstate *xs, vmc__cfg_device *d, const char *key, xmlNodePtr n,
		       const char *name)
{
	uint64_t v = 0;
	int rc = num(xs, n, name, UINT32_MAX, &v);

	if (rc <= 0 || v == 0)
		return rc < 0 ? rc : VMC_OK;
	return prop_u(xs, d, key, v);
}

static int prop_switch(xstate *xs, vmc__cfg_device *d, const char *key, xmlNodePtr n,
		       const char *name)
{
	const char *v;

	VMC_TRY(onoff(xs, n, name, 0, &v));
	return prop(xs, d, key, v);
}

/* The device's alias: <alias name=...> or the generated one. */
static const char *alias_of(xstate *xs, xmlNodePtr dev, const char *fmt, size_t idx)
{
	const char *a = attr(child(dev, "alias"), "name");

	if (a && *a)
		return a;
	return vmc__config_printf(xs->cfg, fmt, idx);
}

/* ---- names, addresses, virtio options ---------------------------------- */

/*
 * qemuBuildVirtioDevGetConfig: base + "-pci" [+ "-transitional" |
 * "-non-transitional"], or NULL (unmapped noted) for other address types
 * and non-virtio models.  model NULL means plain virtio.
 */
static int virtio_name(xstate *xs, xmlNodePtr dev, const char *base, const char *model,
		       const char **out)
{
	xmlNodePtr addr = child(dev, "address");
	const char *atype = attr(addr, "type");
	const char *suffix;

	*out = NULL;
	if (!model || strcmp(model, "virtio") == 0)
		suffix = "";
	else if (strcmp(model, "virtio-transitional") == 0)
		suffix = "-transitional";
	else if (strcmp(model, "virtio-non-transitional") == 0)
		suffix = "-non-transitional";
	else
		return unmapped(xs, dev, "not a virtio model");
	if (addr && (!atype || strcmp(atype, "pci") != 0))
		return unmapped(xs, dev, "virtio on a non-PCI address");
	*out = vmc__config_printf(xs->cfg, "%s-pci%s", base, suffix);
	return *out ? VMC_OK : VMC_ENOMEM;
}

/* qemuBuildVirtioDevProps: <driver iommu ats packed page_per_vq>. */
static int virtio_options(xstate *xs, vmc__cfg_device *d, xmlNodePtr dev)
{
	xmlNodePtr drv = child(dev, "driver");

	VMC_TRY(prop_switch(xs, d, "iommu_platform", drv, "iommu"));
	VMC_TRY(prop_switch(xs, d, "ats", drv, "ats"));
	VMC_TRY(prop_switch(xs, d, "packed", drv, "packed"));
	return prop_switch(xs, d, "page-per-vq", drv, "page_per_vq");
}

static xmlNodePtr find_controller(xstate *xs, const char *type, uint64_t index)
{
	size_t i;

	for (i = 0; i < xs->nctrls; i++)
		if (xs->ctrls[i].idx == index && strcmp(xs->ctrls[i].type, type) == 0)
			return xs->ctrls[i].node;
	return NULL;
}

/* qemuBuildDeviceAddressPCIGetBus. */
static const char *pci_bus_name(xstate *xs, uint64_t bus)
{
	xmlNodePtr c = find_controller(xs, "pci", bus);
	const char *model = attr(c, "model"), *alias = attr(child(c, "alias"), "name");

	if (!c)
		return bus == 0 ? (xs->q35 ? "pcie.0" : "pci.0")
				: vmc__config_printf(xs->cfg, "pci.%llu", (unsigned long long)bus);
	if (model && strcmp(model, "pci-root") == 0 && (!alias || strncmp(alias, "ua-", 3) == 0))
		return "pci.0";
	if (model && strcmp(model, "pcie-root") == 0 &&
	    (!alias || strncmp(alias, "ua-", 3) == 0))
		return "pcie.0";
	if (alias && *alias)
		return alias;
	return vmc__config_printf(xs->cfg, "pci.%llu", (unsigned long long)bus);
}

/* The PCI <address> of dev: present 1 (slot/function set), absent 0. */
static int pci_address(xstate *xs, xmlNodePtr dev, uint64_t *bus, uint64_t *slot,
		       uint64_t *function)
{
	xmlNodePtr a = child(dev, "address");
	const char *type = attr(a, "type");

	*bus = *slot = *function = 0;
	if (!a || !type || strcmp(type, "pci") != 0)
		return 0;
	VMC_TRY(num(xs, a, "bus", 255, bus));
	VMC_TRY(num(xs, a, "slot", 31, slot));
	VMC_TRY(num(xs, a, "function", 7, function));
	return 1;
}

/* qemuBuildDeviceAddressProps (PCI): bus, multifunction, addr, acpi-index. */
static int address_props(xstate *xs, vmc__cfg_device *d, xmlNodePtr dev)
{
	xmlNodePtr a = child(dev, "address");
	uint64_t bus, slot, fn, acpi = 0;
	const char *multi, *name;
	char addr[32];
	int rc = pci_address(xs, dev, &bus, &slot, &fn);

	if (rc < 0)
		return rc;
	if (rc == 0) { /* libvirt assigns an address; acpi-index stays */
		VMC_TRY(num_base(xs, child(dev, "acpi"), "index", 10, UINT32_MAX, &acpi));
		return acpi ? prop_u(xs, d, "acpi-index", acpi) : VMC_OK;
	}
	VMC_TRY(onoff(xs, a, "multifunction", 0, &multi));
	name = pci_bus_name(xs, bus);
	if (!name)
		return VMC_ENOMEM;
	if (fn)
		snprintf(addr, sizeof(addr), "0x%llx.0x%llx", (unsigned long long)slot,
			 (unsigned long long)fn);
	else
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)slot);
	VMC_TRY(prop(xs, d, "bus", name));
	VMC_TRY(prop(xs, d, "multifunction", multi));
	VMC_TRY(prop(xs, d, "addr", addr));
	VMC_TRY(rc = num_base(xs, child(dev, "acpi"), "index", 10, UINT32_MAX, &bus));
	return rc && bus ? prop_u(xs, d, "acpi-index", bus) : VMC_OK;
}

/* qemuBuildRomProps. */
static int rom_props(xstate *xs, vmc__cfg_device *d, xmlNodePtr dev)
{
	xmlNodePtr rom = child(dev, "rom");
	const char *enabled, *bar, *file;

	if (!rom)
		return VMC_OK;
	VMC_TRY(onoff(xs, rom, "enabled", 1, &enabled));
	VMC_TRY(onoff(xs, rom, "bar", 0, &bar));
	file = attr(rom, "file");
	if (enabled && strcmp(enabled, "off") == 0)
		return prop(xs, d, "romfile", "");
	VMC_TRY(prop(xs, d, "rombar", bar ? (strcmp(bar, "on") == 0 ? "1" : "0") : NULL));
	return prop(xs, d, "romfile", file);
}

static int add_device(xstate *xs, vmc__cfg_device **out, xmlNodePtr dev, const char *driver,
		      const char *id)
{
	const char *origin = where(xs, dev);

	if (!origin || !driver || !id)
		return VMC_ENOMEM;
	return vmc__config_device_add(out, xs->cfg, driver, id, origin);
}

/* <driver iothread='N'> -> iothread=iothreadN */
static int iothread_prop(xstate *xs, vmc__cfg_device *d, xmlNodePtr drv)
{
	uint64_t v = 0;
	char *t;

	VMC_TRY(num(xs, drv, "iothread", UINT32_MAX, &v));
	if (!v)
		return VMC_OK;
	t = vmc__config_printf(xs->cfg, "iothread%llu", (unsigned long long)v);
	return t ? prop(xs, d, "iothread", t) : VMC_ENOMEM;
}

/* ---- controllers ------------------------------------------------------- */

/* qemuDomainPCIControllerSetDefaultModelName. */
static const char *pci_model_name(const char *model)
{
	static const char *const names[][2] = {
		{"pci-bridge", "pci-bridge"},
		{"dmi-to-pci-bridge", "i82801b11-bridge"},
		{"pcie-to-pci-bridge", "pcie-pci-bridge"},
		{"pcie-root-port", "pcie-root-port"},
		{"pcie-switch-upstream-port", "x3130-upstream"},
		{"pcie-switch-downstream-port", "xio3130-downstream"},
		{"pci-expander-bus", "pxb"},
		{"pcie-expander-bus", "pxb-pcie"},
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(model, names[i][0]) == 0)
			return names[i][1];
	return NULL;
}

static int controller_pci(xstate *xs, xmlNodePtr c, uint64_t idx)
{
	const char *model = attr(c, "model"), *name, *hotplug, *id;
	xmlNodePtr target = child(c, "target");
	uint64_t v, bus, slot, fn;
	vmc__cfg_device *d;
	int has_addr;

	if (!model)
		return unmapped(xs, c, "no model");
	if (strcmp(model, "pci-root") == 0 || strcmp(model, "pcie-root") == 0) {
		/* qemuBuildPMPCIRootHotplugCommandLine */
		VMC_TRY(onoff(xs, target, "hotplug", 0, &hotplug));
		if (strcmp(model, "pci-root") == 0 && idx == 0 && hotplug)
			VMC_TRY(vmc__config_kv_add(xs->cfg, &xs->cfg->globals, &xs->cfg->nglobals,
						   "PIIX4_PM.acpi-root-pci-hotplug", hotplug));
		return VMC_OK; /* qemuBuildSkipController: implicit */
	}
	name = attr(child(c, "model"), "name");
	if (!name)
		name = pci_model_name(model);
	if (!name)
		return unmapped(xs, c, "unknown PCI controller model");
	VMC_TRY(has_addr = pci_address(xs, c, &bus, &slot, &fn));
	id = alias_of(xs, c, "pci.%zu", (size_t)idx);
	VMC_TRY(add_device(xs, &d, c, name, id));
	/* the props in qemuBuildControllerPCIDevProps order; "id" is d->id */
	if (strcmp(model, "pci-bridge") == 0) {
		v = idx;
		VMC_TRY(num(xs, target, "chassisNr", INT32_MAX, &v));
		VMC_TRY(prop_u(xs, d, "chassis_nr", v));
	} else if (strcmp(model, "pci-expander-bus") == 0 ||
		   strcmp(model, "pcie-expander-bus") == 0) {
		int rc;

		VMC_TRY(rc = num(xs, target, "busNr", INT32_MAX, &v));
		if (rc)
			VMC_TRY(prop_u(xs, d, "bus_nr", v));
		if (child(target, "node")) {
			VMC_TRY(num_text(xs, child(target, "node"), INT32_MAX, &v));
			VMC_TRY(prop_u(xs, d, "numa_node", v));
		}
	} else if (strcmp(model, "pcie-root-port") == 0 ||
		   strcmp(model, "pcie-switch-downstream-port") == 0) {
		int rc, root = strcmp(model, "pcie-root-port") == 0;

		VMC_TRY(rc = num(xs, target, "port", INT32_MAX, &v));
		if (!rc && has_addr) {
			v = root ? slot << 3 | fn : slot;
			rc = 1;
		}
		if (rc)
			VMC_TRY(prop_u(xs, d, "port", v));
		v = idx;
		VMC_TRY(num(xs, target, "chassis", INT32_MAX, &v));
		VMC_TRY(prop_u(xs, d, "chassis", v));
		VMC_TRY(prop_switch(xs, d, "hotplug", target, "hotplug"));
	}
	return address_props(xs, d, c);
}

/* qemuBuildControllerSCSIDevProps. */
static int controller_scsi(xstate *xs, xmlNodePtr c, uint64_t idx)
{
	static const char *const models[][2] = {
		{"lsilogic", "lsi"},	     {"lsisas1068", "mptsas1068"}, {"lsisas1078", "megasas"},
		{"vmpvscsi", "pvscsi"},	     {"am53c974", "am53c974"},	   {"dc390", "dc-390"},
	};
	const char *model = attr(c, "model"), *driver = NULL, *id;
	xmlNodePtr drv = child(c, "driver");
	vmc__cfg_device *d;
	size_t i;

	if (!model)
		model = "lsilogic"; /* qemuDomainGetSCSIControllerModel on x86 */
	id = alias_of(xs, c, "scsi%zu", (size_t)idx);
	if (strncmp(model, "virtio", 6) == 0) {
		VMC_TRY(virtio_name(xs, c, "virtio-scsi",
				    strcmp(model, "virtio-scsi") == 0 ? NULL : model, &driver));
		if (!driver)
			return VMC_OK;
		VMC_TRY(add_device(xs, &d, c, driver, id));
		VMC_TRY(virtio_options(xs, d, c));
		VMC_TRY(iothread_prop(xs, d, drv));
		VMC_TRY(prop_attr_p(xs, d, "num_queues", drv, "queues"));
		VMC_TRY(prop_attr_p(xs, d, "cmd_per_lun", drv, "cmd_per_lun"));
		VMC_TRY(prop_attr_p(xs, d, "max_sectors", drv, "max_sectors"));
		VMC_TRY(prop_switch(xs, d, "ioeventfd", drv, "ioeventfd"));
		return address_props(xs, d, c);
	}
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (strcmp(model, models[i][0]) == 0)
			driver = models[i][1];
	if (!driver)
		return unmapped(xs, c, "SCSI controller model");
	VMC_TRY(add_device(xs, &d, c, driver, id));
	return address_props(xs, d, c);
}

static int controller(xstate *xs, const xctrl *x)
{
	xmlNodePtr c = x->node;
	const char *type = x->type, *model = attr(c, "model");
	uint64_t idx = x->idx;
	vmc__cfg_device *d;

	if (strcmp(type, "pci") == 0)
		return controller_pci(xs, c, idx);
	if (strcmp(type, "scsi") == 0)
		return controller_scsi(xs, c, idx);
	if (strcmp(type, "usb") == 0)
		return model && strcmp(model, "none") == 0 ? VMC_OK
							   : unmapped(xs, c, "USB controller");
	if (strcmp(type, "ide") == 0)
		return idx == 0 && !xs->q35 ? VMC_OK : unmapped(xs, c, "IDE controller");
	if (strcmp(type, "sata") == 0) {
		if (idx == 0 && xs->q35)
			return VMC_OK; /* the ICH9 AHCI built into Q35 */
		VMC_TRY(add_device(xs, &d, c, "ahci", alias_of(xs, c, "sata%zu", (size_t)idx)));
		return address_props(xs, d, c);
	}
	if (strcmp(type, "virtio-serial") == 0) {
		const char *driver;

		VMC_TRY(virtio_name(xs, c, "virtio-serial",
				    model && strcmp(model, "virtio") != 0 ? model : NULL, &driver));
		if (!driver)
			return VMC_OK;
		VMC_TRY(add_device(xs, &d, c, driver,
				   alias_of(xs, c, "virtio-serial%zu", (size_t)idx)));
		VMC_TRY(virtio_options(xs, d, c));
		{
			uint64_t v;
			int rc;

			VMC_TRY(rc = num(xs, c, "ports", INT32_MAX, &v));
			if (rc)
				VMC_TRY(prop_u(xs, d, "max_ports", v));
			VMC_TRY(rc = num(xs, c, "vectors", INT32_MAX, &v));
			if (rc)
				VMC_TRY(prop_u(xs, d, "vectors", v));
		}
		return address_props(xs, d, c);
	}
	return unmapped(xs, c, NULL);
}

/*
 * The controller table: every <controller> with its index; a missing index
 * is the lowest unused one of its type, assigned in document order
 * (domain_postparse.c virDomainAssignControllerIndexes; the USB2
 * companion rule does not matter here, USB controllers are not mapped).
 */
static int controller_table(xstate *xs)
{
	xmlNodePtr c;
	size_t n = 0, i, j;
	int pass;

	for (c = xs->devices->children; c; c = c->next)
		n += is_elem(c, "controller");
	if (!n)
		return VMC_OK;
	xs->ctrls = vmc__arena_alloc(&xs->cfg->arena, n * sizeof(*xs->ctrls));
	if (!xs->ctrls)
		return VMC_ENOMEM;
	for (pass = 0; pass < 2; pass++) {
		for (c = xs->devices->children; c; c = c->next) {
			xctrl *x;
			int rc;

			if (!is_elem(c, "controller") || (pass == 1) != !attr(c, "index"))
				continue;
			x = &xs->ctrls[xs->nctrls];
			x->node = c;
			x->type = attr(c, "type");
			if (!x->type)
				return xfail(xs, c, VMC_EMALFORMED,
					     "expected <controller type=...>, found no type");
			VMC_TRY(rc = num_base(xs, c, "index", 10, INT32_MAX, &x->idx));
			if (!rc) {
				for (x->idx = 0;; x->idx++) {
					for (j = 0; j < xs->nctrls; j++)
						if (xs->ctrls[j].idx == x->idx &&
						    strcmp(xs->ctrls[j].type, x->type) == 0)
							break;
					if (j == xs->nctrls)
						break;
				}
			}
			if (strcmp(x->type, "pci") == 0)
				for (i = 0; i < xs->nctrls; i++)
					if (xs->ctrls[i].idx == x->idx &&
					    strcmp(xs->ctrls[i].type, "pci") == 0)
						return xfail(xs, c, VMC_EMALFORMED,
							     "expected one <controller type='pci' "
							     "index='%llu'>, found two",
							     (unsigned long long)x->idx);
			xs->nctrls++;
		}
	}
	return VMC_OK;
}

/* qemuBuildControllersCommandLine: by type in this order, each type by
 * index (virDomainControllerInsertPreAlloced keeps them sorted, equal
 * indexes in document order). */
static int controllers(xstate *xs)
{
	static const char *const order[] = {"pci", "usb", "scsi", "ide", "sata", "virtio-serial"};
	size_t t, i, j;

	for (i = 0; i < xs->nctrls; i++) {
		for (t = 0; t < sizeof(order) / sizeof(order[0]); t++)
			if (strcmp(xs->ctrls[i].type, order[t]) == 0)
				break;
		if (t == sizeof(order) / sizeof(order[0]))
			VMC_TRY(unmapped(xs, xs->ctrls[i].node, NULL));
	}
	/* insertion sort by (type rank, index), stable; n is bounded by the
	 * input size */
	for (i = 1; i < xs->nctrls; i++) {
		xctrl x = xs->ctrls[i];

		for (j = i; j > 0 && xs->ctrls[j - 1].idx > x.idx; j--)
			xs->ctrls[j] = xs->ctrls[j - 1];
		xs->ctrls[j] = x;
	}
	for (t = 0; t < sizeof(order) / sizeof(order[0]); t++)
		for (i = 0; i < xs->nctrls; i++)
			if (strcmp(xs->ctrls[i].type, order[t]) == 0)
				VMC_TRY(controller(xs, &xs->ctrls[i]));
	return VMC_OK;
}

/* ---- disks ------------------------------------------------------------- */

/* virDiskNameToIndex: "vda" -> 0, "vdz" -> 25, "vdaa" -> 26; -1 if none. */
static long disk_index(const char *dst)
{
	static const char *const prefixes[] = {"fd", "hd", "vd", "sd", "xvd", "ubd"};
	size_t i, plen = 0;
	long idx = 0;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(dst, prefixes[i], strlen(prefixes[i])) == 0)
			plen = strlen(prefixes[i]);
	if (!plen || !dst[plen])
		return -1;
	for (dst += plen; *dst >= 'a' && *dst <= 'z'; dst++) {
		if (idx > 100000000)
			return -1;
		idx = idx * 26 + (*dst - 'a' + 1);
	}
	return *dst ? -1 : idx - 1;
}

/* Bus of a disk: <target bus=>, else from the dev name as libvirt's
 * virDomainDiskDefAssignAddress defaults it on x86. */
static const char *disk_bus(xmlNodePtr target)
{
	const char *bus = attr(target, "bus"), *dev = attr(target, "dev");

	if (bus)
		return bus;
	if (!dev)
		return "";
	if (strncmp(dev, "vd", 2) == 0)
		return "virtio";
	if (strncmp(dev, "hd", 2) == 0)
		return "ide";
	if (strncmp(dev, "sd", 2) == 0)
		return "scsi";
	if (strncmp(dev, "fd", 2) == 0)
		return "fdc";
	return "";
}

/* qemuBuildDiskDeviceProps (bus virtio).  pos: place in xs->disks;
 * boot: the effective boot index (0: none). */
static int disk(xstate *xs, xmlNodePtr n, size_t pos, uint64_t boot)
{
	xmlNodePtr target = child(n, "target"), drv = child(n, "driver");
	xmlNodePtr blockio = child(n, "blockio"), geo = child(n, "geometry");
	const char *driver, *id, *dev = attr(n, "device"), *cache, *wb = NULL, *node;
	const char *wpol, *rpol, *serial;
	vmc__cfg_device *d;
	vmc__cfg_backend *b;
	long idx;
	size_t k = xs->ndisks - pos;

	if (strcmp(disk_bus(target), "virtio") != 0)
		return unmapped(xs, n, "disk on a bus other than virtio");
	if (strcmp(attr(n, "type") ? attr(n, "type") : "", "vhostuser") == 0)
		return unmapped(xs, n, "vhost-user disk");
	VMC_TRY(virtio_name(xs, n, "virtio-blk", attr(n, "model"), &driver));
	if (!driver)
		return VMC_OK;
	idx = disk_index(attr(target, "dev") ? attr(target, "dev") : "");
	if (idx < 0 && !attr(child(n, "alias"), "name"))
		return xfail(xs, target, VMC_EMALFORMED,
			     "expected a disk name like vda in <target dev=...>, found '%s'",
			     attr(target, "dev") ? attr(target, "dev") : "");
	id = alias_of(xs, n, "virtio-disk%zu", (size_t)(idx < 0 ? 0 : idx));
	/* the format node-name: libvirt numbers storage sources from the last
	 * disk up (tests/qemuxml2argvdata/disk-virtio.x86_64-latest.args);
	 * a running daemon's counter may differ, and it never reaches the
	 * migration stream */
	node = vmc__config_printf(xs->cfg, "libvirt-%zu-format", k);
	if (!node)
		return VMC_ENOMEM;
	VMC_TRY(vmc__config_backend_add(&b, xs->cfg, "blockdev",
					attr(drv, "type") ? attr(drv, "type") : "raw", node));

	VMC_TRY(add_device(xs, &d, n, driver, id));
	VMC_TRY(virtio_options(xs, d, n));
	VMC_TRY(iothread_prop(xs, d, drv));
	VMC_TRY(prop_switch(xs, d, "ioeventfd", drv, "ioeventfd"));
	VMC_TRY(prop_switch(xs, d, "event_idx", drv, "event_idx"));
	/* QEMU >= 5.0 has scsi off by default (QEMU_CAPS_VIRTIO_BLK_SCSI_
	 * DEFAULT_DISABLED): only device='lun' sets it */
	VMC_TRY(prop(xs, d, "scsi", dev && strcmp(dev, "lun") == 0 ? "on" : NULL));
	VMC_TRY(prop_attr_p(xs, d, "num-queues", drv, "queues"));
	VMC_TRY(prop_attr_p(xs, d, "queue-size", drv, "queue_size"));
	VMC_TRY(address_props(xs, d, n));
	VMC_TRY(prop(xs, d, "share-rw", child(n, "shareable") ? "on" : NULL));
	VMC_TRY(prop(xs, d, "drive", node));
	if (boot)
		VMC_TRY(prop_u(xs, d, "bootindex", boot));
	VMC_TRY(prop_attr_p(xs, d, "logical_block_size", blockio, "logical_block_size"));
	VMC_TRY(prop_attr_p(xs, d, "physical_block_size", blockio, "physical_block_size"));
	/* qemuDomainDiskCachemodeFlags: writeback for none, writeback, unsafe */
	cache = attr(drv, "cache");
	if ((!cache || strcmp(cache, "default") == 0) && child(n, "shareable") &&
	    !child(n, "readonly"))
		cache = "none"; /* qemu_domain.c qemuDomainPrepareDiskCachemode */
	if (cache && strcmp(cache, "default") != 0) {
		if (strcmp(cache, "none") == 0 || strcmp(cache, "writeback") == 0 ||
		    strcmp(cache, "unsafe") == 0)
			wb = "on";
		else if (strcmp(cache, "writethrough") == 0 || strcmp(cache, "directsync") == 0)
			wb = "off";
		else
			return xfail(xs, drv, VMC_EMALFORMED,
				     "expected a cache mode (none, writeback, writethrough, "
				     "directsync, unsafe), found '%s'",
				     cache);
	}
	VMC_TRY(prop(xs, d, "write-cache", wb));
	VMC_TRY(prop_attr_p(xs, d, "cyls", geo, "cyls"));
	VMC_TRY(prop_attr_p(xs, d, "heads", geo, "heads"));
	VMC_TRY(prop_attr_p(xs, d, "secs", geo, "secs"));
	serial = child(n, "serial") ? text(child(n, "serial")) : NULL;
	if (serial) {
		/* virBufferEscape(&buf, '\\', " ", ...): spaces get a backslash */
		size_t i, j, spaces = 0;
		char *esc;

		for (i = 0; serial[i]; i++)
			spaces += serial[i] == ' ';
		esc = vmc__arena_alloc(&xs->cfg->arena, i + spaces + 1);
		if (!esc)
			return VMC_ENOMEM;
		for (i = j = 0; serial[i]; i++) {
			if (serial[i] == ' ')
				esc[j++] = '\\';
			esc[j++] = serial[i];
		}
		esc[j] = '\0';
		VMC_TRY(prop(xs, d, "serial", esc));
	}
	/* qemuBuildDiskGetErrorPolicy */
	wpol = attr(drv, "error_policy");
	rpol = attr(drv, "rerror_policy");
	if (wpol && strcmp(wpol, "default") == 0)
		wpol = NULL;
	if (rpol && strcmp(rpol, "default") == 0)
		rpol = NULL;
	if (wpol && strcmp(wpol, "enospace") == 0)
		wpol = "enospc";
	else if (!rpol)
		rpol = wpol;
	VMC_TRY(prop(xs, d, "werror", wpol));
	return prop(xs, d, "rerror", rpol);
}

/* ---- filesystems ------------------------------------------------------- */

/* qemuBuildFSStr + qemuBuildFSDevCmd (9p). */
static int filesystem(xstate *xs, xmlNodePtr n)
{
	xmlNodePtr drv = child(n, "driver");
	const char *type = attr(n, "type"), *dtype = attr(drv, "type"), *driver, *id, *fsdev;
	const char *mode = attr(n, "accessmode"), *multidevs = attr(n, "multidevs");
	const char *wrpolicy = attr(drv, "wrpolicy"), *tag = attr(child(n, "target"), "dir");
	xmlNodePtr src = child(n, "source");
	vmc__cfg_backend *b;
	vmc__cfg_device *d;
	vmc__config *cfg = xs->cfg;
	uint64_t v;
	int rc;

	if (type && strcmp(type, "mount") != 0)
		return unmapped(xs, n, "filesystem type other than mount");
	if (dtype && strcmp(dtype, "path") != 0 && strcmp(dtype, "handle") != 0 &&
	    strcmp(dtype, "default") != 0)
		return unmapped(xs, n, "filesystem driver other than path/handle (9p)");
	if (!tag)
		return xfail(xs, n, VMC_EMALFORMED,
			     "expected <target dir=...> in <filesystem>, found none");
	VMC_TRY(virtio_name(xs, n, "virtio-9p", attr(n, "model"), &driver));
	if (!driver)
		return VMC_OK;
	id = alias_of(xs, n, "fs%zu", xs->nfs++);
	fsdev = id ? vmc__config_printf(cfg, "fsdev-%s", id) : NULL;
	if (!fsdev)
		return VMC_ENOMEM;
	VMC_TRY(vmc__config_backend_add(&b, cfg, "fsdev",
					dtype && strcmp(dtype, "handle") == 0 ? "handle" : "local",
					fsdev));
	if (!dtype || strcmp(dtype, "handle") != 0) {
		/* domain_postparse.c: no accessmode is passthrough */
		if (!mode || !*mode || strcmp(mode, "passthrough") == 0)
			mode = "passthrough";
		else if (strcmp(mode, "squash") == 0)
			mode = "none";
		else if (strcmp(mode, "mapped") != 0)
			return xfail(xs, n, VMC_EMALFORMED,
				     "expected accessmode passthrough, mapped or squash, found '%s'",
				     mode);
		VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, "security_model", mode));
		if (multidevs && strcmp(multidevs, "default") != 0)
			VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, "multidevs",
						   multidevs));
		VMC_TRY(rc = num_base(xs, n, "fmode", 8, 07777, &v));
		if (rc) {
			char m[8];

			snprintf(m, sizeof(m), "%04llo", (unsigned long long)v);
			VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, "fmode", m));
		}
		VMC_TRY(rc = num_base(xs, n, "dmode", 8, 07777, &v));
		if (rc) {
			char m[8];

			snprintf(m, sizeof(m), "%04llo", (unsigned long long)v);
			VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, "dmode", m));
		}
	}
	if (wrpolicy && strcmp(wrpolicy, "default") != 0)
		VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, "writeout", wrpolicy));
	if (attr(src, "dir"))
		VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, "path", attr(src, "dir")));
	if (child(n, "readonly"))
		VMC_TRY(vmc__config_kv_add(cfg, &b->props, &b->nprops, "readonly", "on"));

	VMC_TRY(add_device(xs, &d, n, driver, id));
	VMC_TRY(virtio_options(xs, d, n));
	VMC_TRY(prop(xs, d, "fsdev", fsdev));
	VMC_TRY(prop(xs, d, "mount_tag", tag));
	return address_props(xs, d, n);
}

/* ---- interfaces -------------------------------------------------------- */

/* qemuBuildHostNetProps: the netdev type of an interface type. */
static const char *netdev_type(const char *type)
{
	static const char *const map[][2] = {
		{"user", "user"},	{"network", "tap"},	   {"bridge", "tap"},
		{"direct", "tap"},	{"ethernet", "tap"},	   {"vhostuser", "vhost-user"},
		{"server", "socket"},	{"client", "socket"},	   {"mcast", "socket"},
		{"udp", "socket"},	{"vdpa", "vhost-vdpa"},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(type, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* qemuBuildNicDevProps.  boot: the effective boot index (0: none). */
static int interface(xstate *xs, xmlNodePtr n, uint64_t boot)
{
	static const char *const host[][2] = {
		{"csum", "csum"},	{"gso", "gso"},		{"tso4", "host_tso4"},
		{"tso6", "host_tso6"},	{"ecn", "host_ecn"},	{"ufo", "host_ufo"},
		{"mrg_rxbuf", "mrg_rxbuf"},
	};
	static const char *const guest[][2] = {
		{"csum", "guest_csum"}, {"tso4", "guest_tso4"}, {"tso6", "guest_tso6"},
		{"ecn", "guest_ecn"},	{"ufo", "guest_ufo"},
	};
	const char *type = attr(n, "type"), *ntype, *model, *driver, *id, *netdev;
	xmlNodePtr drv = child(n, "driver");
	vmc__cfg_backend *b;
	vmc__cfg_device *d;
	int virtio;
	size_t i;

	if (!type)
		return xfail(xs, n, VMC_EMALFORMED, "expected <interface type=...>, found no type");
	ntype = netdev_type(type);
	if (!ntype)
		return unmapped(xs, n, "interface type");
	/* qemu_domain.c qemuDomainDeviceNetDefPostParse: vdpa is virtio, the
	 * rest qemuDomainDefaultNetModel (rtl8139 on x86) */
	model = attr(child(n, "model"), "type");
	if (!model)
		model = strcmp(type, "vdpa") == 0 ? "virtio" : "rtl8139";
	virtio = strncmp(model, "virtio", 6) == 0;
	if (virtio) {
		VMC_TRY(virtio_name(xs, n, "virtio-net", model, &driver));
		if (!driver)
			return VMC_OK;
	} else {
		driver = model;
	}
	id = alias_of(xs, n, "net%zu", xs->nnets++);
	netdev = id ? vmc__config_printf(xs->cfg, "host%s", id) : NULL;
	if (!netdev)
		return VMC_ENOMEM;
	VMC_TRY(vmc__config_backend_add(&b, xs->cfg, "netdev", ntype, netdev));

	VMC_TRY(add_device(xs, &d, n, driver, id));
	if (virtio) {
		const char *tx = attr(drv, "txmode");
		uint64_t queues = 0;
		xmlNodePtr teaming = child(n, "teaming");

		VMC_TRY(virtio_options(xs, d, n));
		if (tx && strcmp(tx, "iothread") == 0)
			tx = "bh";
		else if (tx && strcmp(tx, "timer") != 0 && strcmp(tx, "default") != 0)
			return xfail(xs, drv, VMC_EMALFORMED,
				     "expected txmode iothread or timer, found '%s'", tx);
		VMC_TRY(prop(xs, d, "tx", tx && strcmp(tx, "default") != 0 ? tx : NULL));
		VMC_TRY(prop_switch(xs, d, "ioeventfd", drv, "ioeventfd"));
		VMC_TRY(prop_switch(xs, d, "event_idx", drv, "event_idx"));
		for (i = 0; i < sizeof(host) / sizeof(host[0]); i++)
			VMC_TRY(prop_switch(xs, d, host[i][1], child(drv, "host"), host[i][0]));
		for (i = 0; i < sizeof(guest) / sizeof(guest[0]); i++)
			VMC_TRY(prop_switch(xs, d, guest[i][1], child(drv, "guest"), guest[i][0]));
		VMC_TRY(num(xs, drv, "queues", 65535, &queues));
		if (queues > 1) {
			VMC_TRY(prop(xs, d, "mq", "on"));
			VMC_TRY(prop_u(xs, d, "vectors", 2 * queues + 2));
		}
		VMC_TRY(prop_attr_p(xs, d, "rx_queue_size", drv, "rx_queue_size"));
		VMC_TRY(prop_attr_p(xs, d, "tx_queue_size", drv, "tx_queue_size"));
		VMC_TRY(prop_switch(xs, d, "rss", drv, "rss"));
		VMC_TRY(prop_switch(xs, d, "hash", drv, "rss_hash_report"));
		VMC_TRY(prop_attr_p(xs, d, "host_mtu", child(n, "mtu"), "size"));
		VMC_TRY(prop(xs, d, "failover",
			     teaming && attr(teaming, "type") &&
					     strcmp(attr(teaming, "type"), "persistent") == 0
				     ? "on"
				     : NULL));
	}
	VMC_TRY(prop(xs, d, "netdev", netdev));
	/* libvirt generates a random MAC when the XML has none: not recorded */
	VMC_TRY(prop(xs, d, "mac", attr(child(n, "mac"), "address")));
	if (boot)
		VMC_TRY(prop_u(xs, d, "bootindex", boot));
	VMC_TRY(address_props(xs, d, n));
	return rom_props(xs, d, n);
}

/* ---- memballoon, rng ----------------------------------------------------- */

/* qemuBuildMemballoonCommandLine. */
static int memballoon(xstate *xs, xmlNodePtr n)
{
	const char *model = attr(n, "model"), *driver;
	vmc__cfg_device *d;

	if (!model)
		return xfail(xs, n, VMC_EMALFORMED, "expected <memballoon model=...>, found none");
	if (strcmp(model, "none") == 0)
		return VMC_OK;
	VMC_TRY(virtio_name(xs, n, "virtio-balloon", model, &driver));
	if (!driver)
		return VMC_OK;
	VMC_TRY(add_device(xs, &d, n, driver, alias_of(xs, n, "balloon%zu", 0)));
	VMC_TRY(virtio_options(xs, d, n));
	VMC_TRY(prop_switch(xs, d, "deflate-on-oom", n, "autodeflate"));
	VMC_TRY(prop_switch(xs, d, "free-page-reporting", n, "freePageReporting"));
	return address_props(xs, d, n);
}

/* qemuBuildRNGBackendProps + qemuBuildRNGDevProps. */
static int rng(xstate *xs, xmlNodePtr n)
{
	xmlNodePtr backend = child(n, "backend"), rate = child(n, "rate");
	const char *bmodel = attr(backend, "model"), *driver, *id, *obj, *otype;
	vmc__cfg_backend *b;
	vmc__cfg_device *d;
	uint64_t bytes = 0, period = 0;

	VMC_TRY(virtio_name(xs, n, "virtio-rng", attr(n, "model"), &driver));
	if (!driver)
		return VMC_OK;
	if (!bmodel)
		return xfail(xs, n, VMC_EMALFORMED,
			     "expected <backend model=...> in <rng>, found none");
	if (strcmp(bmodel, "random") == 0)
		otype = "rng-random";
	else if (strcmp(bmodel, "egd") == 0)
		otype = "rng-egd";
	else if (strcmp(bmodel, "builtin") == 0)
		otype = "rng-builtin";
	else
		return xfail(xs, backend, VMC_EMALFORMED,
			     "expected backend model random, egd or builtin, found '%s'", bmodel);
	id = alias_of(xs, n, "rng%zu", xs->nrngs++);
	obj = id ? vmc__config_printf(xs->cfg, "obj%s", id) : NULL;
	if (!obj)
		return VMC_ENOMEM;
	VMC_TRY(vmc__config_backend_add(&b, xs->cfg, "object", otype, obj));
	if (strcmp(otype, "rng-random") == 0) {
		const char *file = text(backend);

		VMC_TRY(vmc__config_kv_add(xs->cfg, &b->props, &b->nprops, "filename",
					   *file ? file : "/dev/random"));
	} else if (strcmp(otype, "rng-egd") == 0) {
		const char *chr = vmc__config_printf(xs->cfg, "char%s", id);

		if (!chr)
			return VMC_ENOMEM;
		VMC_TRY(vmc__config_kv_add(xs->cfg, &b->props, &b->nprops, "chardev", chr));
	}
	VMC_TRY(num(xs, rate, "bytes", UINT32_MAX, &bytes));
	VMC_TRY(num(xs, rate, "period", UINT32_MAX, &period));
	if (bytes && !period)
		period = 1000;

	VMC_TRY(add_device(xs, &d, n, driver, id));
	VMC_TRY(virtio_options(xs, d, n));
	VMC_TRY(prop(xs, d, "rng", obj));
	if (bytes) {
		VMC_TRY(prop_u(xs, d, "max-bytes", bytes));
		VMC_TRY(prop_u(xs, d, "period", period));
	}
	return address_props(xs, d, n);
}

/* ---- the rest of <devices> --------------------------------------------- */

static int other_device(xstate *xs, xmlNodePtr n)
{
	static const char *const host_only[] = {"emulator", "graphics", "audio"};
	const char *name = (const char *)n->name;
	size_t i;

	for (i = 0; i < sizeof(host_only) / sizeof(host_only[0]); i++)
		if (strcmp(name, host_only[i]) == 0)
			return VMC_OK;
	if (strcmp(name, "video") == 0) {
		const char *m = attr(child(n, "model"), "type");

		return m && strcmp(m, "none") == 0 ? VMC_OK : unmapped(xs, n, NULL);
	}
	if (strcmp(name, "input") == 0) {
		/* mouse and keyboard on bus ps2 are the i8042's, always there */
		const char *bus = attr(n, "bus");

		return bus && strcmp(bus, "ps2") == 0 ? VMC_OK : unmapped(xs, n, NULL);
	}
	if (strcmp(name, "console") == 0) {
		/* a serial console is the <serial> it names, not a device */
		const char *t = attr(child(n, "target"), "type");

		if (!t || strcmp(t, "serial") == 0)
			return VMC_OK;
	}
	return unmapped(xs, n, NULL);
}

/*
 * virDomainDiskInsert: disks grouped by bus (first appearance), each group
 * ordered by the index of its target dev name.  This order numbers the
 * blockdev nodes and hands out the <os><boot> indexes.
 */
static int disk_order(xstate *xs)
{
	xmlNodePtr c;
	size_t n = 0, i;

	for (c = xs->devices->children; c; c = c->next)
		n += is_elem(c, "disk");
	if (!n)
		return VMC_OK;
	xs->disks = vmc__arena_alloc(&xs->cfg->arena, n * sizeof(*xs->disks));
	if (!xs->disks)
		return VMC_ENOMEM;
	for (c = xs->devices->children; c; c = c->next) {
		const char *bus, *dst;
		long at = -1, idx;

		if (!is_elem(c, "disk"))
			continue;
		bus = disk_bus(child(c, "target"));
		dst = attr(child(c, "target"), "dev");
		idx = disk_index(dst ? dst : "");
		for (i = xs->ndisks; i-- > 0;) {
			xmlNodePtr o = xs->disks[i];
			const char *odst = attr(child(o, "target"), "dev");

			if (strcmp(disk_bus(child(o, "target")), bus) != 0)
				continue;
			if (odst && dst && disk_index(odst) > idx)
				at = (long)i;
			else if (at == -1)
				at = (long)i + 1;
		}
		if (at < 0)
			at = (long)xs->ndisks;
		memmove(&xs->disks[at + 1], &xs->disks[at],
			(xs->ndisks - (size_t)at) * sizeof(*xs->disks));
		xs->disks[at] = c;
		xs->ndisks++;
	}
	return VMC_OK;
}

/*
 * <os><boot dev=...> as qemu_process.c qemuProcessPrepareDeviceBootorder
 * applies it: the first disk, CD-ROM, floppy (in disk order) and the first
 * interface get the position of their kind.  With no <boot> anywhere,
 * domain_postparse.c makes it <boot dev='hd'/>.
 */
static int boot_order(xstate *xs)
{
	xmlNodePtr c;
	uint64_t pos = 0;
	int per_device = 0, any = 0;

	for (c = xs->devices ? xs->devices->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && child(c, "boot"))
			per_device = 1;
	for (c = xs->os ? xs->os->children : NULL; c; c = c->next) {
		const char *dev = attr(c, "dev");

		if (!is_elem(c, "boot"))
			continue;
		any = 1;
		pos++;
		if (!dev)
			return xfail(xs, c, VMC_EMALFORMED, "expected <boot dev=...>, found none");
		if (strcmp(dev, "hd") == 0)
			xs->boot_disk = pos;
		else if (strcmp(dev, "cdrom") == 0)
			xs->boot_cd = pos;
		else if (strcmp(dev, "fd") == 0)
			xs->boot_floppy = pos;
		else if (strcmp(dev, "network") == 0)
			xs->boot_net = pos;
		else
			return xfail(xs, c, VMC_EMALFORMED,
				     "expected <boot dev='hd|cdrom|fd|network'>, found '%s'", dev);
	}
	if (!any && !per_device)
		xs->boot_disk = 1;
	return VMC_OK;
}

static int devices(xstate *xs)
{
	static const char *const handled[] = {"controller", "disk", "filesystem", "interface",
					      "memballoon", "rng"};
	xmlNodePtr c;
	size_t i;
	int first_net = 1;

	VMC_TRY(boot_order(xs));
	if (!xs->devices)
		return VMC_OK;
	VMC_TRY(controller_table(xs));
	VMC_TRY(disk_order(xs));
	VMC_TRY(controllers(xs));
	/* qemuBuildCommandLine order: controllers, disks, filesystems, nets,
	 * ..., memballoon, rng; everything else only produces notes */
	for (i = 0; i < xs->ndisks; i++) {
		xmlNodePtr n = xs->disks[i];
		const char *dev = attr(n, "device");
		uint64_t boot = 0, *take = NULL;

		if (!dev || strcmp(dev, "disk") == 0 || strcmp(dev, "lun") == 0)
			take = &xs->boot_disk;
		else if (strcmp(dev, "cdrom") == 0)
			take = &xs->boot_cd;
		else if (strcmp(dev, "floppy") == 0)
			take = &xs->boot_floppy;
		if (take) {
			boot = *take;
			*take = 0;
		}
		VMC_TRY(num(xs, child(n, "boot"), "order", UINT32_MAX, &boot));
		VMC_TRY(disk(xs, n, i, boot));
	}
	for (c = xs->devices->children; c; c = c->next)
		if (is_elem(c, "filesystem"))
			VMC_TRY(filesystem(xs, c));
	for (c = xs->devices->children; c; c = c->next) {
		uint64_t boot = 0;

		if (!is_elem(c, "interface"))
			continue;
		if (first_net)
			boot = xs->boot_net;
		first_net = 0;
		VMC_TRY(num(xs, child(c, "boot"), "order", UINT32_MAX, &boot));
		VMC_TRY(interface(xs, c, boot));
	}
	for (c = xs->devices->children; c; c = c->next)
		if (is_elem(c, "memballoon"))
			VMC_TRY(memballoon(xs, c));
	for (c = xs->devices->children; c; c = c->next)
		if (is_elem(c, "rng"))
			VMC_TRY(rng(xs, c));
	for (c = xs->devices->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
			if (is_elem(c, handled[i]))
				break;
		if (i == sizeof(handled) / sizeof(handled[0]))
			VMC_TRY(other_device(xs, c));
	}
	return VMC_OK;
}

/* ---- the domain -------------------------------------------------------- */

/* virScaleInteger: a libvirt unit name to its multiplier, 0 if unknown. */
static uint64_t unit_scale(const char *unit)
{
	static const char letters[] = "kmgtpe";
	const char *l;
	uint64_t base, scale = 1;

	if (!unit || !*unit)
		return 1024; /* <memory> defaults to KiB */
	if (!strcmp(unit, "b") || !strcmp(unit, "B") || !strcmp(unit, "bytes") ||
	    !strcmp(unit, "byte"))
		return 1;
	if (!unit[1] || ((unit[1] == 'i' || unit[1] == 'I') && (unit[2] == 'B' || unit[2] == 'b') &&
			 !unit[3]))
		base = 1024;
	else if ((unit[1] == 'b' || unit[1] == 'B') && !unit[2])
		base = 1000;
	else
		return 0;
	l = strchr(letters, unit[0] >= 'A' && unit[0] <= 'Z' ? unit[0] - 'A' + 'a' : unit[0]);
	if (!l || !*l)
		return 0;
	for (; l >= letters; l--)
		scale *= base;
	return scale;
}

static int machine(xstate *xs, xmlNodePtr dom)
{
	vmc__config *cfg = xs->cfg;
	xmlNodePtr os = child(dom, "os"), mem = child(dom, "memory"), vcpu = child(dom, "vcpu");
	xmlNodePtr cpu = child(dom, "cpu"), loader = child(os, "loader");
	const char *type = attr(dom, "type"), *m;

	if (!type)
		return xfail(xs, dom, VMC_EMALFORMED, "expected <domain type=...>, found no type");
	if (strcmp(type, "kvm") == 0)
		cfg->accel = "kvm";
	else if (strcmp(type, "qemu") == 0)
		cfg->accel = "tcg";
	else if (strcmp(type, "hvf") == 0)
		cfg->accel = "hvf";
	else
		return xfail(xs, dom, VMC_EUNSUPPORTED,
			     "expected a QEMU domain (type kvm, qemu or hvf), found type '%s'", type);

	m = attr(child(os, "type"), "machine");
	if (m) {
		cfg->machine = vmc__config_strdup(cfg, m);
		if (!cfg->machine)
			return VMC_ENOMEM;
		xs->q35 = strcmp(m, "q35") == 0 || strncmp(m, "pc-q35-", 7) == 0;
	}
	if (child(dom, "uuid")) {
		const char *u = text_trim(xs, child(dom, "uuid"));

		if (!u)
			return VMC_ENOMEM;
		VMC_TRY(vmc__config_kv_add(cfg, &cfg->machine_props, &cfg->nmachine_props, "uuid",
					   u));
	}
	if (!child(child(dom, "features"), "acpi"))
		VMC_TRY(vmc__config_kv_add(cfg, &cfg->machine_props, &cfg->nmachine_props, "acpi",
					   "off"));
	if (cpu) {
		const char *mode = attr(cpu, "mode"), *model = text_trim(xs, child(cpu, "model"));

		if (!model)
			return VMC_ENOMEM;

		if (mode && strcmp(mode, "host-passthrough") == 0)
			model = "host";
		else if (mode && strcmp(mode, "maximum") == 0)
			model = "max";
		else if (mode && strcmp(mode, "host-model") == 0) {
			model = NULL;
			VMC_TRY(unmapped(xs, cpu, "the CPU model depends on the host"));
		}
		if (model && *model)
			VMC_TRY(vmc__config_kv_add(cfg, &cfg->machine_props, &cfg->nmachine_props,
						   "cpu", model));
	}
	if (loader) {
		const char *lt = attr(loader, "type");

		if (!lt || strcmp(lt, "rom") == 0) {
			const char *path = text_trim(xs, loader);

			if (!path)
				return VMC_ENOMEM;
			VMC_TRY(vmc__config_kv_add(cfg, &cfg->machine_props, &cfg->nmachine_props,
						   "firmware", path));
		}
		else
			VMC_TRY(unmapped(xs, loader, "pflash firmware"));
	}
	if (mem) {
		uint64_t v, scale = unit_scale(attr(mem, "unit")), kib;

		if (!scale)
			return xfail(xs, mem, VMC_EMALFORMED,
				     "expected a memory unit (b, KiB, MiB, GiB, KB, ...), found '%s'",
				     attr(mem, "unit"));
		VMC_TRY(num_text(xs, mem, UINT64_MAX / scale, &v));
		kib = v * scale / 1024 + (v * scale % 1024 != 0);
		kib = (kib + 1023) / 1024 * 1024; /* qemuDomainAlignMemorySizes: 1 MiB */
		if (kib > UINT64_MAX / 1024)
			return xfail(xs, mem, VMC_EMALFORMED,
				     "expected a memory size below 16 EiB, found '%s'", text(mem));
		cfg->ram_bytes = kib * 1024;
	}
	if (vcpu) {
		uint64_t n = 0, cur = 0;
		int rc;

		VMC_TRY(num_text(xs, vcpu, UINT32_MAX, &n));
		VMC_TRY(rc = num(xs, vcpu, "current", UINT32_MAX, &cur));
		cfg->smp_cpus = (uint32_t)(rc ? cur : n);
	}
	return VMC_OK;
}

/* The first libxml2 error of a parse (libxml2 goes on after a fatal one
 * and would report "Premature end of data" last).  Reached through the
 * parser context, not a global. */
typedef struct xml_first_error {
	int set;
	int code;
	long line;
	char message[200];
} xml_first_error;

static void first_error(void *data, xmlErrorPtr err)
{
	xmlParserCtxtPtr pctx = data;
	xml_first_error *fe = pctx ? pctx->_private : NULL;
	size_t l;

	if (!fe || fe->set || !err)
		return;
	fe->set = 1;
	fe->code = err->code;
	fe->line = err->line > 0 ? err->line : 0;
	snprintf(fe->message, sizeof(fe->message), "%s", err->message ? err->message : "not XML");
	l = strlen(fe->message);
	while (l && (fe->message[l - 1] == '\n' || fe->message[l - 1] == ' '))
		fe->message[--l] = '\0';
}

/* Any DOCTYPE (hence any DTD or entity declaration) is refused. */
static const char *find_doctype(const char *xml, size_t len)
{
	size_t i;

	for (i = 0; i + 9 <= len; i++)
		if (xml[i] == '<' && xml[i + 1] == '!' && memcmp(xml + i + 2, "DOCTYPE", 7) == 0)
			return xml + i;
	return NULL;
}

int vmc__config_parse_domain_xml(vmc__config **out, vmc_ctx *ctx, const char *xml, size_t len,
				 const char *origin)
{
	xstate xs;
	xmlParserCtxtPtr pctx = NULL;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	xml_first_error fe;
	const char *dt;
	int rc;

	if (!out || !ctx || (!xml && len))
		return ctx ? VMC_FAIL(ctx, VMC_EINVAL, VMC_NO_OFFSET,
				      "expected out, ctx and xml, found NULL")
			   : VMC_EINVAL;
	memset(&xs, 0, sizeof(xs));
	xs.ctx = ctx;
	xs.xml = xml;
	xs.len = len;
	xs.origin = origin ? origin : "domain.xml";
	if (len > ctx->limits.max_libvirt_xml || len > INT32_MAX)
		return VMC_FAIL_AT(ctx, VMC_ELIMIT, VMC_NO_OFFSET, xs.origin,
				   "a domain XML of %zu bytes exceeds max_libvirt_xml (%llu bytes)",
				   len, (unsigned long long)ctx->limits.max_libvirt_xml);
	if ((dt = find_doctype(xml, len)) != NULL)
		return VMC_FAIL_AT(ctx, VMC_EMALFORMED, dt - xml, xs.origin,
				   "expected a domain XML without <!DOCTYPE> (no DTD, no "
				   "entities), found one");

	pctx = xmlNewParserCtxt();
	if (!pctx)
		return VMC_OOM(ctx);
	memset(&fe, 0, sizeof(fe));
	pctx->_private = &fe;
	pctx->sax->serror = first_error; /* called with pctx->userData == pctx */
	doc = xmlCtxtReadMemory(pctx, xml, (int)len, xs.origin, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || !pctx->wellFormed) {
		if (!fe.set)
			snprintf(fe.message, sizeof(fe.message), "not XML");
		if (fe.code == XML_ERR_NO_MEMORY) {
			rc = VMC_OOM(ctx);
		} else {
			char path[VMC_ERROR_PATH_MAX];

			snprintf(path, sizeof(path), "%s:%ld", xs.origin, fe.line);
			rc = VMC_FAIL_AT(ctx, VMC_EMALFORMED, fe.line ? line_offset(&xs, fe.line) : 0,
					 path, "expected well-formed XML, found: %s", fe.message);
		}
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(pctx);
		return rc;
	}
	xmlFreeParserCtxt(pctx);

	root = xmlDocGetRootElement(doc);
	if (!is_elem(root, "domain")) {
		rc = xfail(&xs, root, VMC_EMALFORMED, "expected a <domain> root element, found <%s>",
			   root ? (const char *)root->name : "");
		xmlFreeDoc(doc);
		return rc;
	}
	rc = vmc__config_new(&xs.cfg, ctx, xs.origin);
	if (rc == VMC_OK) {
		xs.origin = xs.cfg->origin;
		xs.devices = child(root, "devices");
		xs.os = child(root, "os");
		rc = machine(&xs, root);
		if (rc == VMC_OK)
			rc = devices(&xs);
	}
	xmlFreeDoc(doc);
	if (rc < 0) {
		vmc__config_free(xs.cfg);
		return rc;
	}
	*out = xs.cfg;
	return VMC_OK;
}
