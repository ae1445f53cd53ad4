/*
 * profile.c - load an emulator profile (profile.h, docs/profiles.md).
 *
 * Stage: bytes in (a data file made by `vmcompat harvest` from a real QEMU
 * binary, not a stream).  Callers: the prove engine (predicts a
 * destination's stream from a configuration) and the tests.
 * Input: YAML, possibly xz/gzip-compressed (the embedded profiles over about
 * 500 KB are stored as .yaml.xz; parsers/decompress.h decodes them).  The
 * whole document is held: profiles are bounded data files
 * (VMC_PROFILE_MAX_SIZE once decompressed), not streams.
 * Output: immutable tables in one arena; strings are the YAML tree's own.
 *
 * Validation (style: data files are validated on load): every map is
 * checked against its allowed keys, so an unknown key is VMC_ESCHEMA with
 * "FILE:LINE"; required keys and scalar types are checked the same way.
 * `format` must be 1.
 *
 * Layout of the document (docs/profiles.md has the meaning of each key):
 *   format, qemu{}, machine_families[], machines{compat_props, list[]},
 *   machine_base[], vmstate[{machines[], vmsds[]}], devices[], references[]
 * Non-goals: the loader derives nothing; predicting is the prove engine's.
 */
#include "profile.h"

#include "../lib/data.h"
#include "decompress.h"
#include "source.h"
#include "vmstate_dump.h"
#include "yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest profile accepted once decompressed (the biggest bundled one is
 * under 1 MiB). */
#define VMC_PROFILE_MAX_SIZE (32u << 20)

typedef struct prof_vmsd {
	const char *name;
	uint32_t version, minimum_version;
	const char *const *subs;
	size_t nsubs;
} prof_vmsd;

typedef struct prof_vmstate {
	const char *const *machines;
	size_t nmachines;
	const char *error;
	prof_vmsd *vmsds;
	size_t nvmsds;
} prof_vmstate;

struct vmc__profile {
	vmc_ctx *ctx;
	vmc__arena arena;        /* the YAML tree and every table          */
	vmc__prof_qemu qemu;
	int has_compat;
	vmc__prof_family *families;
	size_t nfamilies;
	vmc__prof_machine *machines;
	size_t nmachines;
	prof_vmstate *vmstates;
	size_t nvmstates;
	vmc__prof_device *devices;
	size_t ndevices;
	vmc__prof_base *bases;
	size_t nbases;
	vmc__prof_ref *refs;
	size_t nrefs;
};

/* ---- helpers ------------------------------------------------------------- */

static void *alloc_array(vmc__profile *p, size_t n, size_t size)
{
	size_t total;

	if (!vmc__mul_size(n ? n : 1, size, &total))
		return NULL;
	return vmc__arena_alloc(&p->arena, total);
}

/* The sequence under key (optional: *out NULL, *n 0 when absent). */
static int get_seq(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		   const vmc__ynode **out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	*out = NULL;
	if (!n) {
		if (required)
			return vmc__yaml_fail(ctx, map, "expected key '%s', found none", key);
		return VMC_OK;
	}
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SEQ, key));
	*out = n;
	return VMC_OK;
}

static int get_u32(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		   uint32_t *out)
{
	uint64_t v = 0;
	int rc = vmc__yaml_u64(ctx, map, key, required, &v);

	if (rc < 0)
		return rc;
	if (v > UINT32_MAX)
		return vmc__yaml_fail(ctx, vmc__yaml_get(map, key),
				      "expected a 32-bit value for '%s', found %llu", key,
				      (unsigned long long)v);
	*out = (uint32_t)v;
	return VMC_OK;
}

/* A sequence of scalars as a string array. */
static int str_list(vmc__profile *p, const vmc__ynode *seq, const char *const **out, size_t *n)
{
	const char **v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!seq)
		return VMC_OK;
	v = alloc_array(p, seq->len, sizeof(*v));
	if (!v)
		return VMC_ENOMEM;
	for (i = 0; i < seq->len; i++) {
		VMC_TRY(vmc__yaml_expect(p->ctx, seq->items[i], VMC_YAML_SCALAR, "a name"));
		v[i] = seq->items[i]->scalar;
	}
	*out = v;
	*n = seq->len;
	return VMC_OK;
}

static int section_entry(vmc__profile *p, const vmc__ynode *e, vmc__prof_section *s)
{
	static const char *const keys[] = {"idstr", "instance", "version", NULL};

	VMC_TRY(vmc__yaml_check_keys(p->ctx, e, keys));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "idstr", 1, &s->idstr));
	VMC_TRY(get_u32(p->ctx, e, "instance", 1, &s->instance));
	return get_u32(p->ctx, e, "version", 1, &s->version);
}

