/*
 * pci_build.c - predict a virtio-pci function's PCI config space from its
 * configuration (issue #5).
 *
 * Stage: rules.  Inputs: rules/virtio-pci-layout.yaml (the realize sequence
 * and the resolution of properties, as data) and the family identities of
 * rules/virtio-families.yaml, both embedded; a configuration (QOM type,
 * properties, bus kind, machine type, -smp) or a filled vmc__vpci_params.
 * Outputs: vmc__vpci_params; the 256/4096 config bytes and the BARs.
 *
 * The engine knows no device, property or register by name except the
 * parameter names of vmc__vpci_params (param_fields below, which the YAML
 * must list exactly) and the PCI mechanics QEMU applies to every device:
 *
 *   - pci_find_space (hw/pci/pci.c): first fit from 0x40, scanning bytes,
 *     with QEMU_ALIGN_UP(size, 4) bytes marked used per capability;
 *   - pci_add_capability: the new capability's next = the old head (0x34),
 *     0x34 = the new one, STATUS |= CAP_LIST (0x10);
 *   - virtio_pci_realize's extended capabilities: consecutive from 0x100
 *     (last_pcie_cap_offset += size), each appended at the tail of the list
 *     (pcie_add_capability sets the previous header's next, bits 31:20);
 *   - pci_register_bar: the register holds the type bits only (I/O 0x1;
 *     memory: 64-bit 0x4, prefetchable 0x8), the size is a power of two.
 *
 * Config space layout written (type 0 header, PCI Local Bus 3.0 §6.1):
 *
 *   OFFSET  SIZE  what                         from
 *   0x00    0x40  header registers             layout.header (+ 0x06, 0x34)
 *   0x10    24    BAR0..BAR5                   layout.bars
 *   0x30    4     expansion ROM BAR            layout.rom
 *   0x40    0xc0  standard capabilities        layout.capabilities
 *   0x100   0xf00 extended capabilities        layout.extended_capabilities
 *                 (4096-byte configs only)
 *
 * Expressions are the schema language's (vmstate/expr.c); names resolve
 * in a flat scope of vmc_field nodes (UINT, or BYTES for strings so that
 * len() works) built per call.  Invariants: *out of a loader is immutable;
 * build writes exactly *size bytes of config and zeroes the rest.
 * Non-goals: wmask/cmask (rules/pci-masks.yaml), state a running guest
 * writes (BAR addresses, COMMAND, MSI-X enable), devices other than
 * virtio-pci, QEMU versions other than the file's `qemu`.
 */
#include "pci_build.h"

#include "../lib/data.h"
#include "../parsers/yaml.h"
#include "../vmstate/expr.h"
#include "../vmstate/pci_config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAMILIES_PATH "rules/virtio-families.yaml"
#define MAX_SCOPE 160u /* names bound during one resolve or build */

/* vmc__vpci_params fields the YAML computes, by name. */
static const struct {
	const char *name;
	size_t off;
} param_fields[] = {
	{"legacy", offsetof(vmc__vpci_params, legacy)},
	{"modern", offsetof(vmc__vpci_params, modern)},
	{"express", offsetof(vmc__vpci_params, express)},
	{"vectors", offsetof(vmc__vpci_params, vectors)},
	{"page_per_vq", offsetof(vmc__vpci_params, page_per_vq)},
	{"modern_pio_notify", offsetof(vmc__vpci_params, modern_pio_notify)},
	{"ats", offsetof(vmc__vpci_params, ats)},
	{"ats_page_aligned", offsetof(vmc__vpci_params, ats_page_aligned)},
	{"aer", offsetof(vmc__vpci_params, aer)},
	{"x_pcie_flr_init", offsetof(vmc__vpci_params, x_pcie_flr_init)},
	{"x_pcie_pm_init", offsetof(vmc__vpci_params, x_pcie_pm_init)},
	{"x_pcie_lnkctl_init", offsetof(vmc__vpci_params, x_pcie_lnkctl_init)},
	{"x_pcie_deverr_init", offsetof(vmc__vpci_params, x_pcie_deverr_init)},
	{"x_pcie_extcap_init", offsetof(vmc__vpci_params, x_pcie_extcap_init)},
	{"config_len", offsetof(vmc__vpci_params, config_len)},
	{"class_code", offsetof(vmc__vpci_params, class_code)},
	{"rom", offsetof(vmc__vpci_params, rom)},
	{"multifunction", offsetof(vmc__vpci_params, multifunction)},
};
#define NPARAMS (sizeof(param_fields) / sizeof(param_fields[0]))

/* An expression and where it was written ("FILE:LINE", for errors). */
typedef struct xp {
	const vmc__expr *e;
	const char *where;
} xp;

typedef struct named_xp {
	const char *name;
	xp x;
} named_xp;

typedef struct prop_def {
	const char *name;
	const char *dflt;
	int generic_only;
} prop_def;

typedef struct flavour_def {
	const char *name; /* key of virtio-families.yaml qom: generic, ... */
	int generic;
	xp legacy, modern;
} flavour_def;

typedef struct family_def {
	/* rules/virtio-families.yaml */
	const char *name;
	uint64_t virtio_id, legacy_device_id, class24;
	int legacy_allowed;
	const char *qom[3]; /* generic, transitional, non-transitional (or NULL) */
	/* rules/virtio-pci-layout.yaml resolve.families */
	const char **types;
	size_t ntypes;
	prop_def *props;
	size_t nprops;
	named_xp *params; /* overrides of resolve.params */
	size_t nparams;
} family_def;

typedef struct compat_def {
	uint32_t until; /* machine version major * 1000 + minor */
	const char *driver, *property, *value;
	int optional;
} compat_def;

typedef struct refusal_def {
	xp x;
	const char *message;
} refusal_def;

typedef struct field_def {
	uint32_t offset, size;
	xp value;
} field_def;

