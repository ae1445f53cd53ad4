/*
 * schema.c - schema data files into the immutable model of schema.h.
 *
 * Stage: data load (before vmstate decode).  Inputs: YAML files (the ones
 * embedded at build time, or buffers from tests); output: a
 * vmc__schema_set that schema_decode.c walks.  docs/schema-language.md is
 * the specification of what is accepted here.
 *
 * Loading is two passes over all files, so that a name may be used before
 * (or in another file than) its definition: pass 1 creates every vmsd and
 * switch by name (duplicates are errors), pass 2 fills fields,
 * subsections, cases and roots and resolves every reference.  Then the
 * number of nodes each vmsd can add to a parent is computed (flattened
 * structs included), which bounds the engine's child arrays; a flatten
 * cycle is an error.
 *
 * Invariants guaranteed: every reference resolves; every expression
 * parsed; integer widths are 1/2/4/8; every entry has a "FILE:LINE".
 * Everything lives in the set's arena.
 *
 * Non-goals: deciding whether a schema matches QEMU (tests against real
 * streams do that).
 */
#include "schema.h"

#include "../lib/data.h"

#include <stdio.h>
#include <string.h>

#define MAX_VMSDS 1024

struct vmc__schema_set {
	vmc_ctx *ctx;
	vmc__arena arena;
	vmc__svmsd **vmsds;        /* arena array of nvmsds                */
	const vmc__ynode **vmsd_src; /* the YAML map of each vmsd          */
	size_t nvmsds;
	vmc__sswitch **switches;
	const vmc__ynode **switch_src;
	size_t nswitches;
	vmc__sroot *roots;
	size_t nroots;
	unsigned anon;             /* counter for inline vmsd names        */
};

/* Field types: name, engine type, width, little-endian, node label. */
static const struct ftype {
	const char *name;
	uint32_t type;
	uint8_t width;
	uint8_t le;
	const char *label;
} ftypes[] = {
	{"u8", VMC__ST_UINT, 1, 0, "uint8"},       {"u16", VMC__ST_UINT, 2, 0, "uint16"},
	{"u32", VMC__ST_UINT, 4, 0, "uint32"},     {"u64", VMC__ST_UINT, 8, 0, "uint64"},
	{"i8", VMC__ST_INT, 1, 0, "int8"},         {"i16", VMC__ST_INT, 2, 0, "int16"},
	{"i32", VMC__ST_INT, 4, 0, "int32"},       {"i64", VMC__ST_INT, 8, 0, "int64"},
	{"u16le", VMC__ST_UINT, 2, 1, "uint16 le"}, {"u32le", VMC__ST_UINT, 4, 1, "uint32 le"},
	{"u64le", VMC__ST_UINT, 8, 1, "uint64 le"}, {"i16le", VMC__ST_INT, 2, 1, "int16 le"},
	{"i32le", VMC__ST_INT, 4, 1, "int32 le"},   {"i64le", VMC__ST_INT, 8, 1, "int64 le"},
	{"bool", VMC__ST_BOOL, 1, 0, "bool"},      {"buffer", VMC__ST_BUFFER, 0, 0, "buffer"},
	{"unused", VMC__ST_UNUSED, 0, 0, "unused_buffer"},
	{"struct", VMC__ST_STRUCT, 0, 0, "struct"}, {"list", VMC__ST_LIST, 0, 0, "list"},
	{"switch", VMC__ST_SWITCH, 0, 0, "switch"}, {"custom", VMC__ST_CUSTOM, 0, 0, NULL},
};

static const struct custom {
	const char *name;
	uint32_t id;
	const char *label;
} customs[] = {
	{"pci_config", VMC__SC_PCI_CONFIG, "pci config"},
};

static const char *const file_keys[] = {"source", "roots", "switches", "vmsds", NULL};
static const char *const vmsd_keys[] = {"name",   "version", "minimum_version", "source",
					"fields", "subsections", "verify", NULL};
static const char *const field_keys[] = {"name",  "type",     "source",    "equal",
					 "qemu_type", "size", "count", "limit",
					 "vmsd",  "fields",   "since",     "until",
					 "exists_if", "custom", "marker", "max",
					 "flatten", "switch", NULL};