static int sections(vmc__profile *p, const vmc__ynode *seq, const vmc__prof_section **out,
		    size_t *n)
{
	vmc__prof_section *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!seq)
		return VMC_OK;
	if (!(v = alloc_array(p, seq->len, sizeof(*v))))
		return VMC_ENOMEM;
	for (i = 0; i < seq->len; i++)
		VMC_TRY(section_entry(p, seq->items[i], &v[i]));
	*out = v;
	*n = seq->len;
	return VMC_OK;
}

static int ramblocks(vmc__profile *p, const vmc__ynode *seq, const vmc__prof_ramblock **out,
		     size_t *n)
{
	static const char *const keys[] = {"name", "used", "max", NULL};
	vmc__prof_ramblock *v;
	size_t i;

	*out = NULL;
	*n = 0;
	if (!seq)
		return VMC_OK;
	if (!(v = alloc_array(p, seq->len, sizeof(*v))))
		return VMC_ENOMEM;
	for (i = 0; i < seq->len; i++) {
		VMC_TRY(vmc__yaml_check_keys(p->ctx, seq->items[i], keys));
		VMC_TRY(vmc__yaml_str(p->ctx, seq->items[i], "name", 1, &v[i].name));
		VMC_TRY(vmc__yaml_u64(p->ctx, seq->items[i], "used", 1, &v[i].used));
		VMC_TRY(vmc__yaml_u64(p->ctx, seq->items[i], "max", 1, &v[i].max));
	}
	*out = v;
	*n = seq->len;
	return VMC_OK;
}

/* ---- parts ------------------------------------------------------------------ */

static int load_qemu(vmc__profile *p, const vmc__ynode *n)
{
	static const char *const keys[] = {"version", "package", "binary", "harvested_by",
					   "date", "vmcompat", NULL};
	vmc__prof_qemu *q = &p->qemu;
	unsigned a = 0, b = 0, c = 0;
	int used = 0;

	VMC_TRY(vmc__yaml_check_keys(p->ctx, n, keys));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "version", 1, &q->version));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "package", 1, &q->package));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "binary", 1, &q->binary));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "harvested_by", 1, &q->harvested_by));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "date", 1, &q->date));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "vmcompat", 0, &q->vmcompat));
	if (sscanf(q->version, "%u.%u.%u%n", &a, &b, &c, &used) != 3 ||
	    q->version[used] != '\0')
		return vmc__yaml_fail(p->ctx, vmc__yaml_get(n, "version"),
				      "expected a version X.Y.Z, found '%s'", q->version);
	q->major = a;
	q->minor = b;
	q->micro = c;
	return VMC_OK;
}

static int load_families(vmc__profile *p, const vmc__ynode *seq)
{
	static const char *const keys[] = {"family", "probe_machine", "root_bus", "root_bus_name",
					   "refused", NULL};
	size_t i;

	if (!(p->families = alloc_array(p, seq->len, sizeof(*p->families))))
		return VMC_ENOMEM;
	for (i = 0; i < seq->len; i++) {
		const vmc__ynode *e = seq->items[i];
		vmc__prof_family *f = &p->families[i];
		VMC_TRY(vmc__yaml_check_keys(p->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "family", 1, &f->family));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "probe_machine", 1, &f->probe_machine));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "root_bus", 1, &f->root_bus));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "root_bus_name", 0, &f->root_bus_name));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "refused", 0, &f->refused));
	}
	p->nfamilies = seq->len;
	return VMC_OK;
}