typedef struct cap_def {
	const char *name;
	uint32_t id, version, size;
	xp when;
	field_def *fields;
	size_t nfields;
} cap_def;

typedef struct bar_def {
	uint32_t index, kind, prefetchable;
	xp when, size;
} bar_def;

struct vmc__vpci_layout {
	uint32_t qemu;
	const char **alias, **alias_machine;
	size_t naliases;
	const char **common_types;
	size_t ncommon_types;
	flavour_def *flavours;
	size_t nflavours;
	prop_def *props;
	size_t nprops;
	named_xp params[NPARAMS]; /* in the YAML's order */
	refusal_def *refusals;
	size_t nrefusals;
	family_def *families;
	size_t nfamilies;
	compat_def *compat;
	size_t ncompat;
	named_xp *derived;
	size_t nderived;
	xp config_size;
	field_def *header;
	size_t nheader;
	bar_def *bars;
	size_t nbars;
	int has_rom;
	xp rom_when, rom_register;
	cap_def *caps, *ext_caps;
	size_t ncaps, next_caps;
};

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct loader {
	vmc__arena *a;
	vmc_ctx *ctx;
} loader;

static void *alloc_n(loader *l, size_t n, size_t size)
{
	size_t total;

	if (!vmc__mul_size(n ? n : 1, size, &total)) {
		VMC_FAIL(l->ctx, VMC_ENOMEM, VMC_NO_OFFSET, "out of memory");
		return NULL;
	}
	return vmc__arena_alloc(l->a, total);
}

static int need(loader *l, const vmc__ynode *map, const char *key, uint32_t kind,
		const vmc__ynode **out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	if (!n)
		return vmc__yaml_fail(l->ctx, map, "expected key '%s', found none", key);
	VMC_TRY(vmc__yaml_expect(l->ctx, n, kind, key));
	*out = n;
	return VMC_OK;
}

/* A sequence under key, or an empty one when absent and optional. */
static int seq(loader *l, const vmc__ynode *map, const char *key, int required,
	       const vmc__ynode **out)
{
	static const vmc__ynode empty = {VMC_YAML_SEQ, 0, "", NULL, 0, NULL, NULL, 0};

	if (!required && !vmc__yaml_get(map, key)) {
		*out = &empty;
		return VMC_OK;
	}
	return need(l, map, key, VMC_YAML_SEQ, out);
}

static int parse_xp(loader *l, const vmc__ynode *n, xp *out)
{
	char buf[512];

	VMC_TRY(vmc__yaml_expect(l->ctx, n, VMC_YAML_SCALAR, "an expression"));
	VMC_TRY(vmc__expr_parse(&out->e, l->a, n->scalar, n));
	snprintf(buf, sizeof(buf), "%s:%u", n->file, n->line);
	out->where = vmc__arena_strndup(l->a, buf, strlen(buf));
	return out->where ? VMC_OK : VMC_ENOMEM;
}

static int key_xp(loader *l, const vmc__ynode *map, const char *key, xp *out)
{
	const vmc__ynode *n;

	VMC_TRY(need(l, map, key, VMC_YAML_SCALAR, &n));
	return parse_xp(l, n, out);
}

static int key_u32(loader *l, const vmc__ynode *map, const char *key, int required,
		   uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	int rc = vmc__yaml_u64(l->ctx, map, key, required, &v);

	VMC_TRY(rc);
	if (v > max)
		return vmc__yaml_fail(l->ctx, vmc__yaml_get(map, key),
				      "expected '%s' <= %u, found %llu", key, max,
				      (unsigned long long)v);
	if (rc > 0 || required)
		*out = (uint32_t)v;
	return VMC_OK;
}

/* "7.2" -> 7002.  0 when not MAJOR.MINOR. */
static uint32_t version_of(const char *s)
{
	char *end;
	unsigned long major, minor;

	if (!s || *s < '0' || *s > '9')
		return 0;
	major = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return 0;
	minor = strtoul(end + 1, &end, 10);
	if (*end || major > 999 || minor > 999)
		return 0;
	return (uint32_t)(major * 1000 + minor);
}

static int str_list(loader *l, const vmc__ynode *n, const char ***out, size_t *nout)
{
	size_t i;

	VMC_TRY(vmc__yaml_expect(l->ctx, n, VMC_YAML_SEQ, "a list of names"));
	*out = alloc_n(l, n->len, sizeof(**out));
	if (!*out)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		VMC_TRY(vmc__yaml_expect(l->ctx, n->items[i], VMC_YAML_SCALAR, "a name"));
		(*out)[i] = n->items[i]->scalar;
	}
	*nout = n->len;
	return VMC_OK;
}

static int load_props(loader *l, const vmc__ynode *list, prop_def **out, size_t *nout)
{
	static const char *const keys[] = {"name", "default", "generic_only", "source", NULL};
	size_t i;

	*out = alloc_n(l, list->len, sizeof(**out));
	if (!*out)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i];
		prop_def *p = &(*out)[i];

		VMC_TRY(vmc__yaml_check_keys(l->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(l->ctx, e, "name", 1, &p->name));
		VMC_TRY(vmc__yaml_str(l->ctx, e, "default", 1, &p->dflt));
		VMC_TRY(vmc__yaml_bool(l->ctx, e, "generic_only", 0, &p->generic_only));
	}
	*nout = list->len;
	return VMC_OK;
}