static const char *const switch_keys[] = {"name", "source", "cases", NULL};
static const char *const root_keys[] = {"type", "vmsd", "source", NULL};
static const char *const verify_keys[] = {"expr", "message", "source", NULL};
static const char *const marker_keys[] = {"type", "more", "end", NULL};

static const char *where(vmc__schema_set *set, const vmc__ynode *n)
{
	char buf[VMC_ERROR_PATH_MAX];
	int len = snprintf(buf, sizeof(buf), "%s:%u", n->file, n->line);

	return vmc__arena_strndup(&set->arena, buf, len > 0 ? (size_t)len : 0);
}

static vmc__svmsd *find_vmsd(const vmc__schema_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nvmsds; i++)
		if (strcmp(set->vmsds[i]->name, name) == 0)
			return set->vmsds[i];
	return NULL;
}

static vmc__sswitch *find_switch(const vmc__schema_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nswitches; i++)
		if (strcmp(set->switches[i]->name, name) == 0)
			return set->switches[i];
	return NULL;
}

/* A sequence value of key (optional): *out NULL when absent. */
static int get_seq(vmc_ctx *ctx, const vmc__ynode *map, const char *key,
		   const vmc__ynode **out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	*out = NULL;
	if (!n)
		return VMC_OK;
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SEQ, key));
	*out = n;
	return VMC_OK;
}

static int get_u32(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		   uint32_t *out, int *present)
{
	uint64_t v = UINT64_MAX;

	VMC_TRY(vmc__yaml_u64(ctx, map, key, required, &v));
	if (v == UINT64_MAX) {
		if (present)
			*present = 0;
		return VMC_OK;
	}
	if (v > UINT32_MAX)
		return vmc__yaml_fail(ctx, vmc__yaml_get(map, key),
				      "expected '%s' below 2^32, found %llu", key,
				      (unsigned long long)v);
	*out = (uint32_t)v;
	if (present)
		*present = 1;
	return VMC_OK;
}

/* An expression value of key (optional). */
static int get_expr(vmc__schema_set *set, const vmc__ynode *map, const char *key,
		    const vmc__expr **out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	*out = NULL;
	if (!n)
		return VMC_OK;
	VMC_TRY(vmc__yaml_expect(set->ctx, n, VMC_YAML_SCALAR, key));
	if (n->len == 0)
		return vmc__yaml_fail(set->ctx, n, "expected an expression for '%s', found ''",
				      key);
	return vmc__expr_parse(out, &set->arena, n->scalar, n);
}

static vmc__svmsd *new_vmsd(vmc__schema_set *set, const char *name, const vmc__ynode *src)
{
	vmc__svmsd *v;

	if (set->nvmsds == MAX_VMSDS) {
		vmc__yaml_fail(set->ctx, src, "expected at most %u vmsds, found more",
			       MAX_VMSDS);
		return NULL;
	}
	v = vmc__arena_alloc(&set->arena, sizeof(*v));
	if (!v)
		return NULL;
	v->name = name;
	v->where = where(set, src);
	set->vmsds[set->nvmsds] = v;
	set->vmsd_src[set->nvmsds++] = src;
	return v;
}

static int fill_vmsd(vmc__schema_set *set, vmc__svmsd *v, const vmc__ynode *map, int inline_,
		     uint32_t inherit_version);