static int load_machines(vmc__profile *p, const vmc__ynode *n)
{
	static const char *const top[] = {"compat_props", "list", NULL};
	static const char *const keys[] = {"name", "alias", "default", "deprecated", "family",
					   "root_bus", "compat_props", NULL};
	const vmc__ynode *list, *cp;
	const char *mode;
	size_t i, j;

	VMC_TRY(vmc__yaml_check_keys(p->ctx, n, top));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "compat_props", 1, &mode));
	if (strcmp(mode, "query-machines") == 0)
		p->has_compat = 1;
	else if (strcmp(mode, "absent") != 0)
		return vmc__yaml_fail(p->ctx, vmc__yaml_get(n, "compat_props"),
				      "expected compat_props query-machines or absent, found '%s'",
				      mode);
	VMC_TRY(get_seq(p->ctx, n, "list", 1, &list));
	if (!(p->machines = alloc_array(p, list->len, sizeof(*p->machines))))
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i];
		vmc__prof_machine *m = &p->machines[i];
		VMC_TRY(vmc__yaml_check_keys(p->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "name", 1, &m->name));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "alias", 0, &m->alias));
		VMC_TRY(vmc__yaml_bool(p->ctx, e, "default", 1, &m->is_default));
		VMC_TRY(vmc__yaml_bool(p->ctx, e, "deprecated", 0, &m->deprecated));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "family", 1, &m->family));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "root_bus", 1, &m->root_bus));
		VMC_TRY(get_seq(p->ctx, e, "compat_props", 0, &cp));
		if (cp && !p->has_compat)
			return vmc__yaml_fail(p->ctx, cp,
					      "expected no compat_props (compat_props: absent), "
					      "found a list");
		if (cp) {
			vmc__prof_compat *c = alloc_array(p, cp->len, sizeof(*c));
			if (!c)
				return VMC_ENOMEM;
			for (j = 0; j < cp->len; j++) {
				const vmc__ynode *t = cp->items[j];
				VMC_TRY(vmc__yaml_expect(p->ctx, t, VMC_YAML_SEQ, "a compat property"));
				if (t->len != 3)
					return vmc__yaml_fail(p->ctx, t,
							      "expected [qom-type, property, value], "
							      "found %zu items",
							      t->len);
				VMC_TRY(vmc__yaml_expect(p->ctx, t->items[0], VMC_YAML_SCALAR, "qom-type"));
				VMC_TRY(vmc__yaml_expect(p->ctx, t->items[1], VMC_YAML_SCALAR, "property"));
				VMC_TRY(vmc__yaml_expect(p->ctx, t->items[2], VMC_YAML_SCALAR, "value"));
				c[j].qom_type = t->items[0]->scalar;
				c[j].property = t->items[1]->scalar;
				c[j].value = t->items[2]->scalar;
			}
			m->compat = c;
			m->ncompat = cp->len;
		}
	}
	p->nmachines = list->len;
	return VMC_OK;
}

static int load_bases(vmc__profile *p, const vmc__ynode *seq)
{
	static const char *const keys[] = {"machine", "requested", "family", "ram_mb", "argv",
					   "refused", "error", "sections", "ramblocks", NULL};
	size_t i;

	if (!(p->bases = alloc_array(p, seq->len, sizeof(*p->bases))))
		return VMC_ENOMEM;
	for (i = 0; i < seq->len; i++) {
		const vmc__ynode *e = seq->items[i], *s;
		vmc__prof_base *b = &p->bases[i];
		VMC_TRY(vmc__yaml_check_keys(p->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "machine", 1, &b->machine));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "requested", 1, &b->requested));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "family", 1, &b->family));
		VMC_TRY(vmc__yaml_u64(p->ctx, e, "ram_mb", 1, &b->ram_mb));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "argv", 0, &b->argv));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "refused", 0, &b->error));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "error", 0, &b->error));
		VMC_TRY(get_seq(p->ctx, e, "sections", !b->error, &s));
		VMC_TRY(sections(p, s, &b->sections, &b->nsections));
		VMC_TRY(get_seq(p->ctx, e, "ramblocks", !b->error, &s));
		VMC_TRY(ramblocks(p, s, &b->ramblocks, &b->nramblocks));
	}
	p->nbases = seq->len;
	return VMC_OK;
}

static int load_vmstates(vmc__profile *p, const vmc__ynode *seq)
{
	static const char *const keys[] = {"machines", "vmsds", "error", NULL};
	static const char *const vkeys[] = {"name", "version", "minimum_version", "subsections",
					    NULL};
	size_t i, j;

	if (!(p->vmstates = alloc_array(p, seq->len, sizeof(*p->vmstates))))
		return VMC_ENOMEM;
	for (i = 0; i < seq->len; i++) {
		const vmc__ynode *e = seq->items[i], *ms, *vs;
		prof_vmstate *v = &p->vmstates[i];
		VMC_TRY(vmc__yaml_check_keys(p->ctx, e, keys));
		VMC_TRY(get_seq(p->ctx, e, "machines", 1, &ms));
		VMC_TRY(str_list(p, ms, &v->machines, &v->nmachines));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "error", 0, &v->error));
		VMC_TRY(get_seq(p->ctx, e, "vmsds", !v->error, &vs));
		if (!vs)
			continue;
		if (!(v->vmsds = alloc_array(p, vs->len, sizeof(*v->vmsds))))
			return VMC_ENOMEM;
		for (j = 0; j < vs->len; j++) {
			const vmc__ynode *d = vs->items[j], *subs;
			prof_vmsd *m = &v->vmsds[j];
			VMC_TRY(vmc__yaml_check_keys(p->ctx, d, vkeys));
			VMC_TRY(vmc__yaml_str(p->ctx, d, "name", 1, &m->name));
			VMC_TRY(get_u32(p->ctx, d, "version", 1, &m->version));
			VMC_TRY(get_u32(p->ctx, d, "minimum_version", 1, &m->minimum_version));
			VMC_TRY(get_seq(p->ctx, d, "subsections", 0, &subs));
			VMC_TRY(str_list(p, subs, &m->subs, &m->nsubs));
		}
		v->nvmsds = vs->len;
	}
	p->nvmstates = seq->len;
	return VMC_OK;
}