static int param_index(const char *name)
{
	size_t i;

	for (i = 0; i < NPARAMS; i++)
		if (strcmp(param_fields[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int load_named(loader *l, const vmc__ynode *list, const char *vkey, named_xp **out,
		      size_t *nout, int params_only)
{
	static const char *const keys[] = {"name", "value", "source", NULL};
	size_t i;

	*out = alloc_n(l, list->len, sizeof(**out));
	if (!*out)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i];

		VMC_TRY(vmc__yaml_expect(l->ctx, e, VMC_YAML_MAP, "an entry"));
		VMC_TRY(vmc__yaml_check_keys(l->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(l->ctx, e, "name", 1, &(*out)[i].name));
		if (params_only && param_index((*out)[i].name) < 0)
			return vmc__yaml_fail(l->ctx, e, "expected a parameter of vmc__vpci_params, found '%s'",
					      (*out)[i].name);
		VMC_TRY(key_xp(l, e, vkey, &(*out)[i].x));
	}
	*nout = list->len;
	return VMC_OK;
}

/* The identities of rules/virtio-families.yaml (validated in full by its
 * owner, vmstate/virtio_facts.c; here only the keys read are checked). */
static int load_identity(loader *l, family_def *f)
{
	static const char *const qkeys[] = {"generic", "transitional", "non-transitional"};
	const vmc__data_file *df = vmc__data_find(FAMILIES_PATH);
	const vmc__ynode *root, *list, *q;
	size_t i, k;

	if (!df)
		return VMC_FAIL_AT(l->ctx, VMC_ESCHEMA, VMC_NO_OFFSET, FAMILIES_PATH,
				   "expected embedded data file '%s', found none", FAMILIES_PATH);
	VMC_TRY(vmc__yaml_parse(&root, l->a, FAMILIES_PATH, df->data, df->len));
	VMC_TRY(need(l, root, "families", VMC_YAML_SEQ, &list));
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i];
		const char *name;

		VMC_TRY(vmc__yaml_str(l->ctx, e, "name", 1, &name));
		if (strcmp(name, f->name) != 0)
			continue;
		VMC_TRY(vmc__yaml_u64(l->ctx, e, "virtio_id", 1, &f->virtio_id));
		VMC_TRY(vmc__yaml_u64(l->ctx, e, "legacy_device_id", 0, &f->legacy_device_id));
		VMC_TRY(vmc__yaml_u64(l->ctx, e, "class", 1, &f->class24));
		VMC_TRY(vmc__yaml_bool(l->ctx, e, "legacy_allowed", 1, &f->legacy_allowed));
		VMC_TRY(need(l, e, "qom", VMC_YAML_MAP, &q));
		for (k = 0; k < 3; k++)
			VMC_TRY(vmc__yaml_str(l->ctx, q, qkeys[k], 0, &f->qom[k]));
		return VMC_OK;
	}
	return VMC_FAIL_AT(l->ctx, VMC_ESCHEMA, VMC_NO_OFFSET, FAMILIES_PATH,
			   "expected family '%s' (used by %s), found none", f->name,
			   VMC_VPCI_LAYOUT_PATH);
}

static int load_families(loader *l, vmc__vpci_layout *L, const vmc__ynode *list)
{
	static const char *const keys[] = {"family", "types", "properties", "params", "source", NULL};
	size_t i, j;

	L->families = alloc_n(l, list->len, sizeof(*L->families));
	if (!L->families)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i], *n;
		family_def *f = &L->families[i];

		VMC_TRY(vmc__yaml_check_keys(l->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(l->ctx, e, "family", 1, &f->name));
		for (j = 0; j < i; j++)
			if (strcmp(L->families[j].name, f->name) == 0)
				return vmc__yaml_fail(l->ctx, e, "expected unique families, found '%s' twice",
						      f->name);
		VMC_TRY(need(l, e, "types", VMC_YAML_SEQ, &n));
		VMC_TRY(str_list(l, n, &f->types, &f->ntypes));
		VMC_TRY(seq(l, e, "properties", 0, &n));
		VMC_TRY(load_props(l, n, &f->props, &f->nprops));
		VMC_TRY(seq(l, e, "params", 0, &n));
		VMC_TRY(load_named(l, n, "value", &f->params, &f->nparams, 1));
		VMC_TRY(load_identity(l, f));
	}
	L->nfamilies = list->len;
	return VMC_OK;
}

