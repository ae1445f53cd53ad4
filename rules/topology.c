/*
 * topology.c - place a configuration's PCI devices (see topology.h).
 *
 * Stage: rules (prove).  Input: the parsed configuration, the machine type
 * and rules/topology.yaml.  Output: each PCI device's bus kind, slot and
 * path, as QEMU computes them (pcibus_get_dev_path, do_pci_register_device).
 */
#include "topology.h"

#include "../lib/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct root {
	const char *prefix, *bus;
	uint32_t kind;
} root;

typedef struct bridge {
	const char *type, *vmsd;
	uint32_t secondary;
	uint8_t first, last;
} bridge;

typedef struct backend {
	const char *kind, *type, *section;
} backend;

struct vmc__topology {
	const char *bus_section;
	backend *backends;
	size_t nbackends;
	root *roots;
	size_t nroots;
	bridge *bridges;
	size_t nbridges;
	uint64_t name_max;
	const char *suffix, *fwcfg_prefix;
	const char *main_ram;
	uint64_t default_ram;
};

static int kind_of(vmc_ctx *ctx, const vmc__ynode *n, const char *name, uint32_t *out)
{
	static const char *const names[] = {"pci-root", "pcie-root", "pcie-port", "pci"};
	uint32_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = i;
			return VMC_OK;
		}
	return vmc__yaml_fail(ctx, n, "expected a bus kind (pci-root, pcie-root, pcie-port, pci), "
				      "found '%s'",
			      name);
}

int vmc__topology_load(const vmc__topology **out, vmc__arena *arena)
{
	static const char *const top[] = {"source",   "roots",    "bridges",     "rom",
					  "main_ram", "backends", "bus_section", NULL};
	static const char *const bskeys[] = {"name", "source", NULL};
	static const char *const bekeys[] = {"kind", "type", "section", "source", NULL};
	static const char *const rkeys[] = {"machine_prefix", "bus", "kind", NULL};
	static const char *const bkeys[] = {"type", "vmsd", "secondary", "slots", "source", NULL};
	static const char *const romkeys[] = {"name_max", "suffix", "fw_cfg_prefix", NULL};
	static const char *const ramkeys[] = {"name", "default_bytes", "source", NULL};
	vmc_ctx *ctx = arena->ctx;
	const vmc__data_file *f = vmc__data_find("rules/topology.yaml");
	const vmc__ynode *doc, *n;
	vmc__topology *t;
	const char *s;
	size_t i;

	if (!f)
		return VMC_FAIL_AT(ctx, VMC_ESCHEMA, VMC_NO_OFFSET, "rules/topology.yaml",
				   "expected the embedded rules/topology.yaml, found none");
	VMC_TRY(vmc__yaml_parse(&doc, arena, f->path, f->data, f->len));
	VMC_TRY(vmc__yaml_check_keys(ctx, doc, top));
	t = vmc__arena_alloc(arena, sizeof(*t));
	if (!t)
		return VMC_ENOMEM;
	n = vmc__yaml_get(doc, "roots");
	if (!n)
		return vmc__yaml_fail(ctx, doc, "expected key 'roots', found none");
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SEQ, "roots"));
	t->roots = vmc__arena_alloc(arena, sizeof(*t->roots) * (n->len + 1));
	if (!t->roots)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		VMC_TRY(vmc__yaml_check_keys(ctx, n->items[i], rkeys));
		VMC_TRY(vmc__yaml_str(ctx, n->items[i], "machine_prefix", 1, &t->roots[i].prefix));
		VMC_TRY(vmc__yaml_str(ctx, n->items[i], "bus", 1, &t->roots[i].bus));
		VMC_TRY(vmc__yaml_str(ctx, n->items[i], "kind", 1, &s));
		VMC_TRY(kind_of(ctx, n->items[i], s, &t->roots[i].kind));
	}
	t->nroots = n->len;
	n = vmc__yaml_get(doc, "bridges");
	if (!n)
		return vmc__yaml_fail(ctx, doc, "expected key 'bridges', found none");
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SEQ, "bridges"));
	t->bridges = vmc__arena_alloc(arena, sizeof(*t->bridges) * (n->len + 1));
	if (!t->bridges)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		const vmc__ynode *e = n->items[i], *slots;
		uint64_t a, b;

		VMC_TRY(vmc__yaml_check_keys(ctx, e, bkeys));
		VMC_TRY(vmc__yaml_str(ctx, e, "type", 1, &t->bridges[i].type));
		VMC_TRY(vmc__yaml_str(ctx, e, "vmsd", 1, &t->bridges[i].vmsd));
		VMC_TRY(vmc__yaml_str(ctx, e, "secondary", 1, &s));
		VMC_TRY(kind_of(ctx, e, s, &t->bridges[i].secondary));
		slots = vmc__yaml_get(e, "slots");
		if (!slots || slots->kind != VMC_YAML_SEQ || slots->len != 2)
			return vmc__yaml_fail(ctx, e, "expected slots: [FIRST, LAST], found another value");
		VMC_TRY(vmc__yaml_scalar_u64(ctx, slots->items[0], &a));
		VMC_TRY(vmc__yaml_scalar_u64(ctx, slots->items[1], &b));
		if (a > b || b > 31)
			return vmc__yaml_fail(ctx, slots, "expected slots within 0..31, found %llu..%llu",
					      (unsigned long long)a, (unsigned long long)b);
		t->bridges[i].first = (uint8_t)a;
		t->bridges[i].last = (uint8_t)b;
	}
	t->nbridges = n->len;
	n = vmc__yaml_get(doc, "rom");
	if (!n)
		return vmc__yaml_fail(ctx, doc, "expected key 'rom', found none");
	VMC_TRY(vmc__yaml_check_keys(ctx, n, romkeys));
	VMC_TRY(vmc__yaml_u64(ctx, n, "name_max", 1, &t->name_max));
	VMC_TRY(vmc__yaml_str(ctx, n, "suffix", 1, &t->suffix));
	VMC_TRY(vmc__yaml_str(ctx, n, "fw_cfg_prefix", 1, &t->fwcfg_prefix));
	n = vmc__yaml_get(doc, "main_ram");
	if (!n)
		return vmc__yaml_fail(ctx, doc, "expected key 'main_ram', found none");
	VMC_TRY(vmc__yaml_check_keys(ctx, n, ramkeys));
	VMC_TRY(vmc__yaml_str(ctx, n, "name", 1, &t->main_ram));
	VMC_TRY(vmc__yaml_u64(ctx, n, "default_bytes", 1, &t->default_ram));
	n = vmc__yaml_get(doc, "bus_section");
	if (!n)
		return vmc__yaml_fail(ctx, doc, "expected key 'bus_section', found none");
	VMC_TRY(vmc__yaml_check_keys(ctx, n, bskeys));
	VMC_TRY(vmc__yaml_str(ctx, n, "name", 1, &t->bus_section));
	n = vmc__yaml_get(doc, "backends");
	if (n) {
		VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SEQ, "backends"));
		t->backends = vmc__arena_alloc(arena, sizeof(*t->backends) * (n->len + 1));
		if (!t->backends)
			return VMC_ENOMEM;
		for (i = 0; i < n->len; i++) {
			VMC_TRY(vmc__yaml_check_keys(ctx, n->items[i], bekeys));
			VMC_TRY(vmc__yaml_str(ctx, n->items[i], "kind", 1, &t->backends[i].kind));
			VMC_TRY(vmc__yaml_str(ctx, n->items[i], "type", 1, &t->backends[i].type));
			VMC_TRY(vmc__yaml_str(ctx, n->items[i], "section", 1,
					      &t->backends[i].section));
		}
		t->nbackends = n->len;
	}
	*out = t;
	return VMC_OK;
}