static int load_devices(vmc__profile *p, const vmc__ynode *seq)
{
	static const char *const keys[] = {"type", "absent", "probe", "refused", "romfile",
					   "rom_block", "rom_size", "properties", NULL};
	static const char *const probe_keys[] = {"machine", "device", NULL};
	static const char *const pkeys[] = {"name", "type", "default", NULL};
	size_t i, j;

	if (!(p->devices = alloc_array(p, seq->len, sizeof(*p->devices))))
		return VMC_ENOMEM;
	for (i = 0; i < seq->len; i++) {
		const vmc__ynode *e = seq->items[i], *props, *probe;
		vmc__prof_device *d = &p->devices[i];
		vmc__prof_property *pv;
		const char *refused = NULL;
		VMC_TRY(vmc__yaml_check_keys(p->ctx, e, keys));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "type", 1, &d->type));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "absent", 0, &d->absent));
		if ((probe = vmc__yaml_get(e, "probe")))
			VMC_TRY(vmc__yaml_check_keys(p->ctx, probe, probe_keys));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "refused", 0, &refused));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "romfile", 0, &d->romfile));
		VMC_TRY(vmc__yaml_str(p->ctx, e, "rom_block", 0, &d->rom_block));
		VMC_TRY(vmc__yaml_u64(p->ctx, e, "rom_size", 0, &d->rom_size));
		VMC_TRY(get_seq(p->ctx, e, "properties", !d->absent, &props));
		if (!props)
			continue;
		if (!(pv = alloc_array(p, props->len, sizeof(*pv))))
			return VMC_ENOMEM;
		for (j = 0; j < props->len; j++) {
			VMC_TRY(vmc__yaml_check_keys(p->ctx, props->items[j], pkeys));
			VMC_TRY(vmc__yaml_str(p->ctx, props->items[j], "name", 1, &pv[j].name));
			VMC_TRY(vmc__yaml_str(p->ctx, props->items[j], "type", 1, &pv[j].type));
			VMC_TRY(vmc__yaml_str(p->ctx, props->items[j], "default", 0,
					      &pv[j].default_value));
		}
		d->props = pv;
		d->nprops = props->len;
	}
	p->ndevices = seq->len;
	return VMC_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* config: {size: N, hex: "..."}; trailing zero bytes were trimmed. */