static int load_resolve(loader *l, vmc__vpci_layout *L, const vmc__ynode *r)
{
	static const char *const keys[] = {"qemu", "machine_aliases", "common_types", "flavours",
					   "properties", "params", "refusals", "families",
					   "compat", NULL};
	static const char *const akeys[] = {"alias", "machine", NULL};
	static const char *const fkeys[] = {"name", "generic", "legacy", "modern", "source", NULL};
	static const char *const rkeys[] = {"expr", "message", "source", NULL};
	static const char *const ckeys[] = {"until", "driver", "property", "value", "optional",
					    "source", NULL};
	const vmc__ynode *n;
	named_xp *params;
	size_t i, np;
	const char *s;

	VMC_TRY(vmc__yaml_check_keys(l->ctx, r, keys));
	VMC_TRY(vmc__yaml_str(l->ctx, r, "qemu", 1, &s));
	L->qemu = version_of(s);
	if (!L->qemu)
		return vmc__yaml_fail(l->ctx, vmc__yaml_get(r, "qemu"),
				      "expected a version MAJOR.MINOR, found '%s'", s);

	VMC_TRY(seq(l, r, "machine_aliases", 1, &n));
	L->alias = alloc_n(l, n->len, sizeof(*L->alias));
	L->alias_machine = alloc_n(l, n->len, sizeof(*L->alias_machine));
	if (!L->alias || !L->alias_machine)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		VMC_TRY(vmc__yaml_check_keys(l->ctx, n->items[i], akeys));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "alias", 1, &L->alias[i]));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "machine", 1, &L->alias_machine[i]));
	}
	L->naliases = n->len;

	VMC_TRY(need(l, r, "common_types", VMC_YAML_SEQ, &n));
	VMC_TRY(str_list(l, n, &L->common_types, &L->ncommon_types));

	VMC_TRY(seq(l, r, "flavours", 1, &n));
	L->flavours = alloc_n(l, n->len, sizeof(*L->flavours));
	if (!L->flavours)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		flavour_def *f = &L->flavours[i];

		VMC_TRY(vmc__yaml_check_keys(l->ctx, n->items[i], fkeys));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "name", 1, &f->name));
		if (strcmp(f->name, "generic") && strcmp(f->name, "transitional") &&
		    strcmp(f->name, "non-transitional"))
			return vmc__yaml_fail(l->ctx, n->items[i],
					      "expected a flavour of virtio-families.yaml qom (generic, transitional, non-transitional), found '%s'",
					      f->name);
		VMC_TRY(vmc__yaml_bool(l->ctx, n->items[i], "generic", 0, &f->generic));
		VMC_TRY(key_xp(l, n->items[i], "legacy", &f->legacy));
		VMC_TRY(key_xp(l, n->items[i], "modern", &f->modern));
	}
	L->nflavours = n->len;

	VMC_TRY(seq(l, r, "properties", 1, &n));
	VMC_TRY(load_props(l, n, &L->props, &L->nprops));

	/* Every parameter exactly once: the engine fills the whole struct. */
	VMC_TRY(seq(l, r, "params", 1, &n));
	VMC_TRY(load_named(l, n, "value", &params, &np, 1));
	for (i = 0; i < np; i++) {
		size_t j;

		for (j = 0; j < i; j++)
			if (strcmp(params[j].name, params[i].name) == 0)
				return vmc__yaml_fail(l->ctx, n->items[i],
						      "expected each parameter once, found '%s' twice",
						      params[i].name);
	}
	if (np != NPARAMS)
		return vmc__yaml_fail(l->ctx, n, "expected all %zu parameters of vmc__vpci_params, found %zu",
				      (size_t)NPARAMS, np);
	memcpy(L->params, params, sizeof(L->params));

	VMC_TRY(seq(l, r, "refusals", 0, &n));
	L->refusals = alloc_n(l, n->len, sizeof(*L->refusals));
	if (!L->refusals)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		VMC_TRY(vmc__yaml_check_keys(l->ctx, n->items[i], rkeys));
		VMC_TRY(key_xp(l, n->items[i], "expr", &L->refusals[i].x));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "message", 1, &L->refusals[i].message));
	}
	L->nrefusals = n->len;

	VMC_TRY(seq(l, r, "families", 1, &n));
	VMC_TRY(load_families(l, L, n));

	VMC_TRY(seq(l, r, "compat", 0, &n));
	L->compat = alloc_n(l, n->len, sizeof(*L->compat));
	if (!L->compat)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		compat_def *c = &L->compat[i];

		VMC_TRY(vmc__yaml_check_keys(l->ctx, n->items[i], ckeys));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "until", 1, &s));
		c->until = version_of(s);
		if (!c->until)
			return vmc__yaml_fail(l->ctx, n->items[i],
					      "expected 'until' MAJOR.MINOR, found '%s'", s);
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "driver", 1, &c->driver));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "property", 1, &c->property));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "value", 1, &c->value));
		VMC_TRY(vmc__yaml_bool(l->ctx, n->items[i], "optional", 0, &c->optional));
	}
	L->ncompat = n->len;
	return VMC_OK;
}

/* A list of {offset, size, value} inside limit bytes. */
static int load_fields(loader *l, const vmc__ynode *list, uint32_t limit, field_def **out,
		       size_t *nout)
{
	static const char *const keys[] = {"name", "offset", "size", "value", "source", NULL};
	size_t i;

	*out = alloc_n(l, list->len, sizeof(**out));
	if (!*out)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		field_def *f = &(*out)[i];

		VMC_TRY(vmc__yaml_check_keys(l->ctx, list->items[i], keys));
		VMC_TRY(key_u32(l, list->items[i], "offset", 1, limit, &f->offset));
		VMC_TRY(key_u32(l, list->items[i], "size", 1, 4, &f->size));
		if (!f->size || f->offset + f->size > limit)
			return vmc__yaml_fail(l->ctx, list->items[i],
					      "expected a field of 1..4 bytes inside %u bytes, found %u at %u",
					      limit, f->size, f->offset);
		VMC_TRY(key_xp(l, list->items[i], "value", &f->value));
	}
	*nout = list->len;
	return VMC_OK;
}

static int load_caps(loader *l, const vmc__ynode *list, int extended, cap_def **out,
		     size_t *nout)
{
	static const char *const keys[] = {"name", "id", "version", "when", "size", "fields",
					   "source", NULL};
	size_t i;

	*out = alloc_n(l, list->len, sizeof(**out));
	if (!*out)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i], *n;
		cap_def *c = &(*out)[i];

		VMC_TRY(vmc__yaml_check_keys(l->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(l->ctx, e, "name", 1, &c->name));
		VMC_TRY(key_u32(l, e, "id", 1, extended ? 0xffff : 0xff, &c->id));
		VMC_TRY(key_u32(l, e, "version", extended, 0xf, &c->version));
		if (!extended && vmc__yaml_get(e, "version"))
			return vmc__yaml_fail(l->ctx, e, "expected no 'version' on a standard capability, found one");
		/* pcie_add_capability asserts size >= 8; standard ones hold the
		 * 2-byte header at least. */
		VMC_TRY(key_u32(l, e, "size", 1, extended ? 0xf00 : 0xc0, &c->size));
		if (c->size < (extended ? 8u : 2u))
			return vmc__yaml_fail(l->ctx, e, "expected a larger 'size', found %u", c->size);
		VMC_TRY(key_xp(l, e, "when", &c->when));
		VMC_TRY(need(l, e, "fields", VMC_YAML_SEQ, &n));
		VMC_TRY(load_fields(l, n, c->size, &c->fields, &c->nfields));
	}
	*nout = list->len;
	return VMC_OK;
}