static int parse_field(vmc__schema_set *set, vmc__sfield *f, const vmc__ynode *map,
		       const vmc__svmsd *parent)
{
	vmc_ctx *ctx = set->ctx;
	const char *tname, *s;
	const struct ftype *ft = NULL;
	const vmc__ynode *n;
	size_t i;
	int b;

	VMC_TRY(vmc__yaml_expect(ctx, map, VMC_YAML_MAP, "a field"));
	VMC_TRY(vmc__yaml_check_keys(ctx, map, field_keys));
	VMC_TRY(vmc__yaml_str(ctx, map, "name", 1, &f->name));
	VMC_TRY(vmc__yaml_str(ctx, map, "type", 1, &tname));
	f->where = where(set, map);
	for (i = 0; i < sizeof(ftypes) / sizeof(ftypes[0]); i++)
		if (strcmp(ftypes[i].name, tname) == 0)
			ft = &ftypes[i];
	if (!ft)
		return vmc__yaml_fail(ctx, vmc__yaml_get(map, "type"),
				      "expected a field type (u8..u64, i8..i64, u16le..i64le, "
				      "bool, buffer, unused, struct, list, switch, custom), "
				      "found '%s'",
				      tname);
	f->type = ft->type;
	f->width = ft->width;
	f->le = ft->le;
	f->label = ft->label;

	/* Keys that only make sense for some types. */
	{
		static const struct {
			const char *key;
			uint32_t mask;
		} only[] = {
			{"size", 1u << VMC__ST_BUFFER | 1u << VMC__ST_UNUSED},
			{"vmsd", 1u << VMC__ST_STRUCT | 1u << VMC__ST_LIST},
			{"fields", 1u << VMC__ST_STRUCT | 1u << VMC__ST_LIST},
			{"flatten", 1u << VMC__ST_STRUCT},
			{"marker", 1u << VMC__ST_LIST},
			{"max", 1u << VMC__ST_LIST},
			{"switch", 1u << VMC__ST_SWITCH},
			{"custom", 1u << VMC__ST_CUSTOM},
			{"equal", 1u << VMC__ST_UINT | 1u << VMC__ST_INT},
		};
		for (i = 0; i < sizeof(only) / sizeof(only[0]); i++)
			if (vmc__yaml_get(map, only[i].key) && !(only[i].mask & (1u << f->type)))
				return vmc__yaml_fail(ctx, vmc__yaml_get(map, only[i].key),
						      "expected no '%s' for a field of type %s, "
						      "found one",
						      only[i].key, tname);
	}

	b = 0;
	VMC_TRY(vmc__yaml_bool(ctx, map, "equal", 0, &b));
	f->equal = (uint8_t)b;
	if (b) {
		char buf[48];
		snprintf(buf, sizeof(buf), "%s equal", f->label);
		f->label = vmc__arena_strndup(&set->arena, buf, strlen(buf));
		if (!f->label)
			return VMC_ENOMEM;
	}
	b = 0;
	VMC_TRY(vmc__yaml_bool(ctx, map, "flatten", 0, &b));
	f->flatten = (uint8_t)b;
	s = NULL;
	VMC_TRY(vmc__yaml_str(ctx, map, "qemu_type", 0, &s));
	if (s)
		f->label = s;
	s = NULL;
	VMC_TRY(vmc__yaml_str(ctx, map, "limit", 0, &s));
	if (s && strcmp(s, "queues") != 0)
		return vmc__yaml_fail(ctx, vmc__yaml_get(map, "limit"),
				      "expected limit 'queues', found '%s'", s);
	f->limit_queues = s != NULL;
	VMC_TRY(vmc__yaml_str(ctx, map, "source", 0, &s));

	VMC_TRY(get_expr(set, map, "count", &f->count));
	VMC_TRY(get_expr(set, map, "exists_if", &f->exists_if));
	if (f->limit_queues && !f->count)
		return vmc__yaml_fail(ctx, map, "expected 'count' with 'limit', found none");
	VMC_TRY(get_u32(ctx, map, "since", 0, &f->since, &f->has_since));
	VMC_TRY(get_u32(ctx, map, "until", 0, &f->until, &f->has_until));

	if (f->type == VMC__ST_BUFFER || f->type == VMC__ST_UNUSED) {
		n = vmc__yaml_get(map, "size");
		if (!n)
			return vmc__yaml_fail(ctx, map, "expected 'size' for a %s, found none",
					      tname);
		VMC_TRY(get_expr(set, map, "size", &f->size_expr));
	}
	if (f->type == VMC__ST_STRUCT || f->type == VMC__ST_LIST) {
		const vmc__ynode *inl = vmc__yaml_get(map, "fields");

		s = NULL;
		VMC_TRY(vmc__yaml_str(ctx, map, "vmsd", 0, &s));
		if (!s == !inl)
			return vmc__yaml_fail(ctx, map,
					      "expected exactly one of 'vmsd' and 'fields' for a "
					      "%s, found %s",
					      tname, s ? "both" : "neither");
		if (s) {
			f->vmsd = find_vmsd(set, s);
			if (!f->vmsd)
				return vmc__yaml_fail(ctx, vmc__yaml_get(map, "vmsd"),
						      "expected the name of a vmsd, found '%s'", s);
		} else {
			char buf[96];
			vmc__svmsd *v;
			const char *nm;

			snprintf(buf, sizeof(buf), "%s.%s", parent->name, f->name);
			nm = vmc__arena_strndup(&set->arena, buf, strlen(buf));
			if (!nm)
				return VMC_ENOMEM;
			v = new_vmsd(set, nm, map);
			if (!v)
				return set->ctx->err.code ? set->ctx->err.code : VMC_ENOMEM;
			VMC_TRY(fill_vmsd(set, v, map, 1, parent->version));
			f->vmsd = v;
		}
		if (f->type == VMC__ST_STRUCT && s)
			f->label = f->vmsd->name;
	}
	if (f->type == VMC__ST_LIST) {
		const vmc__ynode *m = vmc__yaml_get(map, "marker");
		uint64_t v;

		if (!m)
			return vmc__yaml_fail(ctx, map, "expected 'marker' for a list, found none");
		VMC_TRY(vmc__yaml_expect(ctx, m, VMC_YAML_MAP, "marker"));
		VMC_TRY(vmc__yaml_check_keys(ctx, m, marker_keys));
		VMC_TRY(vmc__yaml_str(ctx, m, "type", 1, &s));
		if (strcmp(s, "i8") != 0 && strcmp(s, "u8") != 0)
			return vmc__yaml_fail(ctx, vmc__yaml_get(m, "type"),
					      "expected marker type i8 or u8, found '%s'", s);
		f->marker_width = 1;
		f->marker_signed = s[0] == 'i';
		VMC_TRY(vmc__yaml_u64(ctx, m, "more", 1, &f->marker_more));
		VMC_TRY(vmc__yaml_u64(ctx, m, "end", 1, &f->marker_end));
		if (f->marker_more > 0xff || f->marker_end > 0xff ||
		    f->marker_more == f->marker_end)
			return vmc__yaml_fail(ctx, m,
					      "expected distinct 'more' and 'end' bytes, found %llu "
					      "and %llu",
					      (unsigned long long)f->marker_more,
					      (unsigned long long)f->marker_end);
		v = 1024;
		VMC_TRY(vmc__yaml_u64(ctx, map, "max", 0, &v));
		if (v == 0 || v > 1u << 20)
			return vmc__yaml_fail(ctx, vmc__yaml_get(map, "max"),
					      "expected 'max' in 1..1048576, found %llu",
					      (unsigned long long)v);
		f->max = (uint32_t)v;
		if (f->count)
			return vmc__yaml_fail(ctx, map, "expected no 'count' for a list, found one");
	}
	if (f->type == VMC__ST_SWITCH) {
		VMC_TRY(vmc__yaml_str(ctx, map, "switch", 1, &s));
		f->sw = find_switch(set, s);
		if (!f->sw)
			return vmc__yaml_fail(ctx, vmc__yaml_get(map, "switch"),
					      "expected the name of a switch, found '%s'", s);
		if (f->count || f->exists_if)
			return vmc__yaml_fail(ctx, map,
					      "expected no 'count' or 'exists_if' for a switch, "
					      "found one");
	}
	if (f->type == VMC__ST_CUSTOM) {
		VMC_TRY(vmc__yaml_str(ctx, map, "custom", 1, &s));
		for (i = 0; i < sizeof(customs) / sizeof(customs[0]); i++)
			if (strcmp(customs[i].name, s) == 0)
				break;
		if (i == sizeof(customs) / sizeof(customs[0]))
			return vmc__yaml_fail(ctx, vmc__yaml_get(map, "custom"),
					      "expected a custom handler (pci_config), found '%s'",
					      s);
		f->custom = customs[i].id;
		if (!vmc__yaml_get(map, "qemu_type"))
			f->label = customs[i].label;
	}
	if (f->flatten && (f->count || f->type != VMC__ST_STRUCT))
		return vmc__yaml_fail(ctx, map,
				      "expected 'flatten' only on a single struct, found it with "
				      "a count");
	return VMC_OK;
}