static int load_config(vmc__profile *p, const vmc__ynode *n, vmc__prof_ref *r)
{
	static const char *const keys[] = {"size", "hex", NULL};
	const char *hex;
	uint64_t size;
	uint8_t *b;
	size_t i, hl;

	VMC_TRY(vmc__yaml_check_keys(p->ctx, n, keys));
	VMC_TRY(vmc__yaml_u64(p->ctx, n, "size", 1, &size));
	VMC_TRY(vmc__yaml_str(p->ctx, n, "hex", 1, &hex));
	hl = strlen(hex);
	if (size > 4096 || hl % 2 || hl / 2 > size)
		return vmc__yaml_fail(p->ctx, n,
				      "expected at most 4096 bytes of config as pairs of hex digits "
				      "within size, found %zu digits for size %llu",
				      hl, (unsigned long long)size);
	if (!(b = vmc__arena_alloc(&p->arena, size ? (size_t)size : 1)))
		return VMC_ENOMEM;
	for (i = 0; i < hl / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return vmc__yaml_fail(p->ctx, vmc__yaml_get(n, "hex"),
					      "expected hex digits, found '%c%c' at byte %zu",
					      hex[2 * i], hex[2 * i + 1], i);
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	r->config = b;
	r->config_size = (size_t)size;
	return VMC_OK;
}

static int load_ref(vmc__profile *p, const vmc__ynode *e, vmc__prof_ref *r)
{
	static const char *const keys[] = {
		"family", "machine", "bus", "type", "flavour", "props", "device", "placement",
		"refused", "error", "section", "mode", "config", "msix_vectors", "config_len",
		"queues", "subsections", "host_features", "host_features_error", "ramblocks",
		"other_sections", NULL};
	static const char *const hf_keys[] = {"names", "unknown", NULL};
	const vmc__ynode *n;
	size_t i;

	VMC_TRY(vmc__yaml_check_keys(p->ctx, e, keys));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "family", 1, &r->family));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "machine", 1, &r->machine));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "bus", 1, &r->bus));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "type", 1, &r->type));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "flavour", 1, &r->flavour));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "props", 1, &r->props));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "device", 1, &r->device));
	VMC_TRY(get_seq(p->ctx, e, "placement", 0, &n));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "refused", 0, &r->error));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "error", 0, &r->error));
	if (r->error)
		return VMC_OK;
	if (!(n = vmc__yaml_get(e, "section")))
		return vmc__yaml_fail(p->ctx, e, "expected key 'section', found none");
	VMC_TRY(section_entry(p, n, &r->section));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "mode", 0, &r->mode));
	if ((n = vmc__yaml_get(e, "config")))
		VMC_TRY(load_config(p, n, r));
	VMC_TRY(get_u32(p->ctx, e, "msix_vectors", 1, &r->msix_vectors));
	VMC_TRY(get_u32(p->ctx, e, "config_len", 0, &r->config_len));
	VMC_TRY(get_seq(p->ctx, e, "queues", 0, &n));
	if (n) {
		uint32_t *q = alloc_array(p, n->len, sizeof(*q));
		if (!q)
			return VMC_ENOMEM;
		for (i = 0; i < n->len; i++) {
			uint64_t v;
			VMC_TRY(vmc__yaml_scalar_u64(p->ctx, n->items[i], &v));
			if (v > UINT32_MAX)
				return vmc__yaml_fail(p->ctx, n->items[i],
						      "expected a queue size, found %llu",
						      (unsigned long long)v);
			q[i] = (uint32_t)v;
		}
		r->queues = q;
		r->nqueues = n->len;
	}
	VMC_TRY(get_seq(p->ctx, e, "subsections", 0, &n));
	VMC_TRY(str_list(p, n, &r->subsections, &r->nsubsections));
	VMC_TRY(vmc__yaml_str(p->ctx, e, "host_features_error", 0, &r->host_features_error));
	if ((n = vmc__yaml_get(e, "host_features"))) {
		const vmc__ynode *names;
		VMC_TRY(vmc__yaml_check_keys(p->ctx, n, hf_keys));
		VMC_TRY(get_seq(p->ctx, n, "names", 1, &names));
		VMC_TRY(str_list(p, names, &r->host_features, &r->nhost_features));
		VMC_TRY(vmc__yaml_u64(p->ctx, n, "unknown", 0, &r->host_features_unknown));
	}
	VMC_TRY(get_seq(p->ctx, e, "ramblocks", 1, &n));
	VMC_TRY(ramblocks(p, n, &r->ramblocks, &r->nramblocks));
	VMC_TRY(get_seq(p->ctx, e, "other_sections", 0, &n));
	return sections(p, n, &r->other_sections, &r->nother_sections);
}

static int load_root(vmc__profile *p, const vmc__ynode *root)
{
	static const char *const keys[] = {"format", "qemu", "machine_families", "machines",
					   "machine_base", "vmstate", "devices", "references",
					   NULL};
	const vmc__ynode *n;
	uint64_t format;
	size_t i;

	VMC_TRY(vmc__yaml_check_keys(p->ctx, root, keys));
	VMC_TRY(vmc__yaml_u64(p->ctx, root, "format", 1, &format));
	if (format != 1)
		return vmc__yaml_fail(p->ctx, vmc__yaml_get(root, "format"),
				      "expected profile format 1, found %llu",
				      (unsigned long long)format);
	if (!(n = vmc__yaml_get(root, "qemu")))
		return vmc__yaml_fail(p->ctx, root, "expected key 'qemu', found none");
	VMC_TRY(load_qemu(p, n));
	VMC_TRY(get_seq(p->ctx, root, "machine_families", 1, &n));
	VMC_TRY(load_families(p, n));
	if (!(n = vmc__yaml_get(root, "machines")))
		return vmc__yaml_fail(p->ctx, root, "expected key 'machines', found none");
	VMC_TRY(load_machines(p, n));
	VMC_TRY(get_seq(p->ctx, root, "machine_base", 1, &n));
	VMC_TRY(load_bases(p, n));
	VMC_TRY(get_seq(p->ctx, root, "vmstate", 1, &n));
	VMC_TRY(load_vmstates(p, n));
	VMC_TRY(get_seq(p->ctx, root, "devices", 1, &n));
	VMC_TRY(load_devices(p, n));
	VMC_TRY(get_seq(p->ctx, root, "references", 1, &n));
	if (!(p->refs = alloc_array(p, n->len, sizeof(*p->refs))))
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++)
		VMC_TRY(load_ref(p, n->items[i], &p->refs[i]));
	p->nrefs = n->len;
	return VMC_OK;
}