static int load_layout(loader *l, vmc__vpci_layout *L, const vmc__ynode *y)
{
	static const char *const keys[] = {"derived", "config_size", "header", "bars", "rom",
					   "capabilities", "extended_capabilities", NULL};
	static const char *const bkeys[] = {"index", "kind", "prefetchable", "when", "size",
					    "source", NULL};
	static const char *const romkeys[] = {"when", "register", "source", NULL};
	const vmc__ynode *n, *rom;
	size_t i;

	VMC_TRY(vmc__yaml_check_keys(l->ctx, y, keys));
	VMC_TRY(seq(l, y, "derived", 0, &n));
	VMC_TRY(load_named(l, n, "value", &L->derived, &L->nderived, 0));
	VMC_TRY(key_xp(l, y, "config_size", &L->config_size));

	VMC_TRY(need(l, y, "header", VMC_YAML_SEQ, &n));
	VMC_TRY(load_fields(l, n, 0x40, &L->header, &L->nheader));

	VMC_TRY(need(l, y, "bars", VMC_YAML_SEQ, &n));
	L->bars = alloc_n(l, n->len, sizeof(*L->bars));
	if (!L->bars)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		bar_def *b = &L->bars[i];
		const char *kind;
		int pf = 0;

		VMC_TRY(vmc__yaml_check_keys(l->ctx, n->items[i], bkeys));
		VMC_TRY(key_u32(l, n->items[i], "index", 1, 5, &b->index));
		VMC_TRY(vmc__yaml_str(l->ctx, n->items[i], "kind", 1, &kind));
		if (strcmp(kind, "io") == 0)
			b->kind = VMC_PCI_BAR_IO;
		else if (strcmp(kind, "mem32") == 0)
			b->kind = VMC_PCI_BAR_MEM32;
		else if (strcmp(kind, "mem64") == 0 && b->index < 5)
			b->kind = VMC_PCI_BAR_MEM64;
		else
			return vmc__yaml_fail(l->ctx, n->items[i],
					      "expected kind io, mem32 or mem64 (index < 5), found '%s'", kind);
		VMC_TRY(vmc__yaml_bool(l->ctx, n->items[i], "prefetchable", 0, &pf));
		b->prefetchable = pf && b->kind != VMC_PCI_BAR_IO;
		VMC_TRY(key_xp(l, n->items[i], "when", &b->when));
		VMC_TRY(key_xp(l, n->items[i], "size", &b->size));
	}
	L->nbars = n->len;

	rom = vmc__yaml_get(y, "rom");
	if (rom) {
		VMC_TRY(vmc__yaml_expect(l->ctx, rom, VMC_YAML_MAP, "rom"));
		VMC_TRY(vmc__yaml_check_keys(l->ctx, rom, romkeys));
		VMC_TRY(key_xp(l, rom, "when", &L->rom_when));
		VMC_TRY(key_xp(l, rom, "register", &L->rom_register));
		L->has_rom = 1;
	}

	VMC_TRY(seq(l, y, "capabilities", 1, &n));
	VMC_TRY(load_caps(l, n, 0, &L->caps, &L->ncaps));
	VMC_TRY(seq(l, y, "extended_capabilities", 0, &n));
	return load_caps(l, n, 1, &L->ext_caps, &L->next_caps);
}

int vmc__vpci_layout_load(const vmc__vpci_layout **out, vmc__arena *arena, const char *name,
			  const uint8_t *data, size_t len)
{
	static const char *const keys[] = {"source", "resolve", "layout", NULL};
	loader l = {arena, arena->ctx};
	const vmc__ynode *root, *n;
	vmc__vpci_layout *L;

	VMC_TRY(vmc__yaml_parse(&root, arena, name, data, len));
	VMC_TRY(vmc__yaml_expect(l.ctx, root, VMC_YAML_MAP, "a map"));
	VMC_TRY(vmc__yaml_check_keys(l.ctx, root, keys));
	L = vmc__arena_alloc(arena, sizeof(*L));
	if (!L)
		return VMC_ENOMEM;
	VMC_TRY(need(&l, root, "resolve", VMC_YAML_MAP, &n));
	VMC_TRY(load_resolve(&l, L, n));
	VMC_TRY(need(&l, root, "layout", VMC_YAML_MAP, &n));
	VMC_TRY(load_layout(&l, L, n));
	*out = L;
	return VMC_OK;
}

int vmc__vpci_layout_builtin(const vmc__vpci_layout **out, vmc__arena *arena)
{
	const vmc__data_file *f = vmc__data_find(VMC_VPCI_LAYOUT_PATH);

	if (!f)
		return VMC_FAIL_AT(arena->ctx, VMC_ESCHEMA, VMC_NO_OFFSET, VMC_VPCI_LAYOUT_PATH,
				   "expected embedded data file '%s', found none",
				   VMC_VPCI_LAYOUT_PATH);
	return vmc__vpci_layout_load(out, arena, VMC_VPCI_LAYOUT_PATH, f->data, f->len);
}

/* ------------------------------------------------------------------------ */
/* Scope and evaluation                                                     */
/* ------------------------------------------------------------------------ */

typedef struct scope {
	vmc_ctx *ctx;
	vmc_field f[MAX_SCOPE];
	size_t n;
} scope;

static const vmc_field *lookup(void *payload, const char *name)
{
	const scope *s = payload;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->f[i].name, name) == 0)
			return &s->f[i];
	return NULL;
}

static vmc_field *slot(scope *s, const char *name)
{
	vmc_field *f = (vmc_field *)lookup(s, name);

	if (f)
		return f;
	if (s->n == MAX_SCOPE) {
		VMC_FAIL(s->ctx, VMC_ELIMIT, VMC_NO_OFFSET,
			 "more than %u names in one virtio-pci resolution", MAX_SCOPE);
		return NULL;
	}
	f = &s->f[s->n++];
	memset(f, 0, sizeof(*f));
	f->name = name;
	return f;
}