/* Fields, subsections, verify of v from map.  inline_: map is a field
 * entry whose "fields" key holds the fields (no name/version keys). */
static int fill_vmsd(vmc__schema_set *set, vmc__svmsd *v, const vmc__ynode *map, int inline_,
		     uint32_t inherit_version)
{
	vmc_ctx *ctx = set->ctx;
	const vmc__ynode *fields, *subs, *ver;
	vmc__sfield *fs;
	size_t i;

	if (inline_) {
		v->version = v->minimum_version = inherit_version;
	} else {
		int has_min = 0;
		const char *src;

		VMC_TRY(get_u32(ctx, map, "version", 1, &v->version, NULL));
		VMC_TRY(get_u32(ctx, map, "minimum_version", 0, &v->minimum_version, &has_min));
		if (!has_min)
			v->minimum_version = v->version;
		if (v->minimum_version > v->version)
			return vmc__yaml_fail(ctx, map,
					      "expected minimum_version <= version, found %u > %u",
					      v->minimum_version, v->version);
		VMC_TRY(vmc__yaml_str(ctx, map, "source", 1, &src));
	}
	VMC_TRY(get_seq(ctx, map, "fields", &fields));
	if (fields && fields->len) {
		fs = vmc__arena_alloc(&set->arena, fields->len * sizeof(*fs));
		if (!fs)
			return VMC_ENOMEM;
		for (i = 0; i < fields->len; i++)
			VMC_TRY(parse_field(set, &fs[i], fields->items[i], v));
		v->fields = fs;
		v->nfields = fields->len;
	}
	if (inline_)
		return VMC_OK;
	VMC_TRY(get_seq(ctx, map, "subsections", &subs));
	if (subs && subs->len > 32)
		return vmc__yaml_fail(ctx, subs, "expected at most 32 subsections, found %zu",
				      subs->len);
	if (subs && subs->len) {
		const vmc__svmsd **ss = vmc__arena_alloc(&set->arena, subs->len * sizeof(*ss));

		if (!ss)
			return VMC_ENOMEM;
		for (i = 0; i < subs->len; i++) {
			const vmc__ynode *sn = subs->items[i];
			size_t nl = strlen(v->name);

			VMC_TRY(vmc__yaml_expect(ctx, sn, VMC_YAML_SCALAR, "a subsection name"));
			ss[i] = find_vmsd(set, sn->scalar);
			if (!ss[i])
				return vmc__yaml_fail(ctx, sn,
						      "expected the name of a vmsd, found '%s'",
						      sn->scalar);
			/* vmstate_subsection_load only looks for subsections whose
			 * name extends the parent's. */
			if (strlen(sn->scalar) <= nl || strncmp(sn->scalar, v->name, nl) != 0)
				return vmc__yaml_fail(ctx, sn,
						      "expected a subsection name starting with "
						      "'%s', found '%s'",
						      v->name, sn->scalar);
		}
		v->subsections = ss;
		v->nsubsections = subs->len;
	}
	VMC_TRY(get_seq(ctx, map, "verify", &ver));
	if (ver && ver->len) {
		vmc__sverify *vs = vmc__arena_alloc(&set->arena, ver->len * sizeof(*vs));

		if (!vs)
			return VMC_ENOMEM;
		for (i = 0; i < ver->len; i++) {
			const vmc__ynode *vn = ver->items[i];

			VMC_TRY(vmc__yaml_expect(ctx, vn, VMC_YAML_MAP, "a verify entry"));
			VMC_TRY(vmc__yaml_check_keys(ctx, vn, verify_keys));
			VMC_TRY(get_expr(set, vn, "expr", &vs[i].expr));
			if (!vs[i].expr)
				return vmc__yaml_fail(ctx, vn, "expected 'expr', found none");
			VMC_TRY(vmc__yaml_str(ctx, vn, "message", 1, &vs[i].message));
		}
		v->verify = vs;
		v->nverify = ver->len;
	}
	return VMC_OK;
}