/* ---- loading ------------------------------------------------------------------- */

/* Decompress xz/gzip data into a ctx-allocated buffer (bounded). */
static int inflate(vmc_ctx *ctx, const char *kind, const uint8_t *data, size_t len,
		   uint8_t **out, size_t *out_len)
{
	vmc__mem_reader mem = {data, len, 0};
	vmc__source src;
	vmc__decomp *d = NULL;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int rc;

	VMC_TRY(vmc__source_init(&src, ctx, vmc__mem_read, &mem, 64u * 1024u));
	rc = vmc__decomp_new(&d, ctx, kind, &src);
	while (rc == VMC_OK) {
		size_t got = 0;
		if (n == cap) {
			uint8_t *nb;
			if (cap >= VMC_PROFILE_MAX_SIZE) {
				rc = VMC_FAIL(ctx, VMC_ELIMIT, VMC_NO_OFFSET,
					      "expected a profile of at most %u bytes, found more",
					      VMC_PROFILE_MAX_SIZE);
				break;
			}
			cap = cap ? cap * 2 : 256u * 1024u;
			nb = vmc__reallocarray(ctx, buf, cap, 1);
			if (!nb) {
				rc = VMC_OOM(ctx);
				break;
			}
			buf = nb;
		}
		rc = vmc__decomp_read(d, buf + n, cap - n, &got);
		if (rc == VMC_OK && got == 0)
			break;
		n += got;
	}
	vmc__decomp_free(d);
	vmc__source_fini(&src);
	if (rc < 0) {
		vmc__free(ctx, buf);
		return rc;
	}
	*out = buf;
	*out_len = n;
	return VMC_OK;
}

int vmc__profile_load_buffer(vmc__profile **out, vmc_ctx *ctx, const char *name,
			     const uint8_t *data, size_t len)
{
	static const uint8_t xz_magic[6] = {0xfd, '7', 'z', 'X', 'Z', 0};
	const vmc__ynode *root;
	uint8_t *plain = NULL;
	vmc__profile *p;
	int rc;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !name || (!data && len), ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "NULL argument");
	if (len >= 6 && memcmp(data, xz_magic, 6) == 0)
		rc = inflate(ctx, "xz", data, len, &plain, &len);
	else if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b)
		rc = inflate(ctx, "gzip", data, len, &plain, &len);
	else
		rc = VMC_OK;
	if (rc < 0) {
		vmc__error_set_path(ctx, name);
		return rc;
	}
	VMC_FAIL_IF(len > VMC_PROFILE_MAX_SIZE, ctx, VMC_ELIMIT, VMC_NO_OFFSET,
		    "expected a profile of at most %u bytes, found %zu", VMC_PROFILE_MAX_SIZE, len);
	p = vmc__calloc(ctx, 1, sizeof(*p));
	if (!p) {
		vmc__free(ctx, plain);
		return VMC_OOM(ctx);
	}
	p->ctx = ctx;
	vmc__arena_init(&p->arena, ctx);
	rc = vmc__yaml_parse(&root, &p->arena, name, plain ? plain : data, len);
	vmc__free(ctx, plain);
	if (rc == VMC_OK)
		rc = load_root(p, root);
	if (rc < 0) {
		vmc__profile_free(p);
		return rc;
	}
	*out = p;
	return VMC_OK;
}

static const char *const embedded_versions[] = {"5.2", "7.2", "10.0", "11.1", NULL};

const char *const *vmc__profile_embedded_versions(void)
{
	return embedded_versions;
}

int vmc__profile_load_embedded(vmc__profile **out, vmc_ctx *ctx, const char *version)
{
	char path[96];
	const vmc__data_file *f;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !version || strlen(version) > 32, ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "expected a QEMU version X.Y, found none");
	snprintf(path, sizeof(path), "rules/profiles/qemu-%s.yaml", version);
	f = vmc__data_find(path);
	if (!f) {
		snprintf(path, sizeof(path), "rules/profiles/qemu-%s.yaml.xz", version);
		f = vmc__data_find(path);
	}
	VMC_FAIL_IF(!f, ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "expected a QEMU version with an embedded profile (5.2, 7.2, 10.0, 11.1), "
		    "found '%s'",
		    version);
	return vmc__profile_load_buffer(out, ctx, path, f->data, f->len);
}