static int bind_uint(scope *s, const char *name, uint64_t v)
{
	vmc_field *f = slot(s, name);

	if (!f)
		return VMC_ELIMIT;
	f->kind = VMC_FIELD_UINT;
	f->type = "uint64";
	f->u = v;
	f->size = 8;
	f->bytes = NULL;
	return VMC_OK;
}

/* A property value as the expressions see it: booleans and OnOffAuto
 * (off 0, on 1, auto 2), integers (decimal or 0x hex; a negative one wraps
 * to 32 bits as QEMU's uint32 properties store it: -1 is 0xffffffff), else
 * a string (BYTES, for len()). */
static int bind_value(scope *s, const char *name, const char *v)
{
	static const struct {
		const char *text;
		uint64_t v;
	} words[] = {{"on", 1}, {"true", 1}, {"yes", 1}, {"off", 0}, {"false", 0}, {"no", 0},
		     {"auto", 2}};
	vmc_field *f;
	size_t i;
	char *end;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(v, words[i].text) == 0)
			return bind_uint(s, name, words[i].v);
	if (*v) {
		int neg = *v == '-';
		unsigned long long u = strtoull(v + neg, &end, 0);

		if (!*end && v[neg] >= '0' && v[neg] <= '9')
			return bind_uint(s, name, neg ? (uint32_t)(0u - (uint32_t)u) : (uint64_t)u);
	}
	f = slot(s, name);
	if (!f)
		return VMC_ELIMIT;
	f->kind = VMC_FIELD_BYTES;
	f->type = "string";
	f->bytes = (const uint8_t *)v;
	f->size = strlen(v);
	return VMC_OK;
}

static int ev(uint64_t *out, scope *s, const xp *x)
{
	vmc__expr_env env = {s->ctx, lookup, s, (uint64_t)VMC_NO_OFFSET, x->where};

	return vmc__expr_eval(out, x->e, &env);
}

static const family_def *family_named(const vmc__vpci_layout *L, const char *name)
{
	size_t i;

	for (i = 0; name && i < L->nfamilies; i++)
		if (strcmp(L->families[i].name, name) == 0)
			return &L->families[i];
	return NULL;
}

static int bind_family(scope *s, const family_def *f)
{
	VMC_TRY(bind_uint(s, "virtio_id", f->virtio_id));
	VMC_TRY(bind_uint(s, "legacy_device_id", f->legacy_device_id));
	VMC_TRY(bind_uint(s, "family_class", f->class24 >> 8)); /* base << 8 | sub */
	return bind_uint(s, "legacy_allowed", (uint64_t)f->legacy_allowed);
}

/* ------------------------------------------------------------------------ */
/* Resolve                                                                  */
/* ------------------------------------------------------------------------ */

static int in_chain(const char *driver, const char *qom, const family_def *f,
		    const vmc__vpci_layout *L)
{
	size_t i;

	if (strcmp(driver, qom) == 0)
		return 1;
	for (i = 0; i < f->ntypes; i++)
		if (strcmp(driver, f->types[i]) == 0)
			return 1;
	for (i = 0; i < L->ncommon_types; i++)
		if (strcmp(driver, L->common_types[i]) == 0)
			return 1;
	return 0;
}

static const prop_def *generic_only(const vmc__vpci_layout *L, const char *name)
{
	size_t i;

	for (i = 0; i < L->nprops; i++)
		if (L->props[i].generic_only && strcmp(L->props[i].name, name) == 0)
			return &L->props[i];
	return NULL;
}

static int machine_version(uint32_t *out, vmc_ctx *ctx, const vmc__vpci_layout *L,
			   const char *machine)
{
	const char *m = machine ? machine : "pc", *dash;
	size_t i;

	for (i = 0; i < L->naliases; i++)
		if (strcmp(L->alias[i], m) == 0)
			m = L->alias_machine[i];
	dash = strrchr(m, '-');
	*out = dash ? version_of(dash + 1) : 0;
	if (!*out || *out > L->qemu)
		return VMC_FAIL_AT(ctx, VMC_EUNSUPPORTED, VMC_NO_OFFSET, VMC_VPCI_LAYOUT_PATH,
				   "expected a versioned machine type up to %u.%u, found '%s'",
				   L->qemu / 1000, L->qemu % 1000, m);
	return VMC_OK;
}