/* Nodes v can add to a parent: one per non-flattened field, a flattened
 * struct's own count, one per subsection.  depth guards flatten cycles. */
static int count_children(vmc__schema_set *set, vmc__svmsd *v, unsigned depth)
{
	size_t i, n = 0;

	if (depth > 32)
		return vmc__yaml_fail(set->ctx, NULL, "expected no flatten cycle, found one at %s",
				      v->where);
	for (i = 0; i < v->nfields; i++) {
		const vmc__sfield *f = &v->fields[i];

		if (f->flatten) {
			vmc__svmsd *c = (vmc__svmsd *)f->vmsd;

			VMC_TRY(count_children(set, c, depth + 1));
			n += c->max_children;
		} else {
			n++;
		}
	}
	v->max_children = n + v->nsubsections;
	return VMC_OK;
}

static int pass1(vmc__schema_set *set, const vmc__ynode *root)
{
	vmc_ctx *ctx = set->ctx;
	const vmc__ynode *seq;
	size_t i;

	VMC_TRY(get_seq(ctx, root, "vmsds", &seq));
	if (!seq)
		return vmc__yaml_fail(ctx, root, "expected 'vmsds', found none");
	for (i = 0; i < seq->len; i++) {
		const vmc__ynode *m = seq->items[i];
		const char *name;

		VMC_TRY(vmc__yaml_expect(ctx, m, VMC_YAML_MAP, "a vmsd"));
		VMC_TRY(vmc__yaml_check_keys(ctx, m, vmsd_keys));
		VMC_TRY(vmc__yaml_str(ctx, m, "name", 1, &name));
		if (find_vmsd(set, name))
			return vmc__yaml_fail(ctx, m, "expected a unique vmsd name, found '%s' again",
					      name);
		if (!new_vmsd(set, name, m))
			return ctx->err.code ? ctx->err.code : VMC_ENOMEM;
	}
	VMC_TRY(get_seq(ctx, root, "switches", &seq));
	for (i = 0; seq && i < seq->len; i++) {
		const vmc__ynode *m = seq->items[i];
		vmc__sswitch *sw;
		const char *name;

		VMC_TRY(vmc__yaml_expect(ctx, m, VMC_YAML_MAP, "a switch"));
		VMC_TRY(vmc__yaml_check_keys(ctx, m, switch_keys));
		VMC_TRY(vmc__yaml_str(ctx, m, "name", 1, &name));
		if (find_switch(set, name))
			return vmc__yaml_fail(ctx, m,
					      "expected a unique switch name, found '%s' again", name);
		if (set->nswitches == 64)
			return vmc__yaml_fail(ctx, m, "expected at most 64 switches, found more");
		sw = vmc__arena_alloc(&set->arena, sizeof(*sw));
		if (!sw)
			return VMC_ENOMEM;
		sw->name = name;
		set->switches[set->nswitches] = sw;
		set->switch_src[set->nswitches++] = m;
	}
	return VMC_OK;
}