const char *vmc__topology_bus_section(const vmc__topology *topo)
{
	return topo->bus_section;
}

const char *vmc__topology_backend_section(const vmc__topology *topo, const char *kind,
					  const char *type)
{
	size_t i;

	for (i = 0; i < topo->nbackends; i++)
		if (strcmp(topo->backends[i].kind, kind) == 0 && type &&
		    strcmp(topo->backends[i].type, type) == 0)
			return topo->backends[i].section;
	return NULL;
}

const char *vmc__topology_main_ram(const vmc__topology *topo, uint64_t *default_bytes)
{
	*default_bytes = topo->default_ram;
	return topo->main_ram;
}

/* "0x3", "3", "03.1", "0x3.0x1": slot and function. */
static int parse_addr(const char *s, uint8_t *slot, uint8_t *func)
{
	char *end;
	unsigned long a = strtoul(s, &end, 16), f = 0;

	if (end == s || a > 31)
		return -1;
	if (*end == '.') {
		const char *p = end + 1;
		f = strtoul(p, &end, 16);
		if (end == p || f > 7)
			return -1;
	}
	if (*end)
		return -1;
	*slot = (uint8_t)a;
	*func = (uint8_t)f;
	return 0;
}

typedef struct bus {
	const char *name;
	uint32_t kind;
	char path[88]; /* 8 levels of ":SS.F" fit many times over */
	uint8_t first, last;
	uint8_t used[32][8];
} bus;