int vmc__vpci_resolve(vmc__vpci_params *out, vmc_ctx *ctx, const vmc__vpci_layout *L,
		      const char *qom_type, const vmc__kv *props, size_t nprops,
		      const vmc__kv *globals, size_t nglobals, uint32_t bus, const char *machine,
		      uint32_t cpus)
{
	static const char *const qkeys[] = {"generic", "transitional", "non-transitional"};
	const family_def *f = NULL;
	const flavour_def *fl = NULL;
	vmc__vpci_params p;
	uint32_t mver;
	uint64_t v;
	scope *s;
	size_t i, j;
	int rc = VMC_OK;

	VMC_FAIL_IF(!out || !L || !qom_type || (nprops && !props) || (nglobals && !globals) ||
			    bus > VMC_VPCI_BUS_PCIE_PORT,
		    ctx, VMC_EINVAL, VMC_NO_OFFSET, "vmc__vpci_resolve: bad arguments");
	for (i = 0; i < L->nfamilies && !fl; i++)
		for (j = 0; j < 3 && !fl; j++)
			if (L->families[i].qom[j] && strcmp(L->families[i].qom[j], qom_type) == 0) {
				size_t k;

				f = &L->families[i];
				for (k = 0; k < L->nflavours; k++)
					if (strcmp(L->flavours[k].name, qkeys[j]) == 0)
						fl = &L->flavours[k];
			}
	if (!fl)
		return VMC_FAIL_AT(ctx, VMC_EUNSUPPORTED, VMC_NO_OFFSET, VMC_VPCI_LAYOUT_PATH,
				   "expected a virtio-pci QOM type the rules know, found '%s'",
				   qom_type);
	VMC_TRY(machine_version(&mver, ctx, L, machine));

	memset(&p, 0, sizeof(p));
	p.family = f->name;
	s = vmc__calloc(ctx, 1, sizeof(*s));
	if (!s)
		return VMC_ENOMEM;
	s->ctx = ctx;

#define TRY_(expr)                                                                                \
	do {                                                                                      \
		rc = (expr);                                                                      \
		if (rc < 0)                                                                       \
			goto done;                                                                \
	} while (0)

	/* QEMU's order: property defaults (class, then the family's), the
	 * machine's compat properties, -global, then -device. */
	for (i = 0; i < L->nprops; i++)
		TRY_(bind_value(s, L->props[i].name, L->props[i].dflt));
	for (i = 0; i < f->nprops; i++)
		TRY_(bind_value(s, f->props[i].name, f->props[i].dflt));
	for (i = 0; i < L->ncompat; i++) {
		const compat_def *c = &L->compat[i];

		if (mver > c->until || !in_chain(c->driver, qom_type, f, L))
			continue;
		if (c->optional && !fl->generic && generic_only(L, c->property))
			continue;
		TRY_(bind_value(s, c->property, c->value));
	}
	for (i = 0; i < nglobals; i++) {
		const char *dot = globals[i].key ? strchr(globals[i].key, '.') : NULL;
		char drv[128];

		if (!dot || !globals[i].value || (size_t)(dot - globals[i].key) >= sizeof(drv))
			continue;
		memcpy(drv, globals[i].key, (size_t)(dot - globals[i].key));
		drv[dot - globals[i].key] = 0;
		if (in_chain(drv, qom_type, f, L))
			TRY_(bind_value(s, dot + 1, globals[i].value));
	}
	for (i = 0; i < nprops; i++) {
		if (!props[i].key || !props[i].value)
			continue;
		if (!fl->generic && generic_only(L, props[i].key)) {
			snprintf(p.refused, sizeof(p.refused), "Property '%s.%s' not found", qom_type,
				 props[i].key);
			goto done;
		}
		TRY_(bind_value(s, props[i].key, props[i].value));
	}

	TRY_(bind_uint(s, "pcie_bus", bus != VMC_VPCI_BUS_PCI));
	TRY_(bind_uint(s, "pcie_port", bus == VMC_VPCI_BUS_PCIE_PORT));
	TRY_(bind_uint(s, "cpus", cpus ? cpus : 1));
	TRY_(bind_family(s, f));
	TRY_(ev(&v, s, &fl->legacy));
	TRY_(bind_uint(s, "flavour_legacy", v));
	TRY_(ev(&v, s, &fl->modern));
	TRY_(bind_uint(s, "flavour_modern", v));

	for (i = 0; i < NPARAMS; i++) {
		const named_xp *px = &L->params[i];
		int idx = param_index(px->name);

		for (j = 0; j < f->nparams; j++)
			if (strcmp(f->params[j].name, px->name) == 0)
				px = &f->params[j];
		TRY_(ev(&v, s, &px->x));
		if (v > UINT32_MAX) {
			rc = VMC_FAIL_AT(ctx, VMC_EINVAL, VMC_NO_OFFSET, px->x.where,
					 "parameter %s = %llu does not fit 32 bits", px->name,
					 (unsigned long long)v);
			goto done;
		}
		*(uint32_t *)((char *)&p + param_fields[idx].off) = (uint32_t)v;
		/* later expressions see the parameter, not the property */
		TRY_(bind_uint(s, px->name, v));
	}
	for (i = 0; i < L->nrefusals; i++) {
		TRY_(ev(&v, s, &L->refusals[i].x));
		if (!v) {
			snprintf(p.refused, sizeof(p.refused), "%s", L->refusals[i].message);
			break;
		}
	}
done:
#undef TRY_
	vmc__free(ctx, s);
	if (rc < 0)
		return rc;
	*out = p;
	return VMC_OK;
}

/* ------------------------------------------------------------------------ */
/* Build                                                                    */
/* ------------------------------------------------------------------------ */

static uint64_t pow2ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p)
		p <<= 1;
	return p;
}