static int fill_switch(vmc__schema_set *set, vmc__sswitch *sw, const vmc__ynode *m)
{
	vmc_ctx *ctx = set->ctx;
	const vmc__ynode *cases = vmc__yaml_get(m, "cases");
	const char *src;
	vmc__scase *cs;
	size_t i;

	VMC_TRY(vmc__yaml_str(ctx, m, "source", 1, &src));
	if (!cases)
		return vmc__yaml_fail(ctx, m, "expected 'cases', found none");
	VMC_TRY(vmc__yaml_expect(ctx, cases, VMC_YAML_MAP, "cases"));
	cs = vmc__arena_alloc(&set->arena, (cases->len ? cases->len : 1) * sizeof(*cs));
	if (!cs)
		return VMC_ENOMEM;
	for (i = 0; i < cases->len; i++) {
		const vmc__ynode *v = cases->items[i];

		VMC_TRY(vmc__yaml_expect(ctx, v, VMC_YAML_SCALAR, "a vmsd name or none"));
		cs[i].key = cases->keys[i];
		if (strcmp(v->scalar, "none") == 0)
			continue;
		cs[i].vmsd = find_vmsd(set, v->scalar);
		if (!cs[i].vmsd)
			return vmc__yaml_fail(ctx, v, "expected the name of a vmsd or none, found '%s'",
					      v->scalar);
	}
	sw->cases = cs;
	sw->ncases = cases->len;
	return VMC_OK;
}