void vmc__profile_free(vmc__profile *p)
{
	if (!p)
		return;
	vmc__arena_free(&p->arena);
	vmc__free(p->ctx, p);
}

/* ---- accessors ------------------------------------------------------------------- */

const vmc__prof_qemu *vmc__profile_qemu(const vmc__profile *p)
{
	return &p->qemu;
}

int vmc__profile_has_compat_props(const vmc__profile *p)
{
	return p->has_compat;
}

size_t vmc__profile_family_count(const vmc__profile *p)
{
	return p->nfamilies;
}

const vmc__prof_family *vmc__profile_family(const vmc__profile *p, size_t i)
{
	return i < p->nfamilies ? &p->families[i] : NULL;
}

const vmc__prof_family *vmc__profile_find_family(const vmc__profile *p, const char *family)
{
	size_t i;

	for (i = 0; family && i < p->nfamilies; i++)
		if (strcmp(p->families[i].family, family) == 0)
			return &p->families[i];
	return NULL;
}

size_t vmc__profile_machine_count(const vmc__profile *p)
{
	return p->nmachines;
}

const vmc__prof_machine *vmc__profile_machine(const vmc__profile *p, size_t i)
{
	return i < p->nmachines ? &p->machines[i] : NULL;
}

const vmc__prof_machine *vmc__profile_find_machine(const vmc__profile *p, const char *name)
{
	size_t i;

	for (i = 0; name && i < p->nmachines; i++)
		if (strcmp(p->machines[i].name, name) == 0 ||
		    (p->machines[i].alias && strcmp(p->machines[i].alias, name) == 0))
			return &p->machines[i];
	return NULL;
}

const vmc__prof_machine *vmc__profile_default_machine(const vmc__profile *p)
{
	size_t i;

	for (i = 0; i < p->nmachines; i++)
		if (p->machines[i].is_default)
			return &p->machines[i];
	return NULL;
}

size_t vmc__profile_device_count(const vmc__profile *p)
{
	return p->ndevices;
}

const vmc__prof_device *vmc__profile_device(const vmc__profile *p, size_t i)
{
	return i < p->ndevices ? &p->devices[i] : NULL;
}

const vmc__prof_device *vmc__profile_find_device(const vmc__profile *p, const char *type)
{
	size_t i;

	for (i = 0; type && i < p->ndevices; i++)
		if (strcmp(p->devices[i].type, type) == 0)
			return &p->devices[i];
	return NULL;
}

const vmc__prof_property *vmc__profile_find_property(const vmc__profile *p, const char *type,
						     const char *prop)
{
	const vmc__prof_device *d = vmc__profile_find_device(p, type);
	size_t i;

	for (i = 0; d && prop && i < d->nprops; i++)
		if (strcmp(d->props[i].name, prop) == 0)
			return &d->props[i];
	return NULL;
}

/* The canonical machine name (aliases resolved). */
static const char *canonical(const vmc__profile *p, const char *machine)
{
	const vmc__prof_machine *m = vmc__profile_find_machine(p, machine);
	return m ? m->name : machine;
}

static int cmp_vmsd(const void *a, const void *b)
{
	return strcmp(((const struct vmc__vmsd_entry *)a)->name,
		      ((const struct vmc__vmsd_entry *)b)->name);
}

static int cmp_sub(const void *a, const void *b)
{
	const struct vmc__sub_entry *x = a, *y = b;
	int d = strcmp(x->vmsd, y->vmsd);
	return d ? d : strcmp(x->sub, y->sub);
}

/* Build the struct parsers/vmstate_dump.h defines, as vmc_vmstate_read_*
 * would from the machine's -dump-vmstate file: same ownership (arrays from
 * the ctx allocator, strings in its arena) and the same sort orders, so
 * vmc__vmstate_vmsd / vmc__vmstate_knows / vmc_vmstate_free work on it. */