static void put_le(uint8_t *at, uint64_t v, uint32_t size)
{
	uint32_t i;

	for (i = 0; i < size; i++)
		at[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *at)
{
	return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
}

static int write_fields(uint8_t *cfg, uint32_t base, scope *s, const field_def *fs, size_t n)
{
	size_t i;
	uint64_t v;

	for (i = 0; i < n; i++) {
		VMC_TRY(ev(&v, s, &fs[i].value));
		if (fs[i].size < 8 && v >> (8 * fs[i].size))
			return VMC_FAIL_AT(s->ctx, VMC_ESCHEMA, VMC_NO_OFFSET, fs[i].value.where,
					   "value 0x%llx does not fit %u bytes at config 0x%x",
					   (unsigned long long)v, fs[i].size, base + fs[i].offset);
		put_le(cfg + base + fs[i].offset, v, fs[i].size);
	}
	return VMC_OK;
}

/* pci_find_space (hw/pci/pci.c), including its byte-wise scan. */
static uint32_t find_space(const uint8_t used[256], uint32_t size)
{
	uint32_t offset = 0x40, i;

	for (i = 0x40; i < 256; i++) {
		if (used[i])
			offset = i + 1;
		else if (i - offset + 1 == size)
			return offset;
	}
	return 0;
}

static int build_bars(uint8_t *cfg, vmc__vpci_bars *bars, scope *s, const vmc__vpci_layout *L)
{
	size_t i;
	uint64_t v;

	for (i = 0; i < L->nbars; i++) {
		const bar_def *b = &L->bars[i];
		uint32_t reg;

		VMC_TRY(ev(&v, s, &b->when));
		if (!v)
			continue;
		reg = b->kind == VMC_PCI_BAR_IO	     ? 0x1u
		      : b->kind == VMC_PCI_BAR_MEM64 ? 0x4u
						     : 0x0u;
		if (b->prefetchable)
			reg |= 0x8u;
		put_le(cfg + 0x10 + 4 * b->index, reg, 4);
		VMC_TRY(ev(&v, s, &b->size));
		if (bars) {
			vmc__vpci_bar *o = &bars->bar[b->index];

			o->present = 1;
			o->kind = (uint8_t)b->kind;
			o->prefetchable = (uint8_t)b->prefetchable;
			o->reg = reg;
			o->size = pow2ceil(v);
		}
	}
	if (L->has_rom) {
		VMC_TRY(ev(&v, s, &L->rom_when));
		if (v) {
			VMC_TRY(ev(&v, s, &L->rom_register));
			put_le(cfg + 0x30, v, 4);
			if (bars)
				bars->rom = 1;
		}
	}
	return VMC_OK;
}

static int build_caps(uint8_t *cfg, size_t size, scope *s, const vmc__vpci_layout *L)
{
	uint8_t used[256] = {0};
	uint32_t at, prev = 0, next_at = 0x100;
	size_t i;
	uint64_t v;

	for (i = 0; i < L->ncaps; i++) {
		const cap_def *c = &L->caps[i];

		VMC_TRY(ev(&v, s, &c->when));
		if (!v)
			continue;
		at = find_space(used, c->size);
		if (!at) /* QEMU asserts: "out of PCI config space is programming error" */
			return VMC_FAIL_AT(s->ctx, VMC_ESCHEMA, VMC_NO_OFFSET, c->when.where,
					   "capability %s (%u bytes) does not fit in config space",
					   c->name, c->size);
		cfg[at] = (uint8_t)c->id;
		cfg[at + 1] = cfg[0x34];
		cfg[0x34] = (uint8_t)at;
		cfg[0x06] |= 0x10; /* PCI_STATUS_CAP_LIST */
		/* used: QEMU_ALIGN_UP(size, 4) bytes (clipped at the end of the space) */
		memset(used + at, 1, at + ((c->size + 3u) & ~3u) > 256u ? 256u - at : (c->size + 3u) & ~3u);
		VMC_TRY(write_fields(cfg, at, s, c->fields, c->nfields));
	}
	if (size < VMC_PCIE_CONFIG_SIZE)
		return VMC_OK;
	for (i = 0; i < L->next_caps; i++) {
		const cap_def *c = &L->ext_caps[i];

		VMC_TRY(ev(&v, s, &c->when));
		if (!v)
			continue;
		if (next_at + c->size > VMC_PCIE_CONFIG_SIZE)
			return VMC_FAIL_AT(s->ctx, VMC_ESCHEMA, VMC_NO_OFFSET, c->when.where,
					   "extended capability %s does not fit at 0x%x", c->name,
					   next_at);
		put_le(cfg + next_at, c->id | c->version << 16, 4);
		if (prev) /* the previous header's next: bits 31:20 */
			put_le(cfg + prev, get_le32(cfg + prev) | (uint64_t)next_at << 20, 4);
		VMC_TRY(write_fields(cfg, next_at, s, c->fields, c->nfields));
		prev = next_at;
		next_at += c->size;
	}
	return VMC_OK;
}

int vmc__vpci_build(uint8_t out[4096], size_t *size, vmc__vpci_bars *bars, vmc_ctx *ctx,
		    const vmc__vpci_layout *L, const vmc__vpci_params *p)
{
	const family_def *f;
	scope *s;
	uint64_t v;
	size_t i;
	int rc;

	VMC_FAIL_IF(!out || !size || !L || !p, ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "vmc__vpci_build: bad arguments");
	f = family_named(L, p->family);
	VMC_FAIL_IF(!f, ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "vmc__vpci_build: expected a family of %s, found '%s'", VMC_VPCI_LAYOUT_PATH,
		    p->family ? p->family : "(null)");
	VMC_FAIL_IF(p->refused[0], ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "vmc__vpci_build: QEMU refuses this configuration: %s", p->refused);
	s = vmc__calloc(ctx, 1, sizeof(*s));
	if (!s)
		return VMC_ENOMEM;
	s->ctx = ctx;
	memset(out, 0, VMC_PCIE_CONFIG_SIZE);
	if (bars)
		memset(bars, 0, sizeof(*bars));

	for (i = 0; i < NPARAMS; i++)
		if ((rc = bind_uint(s, param_fields[i].name,
				    *(const uint32_t *)((const char *)p + param_fields[i].off))) < 0)
			goto done;
	if ((rc = bind_family(s, f)) < 0)
		goto done;
	for (i = 0; i < L->nderived; i++)
		if ((rc = ev(&v, s, &L->derived[i].x)) < 0 ||
		    (rc = bind_uint(s, L->derived[i].name, v)) < 0)
			goto done;
	if ((rc = ev(&v, s, &L->config_size)) < 0)
		goto done;
	if (v != VMC_PCI_CONFIG_SIZE && v != VMC_PCIE_CONFIG_SIZE) {
		rc = VMC_FAIL_AT(ctx, VMC_ESCHEMA, VMC_NO_OFFSET, L->config_size.where,
				 "expected config_size 256 or 4096, found %llu", (unsigned long long)v);
		goto done;
	}
	*size = (size_t)v;
	if ((rc = write_fields(out, 0, s, L->header, L->nheader)) < 0 ||
	    (rc = build_bars(out, bars, s, L)) < 0 || (rc = build_caps(out, *size, s, L)) < 0)
		goto done;
	rc = VMC_OK;
done:
	vmc__free(ctx, s);
	return rc;
}