static int pass2(vmc__schema_set *set, const vmc__ynode *root, size_t first_vmsd,
		 size_t nvmsds, size_t first_switch, size_t nswitch)
{
	vmc_ctx *ctx = set->ctx;
	const vmc__ynode *seq;
	size_t i;

	for (i = first_vmsd; i < first_vmsd + nvmsds; i++)
		VMC_TRY(fill_vmsd(set, set->vmsds[i], set->vmsd_src[i], 0, 0));
	for (i = first_switch; i < first_switch + nswitch; i++)
		VMC_TRY(fill_switch(set, set->switches[i], set->switch_src[i]));
	VMC_TRY(get_seq(ctx, root, "roots", &seq));
	for (i = 0; seq && i < seq->len; i++) {
		const vmc__ynode *m = seq->items[i];
		const char *type, *vn, *src;
		vmc__sroot *r;

		VMC_TRY(vmc__yaml_expect(ctx, m, VMC_YAML_MAP, "a root"));
		VMC_TRY(vmc__yaml_check_keys(ctx, m, root_keys));
		VMC_TRY(vmc__yaml_str(ctx, m, "type", 1, &type));
		VMC_TRY(vmc__yaml_str(ctx, m, "vmsd", 1, &vn));
		VMC_TRY(vmc__yaml_str(ctx, m, "source", 1, &src));
		if (vmc__schema_root(set, type))
			return vmc__yaml_fail(ctx, m, "expected one root per type, found '%s' again",
					      type);
		if (set->nroots == 64)
			return vmc__yaml_fail(ctx, m, "expected at most 64 roots, found more");
		r = &set->roots[set->nroots];
		r->type = type;
		r->vmsd = find_vmsd(set, vn);
		if (!r->vmsd)
			return vmc__yaml_fail(ctx, vmc__yaml_get(m, "vmsd"),
					      "expected the name of a vmsd, found '%s'", vn);
		set->nroots++;
	}
	return VMC_OK;
}

int vmc__schema_load(vmc__schema_set **out, vmc_ctx *ctx, const vmc__schema_file *files,
		     size_t n)
{
	vmc__schema_set *set = vmc__calloc(ctx, 1, sizeof(*set));
	const vmc__ynode **roots = NULL;
	size_t *marks = NULL;
	size_t i;
	int rc = VMC_OK;

	if (!set)
		return VMC_ENOMEM;
	set->ctx = ctx;
	vmc__arena_init(&set->arena, ctx);
	set->vmsds = vmc__arena_alloc(&set->arena, MAX_VMSDS * sizeof(*set->vmsds));
	set->vmsd_src = vmc__arena_alloc(&set->arena, MAX_VMSDS * sizeof(*set->vmsd_src));
	set->switches = vmc__arena_alloc(&set->arena, 64 * sizeof(*set->switches));
	set->switch_src = vmc__arena_alloc(&set->arena, 64 * sizeof(*set->switch_src));
	set->roots = vmc__arena_alloc(&set->arena, 64 * sizeof(*set->roots));
	roots = vmc__arena_alloc(&set->arena, (n ? n : 1) * sizeof(*roots));
	marks = vmc__arena_alloc(&set->arena, (n ? n : 1) * 4 * sizeof(*marks));
	if (!set->vmsds || !set->vmsd_src || !set->switches || !set->switch_src || !set->roots ||
	    !roots || !marks) {
		rc = VMC_ENOMEM;
		goto fail;
	}
	for (i = 0; i < n && rc == VMC_OK; i++) {
		const char *src;

		rc = vmc__yaml_parse(&roots[i], &set->arena, files[i].name, files[i].data,
				     files[i].len);
		if (rc == VMC_OK)
			rc = vmc__yaml_expect(ctx, roots[i], VMC_YAML_MAP, "a schema file");
		if (rc == VMC_OK)
			rc = vmc__yaml_check_keys(ctx, roots[i], file_keys);
		if (rc == VMC_OK)
			rc = vmc__yaml_str(ctx, roots[i], "source", 1, &src) < 0 ? ctx->err.code
										 : VMC_OK;
		marks[4 * i] = set->nvmsds;
		marks[4 * i + 2] = set->nswitches;
		if (rc == VMC_OK)
			rc = pass1(set, roots[i]);
		marks[4 * i + 1] = set->nvmsds - marks[4 * i];
		marks[4 * i + 3] = set->nswitches - marks[4 * i + 2];
	}
	/* Pass 2 may add inline vmsds at the end of the table: fill only the
	 * ones pass 1 created. */
	for (i = 0; i < n && rc == VMC_OK; i++)
		rc = pass2(set, roots[i], marks[4 * i], marks[4 * i + 1], marks[4 * i + 2],
			   marks[4 * i + 3]);
	for (i = 0; i < set->nvmsds && rc == VMC_OK; i++)
		rc = count_children(set, set->vmsds[i], 0);
	if (rc == VMC_OK) {
		*out = set;
		return VMC_OK;
	}
fail:
	vmc__schema_free(set);
	return rc < 0 ? rc : VMC_ENOMEM;
}