int vmc__profile_vmstate(vmc_vmstate **out, vmc_ctx *ctx, const vmc__profile *p,
			 const char *machine)
{
	const char *name = canonical(p, machine);
	const prof_vmstate *g = NULL;
	vmc_vmstate *v;
	size_t i, j, k, nsubs = 0;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !p || !machine, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	for (i = 0; i < p->nvmstates && !g; i++)
		for (j = 0; j < p->vmstates[i].nmachines; j++)
			if (strcmp(p->vmstates[i].machines[j], name) == 0 && !p->vmstates[i].error)
				g = &p->vmstates[i];
	VMC_FAIL_IF(!g, ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "expected a machine with a vmstate table in the QEMU %s profile, found '%s'",
		    p->qemu.version, machine);
	for (i = 0; i < g->nvmsds; i++)
		nsubs += g->vmsds[i].nsubs;
	v = vmc__calloc(ctx, 1, sizeof(*v));
	if (!v)
		return VMC_OOM(ctx);
	v->ctx = ctx;
	vmc__arena_init(&v->arena, ctx);
	v->machine = vmc__arena_strndup(&v->arena, name, strlen(name));
	v->vmsds = vmc__reallocarray(ctx, NULL, g->nvmsds ? g->nvmsds : 1, sizeof(*v->vmsds));
	v->subs = vmc__reallocarray(ctx, NULL, nsubs ? nsubs : 1, sizeof(*v->subs));
	if (!v->machine || !v->vmsds || !v->subs)
		goto oom;
	for (i = 0, k = 0; i < g->nvmsds; i++) {
		const prof_vmsd *m = &g->vmsds[i];
		const char *vn = vmc__arena_strndup(&v->arena, m->name, strlen(m->name));
		if (!vn)
			goto oom;
		v->vmsds[i].name = vn;
		v->vmsds[i].version = m->version;
		v->vmsds[i].minimum_version = m->minimum_version;
		for (j = 0; j < m->nsubs; j++, k++) {
			v->subs[k].vmsd = vn;
			v->subs[k].sub = vmc__arena_strndup(&v->arena, m->subs[j], strlen(m->subs[j]));
			if (!v->subs[k].sub)
				goto oom;
		}
	}
	v->nvmsds = g->nvmsds;
	v->nsubs = nsubs;
	if (v->nvmsds > 1)
		qsort(v->vmsds, v->nvmsds, sizeof(*v->vmsds), cmp_vmsd);
	if (v->nsubs > 1)
		qsort(v->subs, v->nsubs, sizeof(*v->subs), cmp_sub);
	*out = v;
	return VMC_OK;
oom:
	vmc_vmstate_free(v);
	return VMC_OOM(ctx);
}

size_t vmc__profile_base_count(const vmc__profile *p)
{
	return p->nbases;
}

const vmc__prof_base *vmc__profile_base(const vmc__profile *p, size_t i)
{
	return i < p->nbases ? &p->bases[i] : NULL;
}

const vmc__prof_base *vmc__profile_find_base(const vmc__profile *p, const char *machine)
{
	const char *name = canonical(p, machine);
	size_t i;

	for (i = 0; name && i < p->nbases; i++)
		if (strcmp(p->bases[i].machine, name) == 0)
			return &p->bases[i];
	return NULL;
}

size_t vmc__profile_ref_count(const vmc__profile *p)
{
	return p->nrefs;
}

const vmc__prof_ref *vmc__profile_ref(const vmc__profile *p, size_t i)
{
	return i < p->nrefs ? &p->refs[i] : NULL;
}

/* 1 if every comma-separated item of a is in b and both have as many. */
static int same_props(const char *a, const char *b)
{
	size_t na = 0, nb = 0;
	const char *s, *t;

	a = a ? a : "";
	b = b ? b : "";
	for (s = a; *s; s = *t ? t + 1 : t) {
		size_t l;
		const char *u;
		int found = 0;
		t = strchr(s, ',');
		t = t ? t : s + strlen(s);
		l = (size_t)(t - s);
		na++;
		for (u = b; *u && !found;) {
			const char *w = strchr(u, ',');
			w = w ? w : u + strlen(u);
			found = (size_t)(w - u) == l && strncmp(u, s, l) == 0;
			u = *w ? w + 1 : w;
		}
		if (!found)
			return 0;
	}
	for (s = b; *s; s = *t ? t + 1 : t) {
		t = strchr(s, ',');
		t = t ? t : s + strlen(s);
		nb++;
	}
	return na == nb;
}

const vmc__prof_ref *vmc__profile_find_ref(const vmc__profile *p, const char *family,
					   const char *bus, const char *type, const char *props)
{
	const vmc__prof_machine *m = vmc__profile_find_machine(p, family);
	size_t i;

	if (m)
		family = m->family; /* a machine name or alias stands for its family */
	for (i = 0; family && bus && type && i < p->nrefs; i++) {
		const vmc__prof_ref *r = &p->refs[i];
		if (strcmp(r->family, family) == 0 && strcmp(r->bus, bus) == 0 &&
		    strcmp(r->type, type) == 0 && same_props(r->props, props))
			return r;
	}
	return NULL;
}