int vmc__topology_place(vmc__placed **out, size_t *n, vmc__arena *arena,
			const vmc__topology *topo, const vmc__config *cfg, const char *machine,
			const uint8_t used_root_slots[32],
			int (*is_pci)(void *payload, const char *driver), void *payload)
{
	vmc_ctx *ctx = arena->ctx;
	bus *buses;
	size_t nbuses = 0, i, j, np = 0;
	vmc__placed *placed;
	const root *r = NULL;

	for (i = 0; i < topo->nroots && !r; i++)
		if (machine && strncmp(machine, topo->roots[i].prefix, strlen(topo->roots[i].prefix)) == 0)
			r = &topo->roots[i];
	if (!r)
		return VMC_FAIL_AT(ctx, VMC_EUNSUPPORTED, VMC_NO_OFFSET, cfg->origin,
				   "expected a machine type rules/topology.yaml knows, found '%s'",
				   machine ? machine : "(none)");
	buses = vmc__arena_alloc(arena, sizeof(*buses) * (cfg->ndevices + 1));
	placed = vmc__arena_alloc(arena, sizeof(*placed) * (cfg->ndevices + 1));
	if (!buses || !placed)
		return VMC_ENOMEM;
	buses[0].name = r->bus;
	buses[0].kind = r->kind;
	snprintf(buses[0].path, sizeof(buses[0].path), "0000:00");
	buses[0].first = 0;
	buses[0].last = 31;
	for (i = 0; i < 32; i++)
		if (used_root_slots[i])
			memset(buses[0].used[i], 1, 8);
	nbuses = 1;

	for (i = 0; i < cfg->ndevices; i++) {
		const vmc__cfg_device *d = &cfg->devices[i];
		const bridge *br = NULL;
		const char *busname = vmc__kv_get(d->props, d->nprops, "bus");
		const char *addr = vmc__kv_get(d->props, d->nprops, "addr");
		vmc__placed *p;
		bus *b = NULL;
		uint8_t slot = 0, func = 0;

		for (j = 0; j < topo->nbridges && !br; j++)
			if (strcmp(topo->bridges[j].type, d->driver) == 0)
				br = &topo->bridges[j];
		if (!br && !is_pci(payload, d->driver))
			continue;
		for (j = 0; j < nbuses && !b; j++)
			if (!busname ? j == 0 : strcmp(buses[j].name, busname) == 0)
				b = &buses[j];
		if (!b)
			return VMC_FAIL_AT(ctx, VMC_EMALFORMED, VMC_NO_OFFSET, d->origin,
					   "expected bus '%s' of device '%s' to exist, found no such "
					   "bus (QEMU: Bus '%s' not found)",
					   busname, d->driver, busname);
		if (addr) {
			if (parse_addr(addr, &slot, &func) < 0 || slot < b->first || slot > b->last)
				return VMC_FAIL_AT(ctx, VMC_EMALFORMED, VMC_NO_OFFSET, d->origin,
						   "expected addr= a free slot of bus '%s', found '%s'",
						   b->name, addr);
		} else {
			for (slot = b->first; slot <= b->last && b->used[slot][0]; slot++)
				;
			if (slot > b->last)
				return VMC_FAIL_AT(ctx, VMC_EMALFORMED, VMC_NO_OFFSET, d->origin,
						   "expected a free slot on bus '%s' for '%s', found "
						   "none",
						   b->name, d->driver);
		}
		if (b->used[slot][func])
			return VMC_FAIL_AT(ctx, VMC_EMALFORMED, VMC_NO_OFFSET, d->origin,
					   "expected slot %02x.%x of bus '%s' to be free for '%s', "
					   "found it taken",
					   slot, func, b->name, d->driver);
		b->used[slot][func] = 1;
		p = &placed[np++];
		memset(p, 0, sizeof(*p));
		p->dev = d;
		p->bus_kind = b->kind;
		p->slot = slot;
		p->func = func;
		snprintf(p->path, sizeof(p->path), "%.87s:%02x.%x", b->path, slot & 0x1f, func & 7);
		if (br) {
			bus *nb = &buses[nbuses++];
			p->bridge_vmsd = br->vmsd;
			p->secondary_kind = br->secondary;
			memset(nb, 0, sizeof(*nb));
			nb->name = d->id ? d->id : "";
			nb->kind = br->secondary;
			nb->first = br->first;
			nb->last = br->last;
			snprintf(nb->path, sizeof(nb->path), "%.87s", p->path);
		}
	}
	*out = placed;
	*n = np;
	return VMC_OK;
}

void vmc__topology_rom_name(char *out, size_t cap, const vmc__topology *topo, const char *path,
			    const char *qom_type, const char *romfile, int rombar)
{
	char name[256];
	size_t max = topo->name_max;

	if (!rombar) {
		snprintf(out, cap, "%s%s", topo->fwcfg_prefix, romfile);
		return;
	}
	/* pci_add_option_rom formats "<type>.rom" into char[32]; the RAM block
	 * then gets the device path in front (qemu_ram_set_idstr) */
	snprintf(name, sizeof(name), "%s%s", qom_type, topo->suffix);
	if (strlen(name) > max)
		name[max] = '\0';
	snprintf(out, cap, "%s/%s", path, name);
}