int vmc__schema_load_embedded(vmc__schema_set **out, vmc_ctx *ctx)
{
	static const char prefix[] = "vmstate/schemas/";
	const vmc__data_file *f;
	vmc__schema_file *files;
	size_t n = 0;
	int rc;

	for (f = vmc__data_files; f->path; f++)
		n += strncmp(f->path, prefix, sizeof(prefix) - 1) == 0;
	files = vmc__calloc(ctx, n ? n : 1, sizeof(*files));
	if (!files)
		return VMC_ENOMEM;
	n = 0;
	for (f = vmc__data_files; f->path; f++) {
		if (strncmp(f->path, prefix, sizeof(prefix) - 1) != 0)
			continue;
		files[n].name = f->path;
		files[n].data = f->data;
		files[n].len = f->len;
		n++;
	}
	rc = vmc__schema_load(out, ctx, files, n);
	vmc__free(ctx, files);
	return rc;
}

void vmc__schema_free(vmc__schema_set *set)
{
	if (!set)
		return;
	vmc__arena_free(&set->arena);
	vmc__free(set->ctx, set);
}

const vmc__svmsd *vmc__schema_vmsd(const vmc__schema_set *set, const char *name)
{
	return find_vmsd(set, name);
}

const vmc__svmsd *vmc__schema_root(const vmc__schema_set *set, const char *type)
{
	size_t i;

	for (i = 0; i < set->nroots; i++)
		if (strcmp(set->roots[i].type, type) == 0)
			return set->roots[i].vmsd;
	return NULL;
}

const vmc__svmsd *vmc__schema_case(const vmc__sswitch *sw, const char *key, int *found)
{
	size_t i;

	for (i = 0; key && i < sw->ncases; i++)
		if (strcmp(sw->cases[i].key, key) == 0) {
			*found = 1;
			return sw->cases[i].vmsd;
		}
	*found = 0;
	return NULL;
}

static int rehome(vmc__arena *arena, const char **s)
{
	char *c = vmc__arena_strndup(arena, *s, strlen(*s));

	if (!c)
		return VMC_ENOMEM;
	*s = c;
	return VMC_OK;
}

int vmc__schema_rehome(vmc__schema_set *set, vmc__arena *arena)
{
	size_t i, j;

	for (i = 0; i < set->nvmsds; i++) {
		vmc__svmsd *v = set->vmsds[i];

		VMC_TRY(rehome(arena, &v->name));
		for (j = 0; j < v->nfields; j++) {
			vmc__sfield *f = (vmc__sfield *)&v->fields[j];

			VMC_TRY(rehome(arena, &f->name));
			/* A struct's label is its vmsd's name: share it. */
			if (f->type == VMC__ST_STRUCT && f->vmsd && f->label == f->vmsd->name)
				continue;
			VMC_TRY(rehome(arena, &f->label));
		}
	}
	/* Struct labels pointing at vmsd names rehomed above. */
	for (i = 0; i < set->nvmsds; i++) {
		vmc__svmsd *v = set->vmsds[i];

		for (j = 0; j < v->nfields; j++) {
			vmc__sfield *f = (vmc__sfield *)&v->fields[j];

			if (f->type == VMC__ST_STRUCT && f->vmsd && f->label != f->vmsd->name &&
			    f->label && strcmp(f->label, f->vmsd->name) == 0)
				f->label = f->vmsd->name;
		}
	}
	for (i = 0; i < set->nswitches; i++)
		for (j = 0; j < set->switches[i]->ncases; j++)
			VMC_TRY(rehome(arena, &((vmc__scase *)set->switches[i]->cases)[j].key));
	return VMC_OK;
}
