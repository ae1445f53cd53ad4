/*
 * schema_decode.c - the schema engine: one walker that decodes every opaque
 * vmstate blob that has a schema (docs/schema-language.md) into vmc_field
 * nodes, the same model the vmdesc decoder builds.
 *
 * Stage: vmstate decode, after framing + vmdesc (parsers/framing.c calls
 * vmc__schema_decode_stream once the last record is read, before facts are
 * derived).  Inputs: the decoded section trees, whose opaque leaves (kind
 * BYTES, type e.g. "virtio") point at held section bytes; the embedded
 * schema set.  Output: each such leaf turned into a STRUCT (type kept)
 * whose children are the decoded blob.  Implements stream-format.md §7 for
 * schema-described data and §10 for the virtio blob (docs/virtio-blob.md).
 *
 * The walk mirrors vmstate_save_state_v / vmstate_load_state
 * (migration/vmstate.c): a vmsd is its existing fields in order, then the
 * subsections QEMU chose to send, decoded by name as they appear
 * (vmstate_subsection_load):
 *
 *   OFFSET  SIZE  FIELD
 *   0       1     0x05 QEMU_VM_SUBSECTION
 *   1       1     n = name length
 *   2       n     name; must extend the parent vmsd's name, else the list
 *                 ends quietly and the parent continues (as QEMU does)
 *   2+n     4     be32 version, must be in [minimum_version, version]
 *   6+n     ...   the subsection's fields and subsections
 *
 * Invariants: every read is bounds-checked against the blob (need());
 * every count is evaluated before its nodes are allocated, checked against
 * the bytes it implies where that is known, and against max_queues when
 * the schema says it counts queues; every node is counted against
 * max_fields (vmc__fields_alloc).  A node's children array is allocated
 * once with the vmsd's max_children (schema.c), and nchildren is the
 * number filled, so expressions see exactly the nodes decoded so far.
 * Nesting is bounded by MAX_DEPTH.
 *
 * Expressions resolve a name in the node being filled, then in each
 * enclosing node outwards (frames), latest node first.
 *
 * Fallback: a `switch` whose case is unknown turns the rest of the blob into
 * one UNDECODED node and stops the walk (nothing after it is guessed); the
 * blob's size is known from the vmdesc, so the section still ends right.
 *
 * Non-goals: checking values against a destination (the check issue), and
 * vmdesc-described fields (vmdesc_decode.c).
 */
#include "schema_decode.h"

#include <stdio.h>
#include <string.h>

#define SUBSECTION_MARKER 0x05u
#define MAX_DEPTH 32u
#define PCI_CONFIG_SPACE_SIZE 256u
#define PCIE_CONFIG_SPACE_SIZE 4096u
#define PCI_CAP_ID_EXP 0x10u

typedef struct frame {
	struct frame *up;
	vmc_field *node; /* children being filled; nchildren = filled so far */
	size_t cap;      /* children allocated                               */
} frame;

typedef struct estate {
	vmc_ctx *ctx;
	vmc__arena *arena;
	const uint8_t *data;  /* the blob                                 */
	size_t len;           /* its bytes                                */
	uint64_t base;        /* stream offset of data[0]                 */
	uint32_t *budget;
	const char *section_vmsd;
	frame *top;
	unsigned depth;
	int stopped;          /* an unknown part made the rest UNDECODED  */
	char path[VMC_ERROR_PATH_MAX];
	size_t plen;
} estate;

/* ---- paths (same scheme as vmdesc_decode.c, '.' after an index) ---- */

static void path_add(estate *st, const char *s, size_t n)
{
	size_t room = sizeof(st->path) - 1 - st->plen;

	if (n > room)
		n = room;
	memcpy(st->path + st->plen, s, n);
	st->plen += n;
	st->path[st->plen] = '\0';
}

static size_t path_push(estate *st, const char *name)
{
	size_t old = st->plen;

	path_add(st, st->plen && st->path[st->plen - 1] == ']' ? "." : "/", 1);
	path_add(st, name, strlen(name));
	return old;
}

static size_t path_push_index(estate *st, size_t i)
{
	/* formatted by hand: this runs for every array element (1024-entry
	 * queue arrays), where snprintf dominated the decode time */
	char buf[24], *p = buf + sizeof(buf);
	size_t old = st->plen;

	*--p = ']';
	do {
		*--p = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	*--p = '[';
	path_add(st, p, (size_t)(buf + sizeof(buf) - p));
	return old;
}

static void path_pop(estate *st, size_t old)
{
	st->plen = old;
	st->path[old] = '\0';
}

/* ---- bounds and integers ---- */

static int need(estate *st, size_t pos, uint64_t n, const char *what)
{
	if (n > st->len - pos)
		return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + pos, st->path,
				   "expected %llu bytes of '%s', found end of the blob (%zu bytes "
				   "left)",
				   (unsigned long long)n, what, st->len - pos);
	return VMC_OK;
}

static uint64_t get_int(const uint8_t *p, unsigned width, int le)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < width; i++)
		v = le ? v | (uint64_t)p[i] << (8 * i) : v << 8 | p[i];
	return v;
}

static int alloc_nodes(vmc_field **out, estate *st, size_t n)
{
	int over = n > *st->budget;

	*out = vmc__fields_alloc(st->arena, n, st->budget);
	if (*out)
		return VMC_OK;
	return over ? VMC_ELIMIT : VMC_ENOMEM;
}

/* ---- expressions ---- */

static const vmc_field *lookup(void *payload, const char *name)
{
	const estate *st = payload;
	const frame *fr;

	for (fr = st->top; fr; fr = fr->up) {
		size_t i = fr->node->nchildren;

		while (i--)
			if (fr->node->children[i].name &&
			    strcmp(fr->node->children[i].name, name) == 0)
				return &fr->node->children[i];
	}
	return NULL;
}

static int eval(uint64_t *out, estate *st, const vmc__expr *e, size_t pos)
{
	vmc__expr_env env;

	env.ctx = st->ctx;
	env.lookup = lookup;
	env.payload = st;
	env.offset = st->base + pos;
	env.path = st->path;
	return vmc__expr_eval(out, e, &env);
}

/* ---- the walk ---- */

static int decode_vmsd(estate *st, frame *fr, const vmc__svmsd *v, uint32_t version,
		       size_t *pos);

/* A STRUCT/SUBSECTION node whose children are v's fields and subsections. */
static int decode_struct(estate *st, vmc_field *node, const vmc__svmsd *v, uint32_t version,
			 size_t *pos)
{
	frame fr;
	int rc;

	if (st->depth >= MAX_DEPTH)
		return VMC_FAIL_AT(st->ctx, VMC_ESCHEMA, st->base + *pos, st->path,
				   "expected schema nesting below %u, found deeper (a cycle "
				   "through '%s'?)",
				   MAX_DEPTH, v->name);
	VMC_TRY(alloc_nodes(&node->children, st, v->max_children ? v->max_children : 1));
	node->nchildren = 0;
	fr.up = st->top;
	fr.node = node;
	fr.cap = v->max_children;
	st->top = &fr;
	st->depth++;
	rc = decode_vmsd(st, &fr, v, version, pos);
	st->depth--;
	st->top = fr.up;
	return rc;
}

static int decode_pci_config(estate *st, vmc_field *node, size_t *pos)
{
	size_t size = PCI_CONFIG_SPACE_SIZE;

	VMC_TRY(need(st, *pos, PCI_CONFIG_SPACE_SIZE, node->name));
	/* pci_is_express() as the bytes show it: virtio-pci adds the PCIe
	 * capability exactly when QEMU_PCI_CAP_EXPRESS stays set
	 * (virtio_pci_realize), and pci_config_size() follows that bit. */
	if (vmc__pci_find_cap(st->data + *pos, PCI_CONFIG_SPACE_SIZE, PCI_CAP_ID_EXP))
		size = PCIE_CONFIG_SPACE_SIZE;
	VMC_TRY(need(st, *pos, size, node->name));
	node->kind = VMC_FIELD_BYTES;
	node->bytes = st->data + *pos;
	node->size = size;
	*pos += size;
	return VMC_OK;
}

/* A list: marker, element while marker == more, until marker == end. */
static int decode_list(estate *st, vmc_field *node, const vmc__sfield *f, size_t *pos)
{
	size_t cap = 0, n = 0;
	vmc_field *els = NULL;

	node->kind = VMC_FIELD_ARRAY;
	for (;;) {
		uint8_t m;
		size_t old;

		VMC_TRY(need(st, *pos, 1, f->name));
		m = st->data[*pos];
		if (m == f->marker_end) {
			*pos += 1;
			break;
		}
		if (m != f->marker_more)
			return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + *pos, st->path,
					   "expected list marker %llu (more) or %llu (end) in "
					   "'%s', found %u",
					   (unsigned long long)f->marker_more,
					   (unsigned long long)f->marker_end, f->name, m);
		if (n == f->max)
			return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + *pos, st->path,
					   "expected at most %u elements in list '%s', found more",
					   f->max, f->name);
		*pos += 1;
		if (n == cap) {
			vmc_field *grown;

			cap = cap ? 2 * cap : 4;
			VMC_TRY(alloc_nodes(&grown, st, cap));
			if (n)
				memcpy(grown, els, n * sizeof(*els));
			els = grown;
			node->children = els;
		}
		old = path_push_index(st, n);
		els[n].name = f->name;
		els[n].type = f->vmsd->name;
		els[n].kind = VMC_FIELD_STRUCT;
		els[n].version = f->vmsd->version;
		els[n].offset = st->base + *pos;
		{
			size_t start = *pos;
			int rc = decode_struct(st, &els[n], f->vmsd, f->vmsd->version, pos);

			if (rc < 0)
				return rc;
			els[n].size = *pos - start;
		}
		path_pop(st, old);
		n++;
		node->nchildren = n;
	}
	node->children = els;
	node->nchildren = n;
	return VMC_OK;
}

/* The device part a switch selects by the section's vmsd name. */
static int decode_switch(estate *st, vmc_field *node, const vmc__sfield *f, size_t *pos)
{
	int found;
	const vmc__svmsd *v = vmc__schema_case(f->sw, st->section_vmsd, &found);

	if (!found) {
		node->kind = VMC_FIELD_UNDECODED;
		node->type = "undecoded";
		node->bytes = st->data + *pos;
		node->size = st->len - *pos;
		*pos = st->len;
		st->stopped = 1;
		return VMC_OK;
	}
	node->kind = VMC_FIELD_STRUCT;
	if (!v) {
		node->type = "none";
		return VMC_OK;
	}
	node->type = v->name;
	node->version = v->version;
	return decode_struct(st, node, v, v->version, pos);
}

/* One element of field f at *pos into node (named by the caller). */
static int decode_element(estate *st, vmc_field *node, const vmc__sfield *f, uint64_t size,
			  size_t *pos)
{
	size_t start = *pos;

	node->type = f->label;
	node->offset = st->base + start;
	switch (f->type) {
	case VMC__ST_UINT:
	case VMC__ST_INT:
	case VMC__ST_BOOL: {
		uint64_t u;

		VMC_TRY(need(st, start, f->width, f->name));
		u = get_int(st->data + start, f->width, f->le);
		if (f->type == VMC__ST_BOOL) {
			node->kind = VMC_FIELD_BOOL;
			node->u = u != 0;
		} else if (f->type == VMC__ST_INT) {
			unsigned shift = 64u - 8u * f->width;

			node->kind = VMC_FIELD_INT;
			node->i = shift ? (int64_t)(u << shift) >> shift : (int64_t)u;
		} else {
			node->kind = VMC_FIELD_UINT;
			node->u = u;
		}
		*pos += f->width;
		break;
	}
	case VMC__ST_BUFFER:
	case VMC__ST_UNUSED:
		VMC_TRY(need(st, start, size, f->name));
		node->kind = VMC_FIELD_BYTES;
		node->bytes = st->data + start;
		*pos += (size_t)size;
		break;
	case VMC__ST_STRUCT:
		node->kind = VMC_FIELD_STRUCT;
		node->version = f->vmsd->version;
		VMC_TRY(decode_struct(st, node, f->vmsd, f->vmsd->version, pos));
		break;
	case VMC__ST_LIST:
		VMC_TRY(decode_list(st, node, f, pos));
		break;
	case VMC__ST_SWITCH:
		VMC_TRY(decode_switch(st, node, f, pos));
		break;
	case VMC__ST_CUSTOM:
		VMC_TRY(decode_pci_config(st, node, pos));
		break;
	default:
		return VMC_FAIL_AT(st->ctx, VMC_ERROR, st->base + start, st->path,
				   "unknown schema field type %u", f->type);
	}
	node->size = *pos - start;
	return VMC_OK;
}

/* Field f (if it exists) appended to fr's node. */
static int decode_field(estate *st, frame *fr, const vmc__sfield *f, uint32_t version,
			size_t *pos)
{
	vmc_field *node;
	uint64_t size = 0, count = 0, exists = 1;
	size_t start = *pos, old, k;
	int rc = VMC_OK;

	if ((f->has_since && version < f->since) || (f->has_until && version > f->until))
		return VMC_OK;
	old = path_push(st, f->name);
	if (f->exists_if)
		rc = eval(&exists, st, f->exists_if, start);
	if (rc < 0 || !exists)
		goto out;
	if (f->flatten) {
		/* No node of its own, so no path segment either. */
		path_pop(st, old);
		return decode_vmsd(st, fr, f->vmsd, f->vmsd->version, pos);
	}
	if (f->size_expr)
		rc = eval(&size, st, f->size_expr, start);
	if (rc == VMC_OK && f->count)
		rc = eval(&count, st, f->count, start);
	if (rc < 0)
		goto out;
	if (fr->node->nchildren == fr->cap) {
		rc = VMC_FAIL_AT(st->ctx, VMC_ERROR, st->base + start, st->path,
				 "more children than the schema allows (%zu)", fr->cap);
		goto out;
	}
	node = &fr->node->children[fr->node->nchildren];
	node->name = f->name;
	if (!f->count) {
		rc = decode_element(st, node, f, size, pos);
		if (rc == VMC_OK)
			fr->node->nchildren++;
		goto out;
	}
	if (f->limit_queues && count > st->ctx->limits.max_queues) {
		/* More than QEMU's own VIRTIO_QUEUE_MAX (the default) is a
		 * stream QEMU rejects; more than a lowered limit is the limit
		 * (docs/limits.md: exceeding a limit is VMC_ELIMIT). */
		int code = count > VMC_DEFAULT_MAX_QUEUES ? VMC_EMALFORMED : VMC_ELIMIT;

		rc = VMC_FAIL_AT(st->ctx, code, st->base + start, st->path,
				 "expected at most %u virtqueues (limit max_queues), found %llu",
				 st->ctx->limits.max_queues, (unsigned long long)count);
		goto out;
	}
	/* Fixed-size elements: check the bytes before allocating nodes. */
	if (f->type <= VMC__ST_BOOL || f->type == VMC__ST_BUFFER || f->type == VMC__ST_UNUSED) {
		uint64_t each = f->type <= VMC__ST_BOOL ? f->width : size, total;

		rc = __builtin_mul_overflow(count, each, &total)
			     ? need(st, start, UINT64_MAX, f->name)
			     : need(st, start, total, f->name);
	} else if (count > st->len - start) {
		/* Every other element is at least one byte... except empty
		 * structs, which no schema uses with a count. */
		rc = need(st, start, count, f->name);
	}
	if (rc < 0)
		goto out;
	node->kind = VMC_FIELD_ARRAY;
	node->type = f->type == VMC__ST_STRUCT ? f->vmsd->name : f->label;
	node->offset = st->base + start;
	rc = alloc_nodes(&node->children, st, (size_t)count);
	if (rc < 0)
		goto out;
	node->nchildren = 0;
	fr->node->nchildren++;
	for (k = 0; k < count && rc == VMC_OK; k++) {
		size_t o = path_push_index(st, k);

		node->children[k].name = f->name;
		rc = decode_element(st, &node->children[k], f, size, pos);
		if (rc == VMC_OK)
			node->nchildren++;
		path_pop(st, o);
	}
	node->size = *pos - start;
out:
	path_pop(st, old);
	return rc;
}

/* Subsections of v at *pos, by name as they appear. */
static int decode_subsections(estate *st, frame *fr, const vmc__svmsd *v, size_t *pos)
{
	size_t plen = strlen(v->name);
	uint32_t seen = 0; /* bitmap: schema.c allows at most 32 subsections */

	while (!st->stopped && *pos < st->len && st->data[*pos] == SUBSECTION_MARKER) {
		size_t start = *pos, nlen, k, old;
		const uint8_t *p = st->data + start;
		const vmc__svmsd *sub = NULL;
		vmc_field *node;
		uint32_t version;
		char name[256];

		VMC_TRY(need(st, start, 2, "subsection name length"));
		nlen = p[1];
		VMC_TRY(need(st, start + 2, nlen, "subsection name"));
		memcpy(name, p + 2, nlen);
		name[nlen] = '\0';
		/* vmstate_subsection_load: a name that does not extend ours ends
		 * our list; the parent may know it. */
		if (nlen <= plen || memcmp(name, v->name, plen) != 0)
			return VMC_OK;
		for (k = 0; k < v->nsubsections; k++)
			if (strcmp(v->subsections[k]->name, name) == 0)
				sub = v->subsections[k];
		old = path_push(st, name);
		if (!sub)
			return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start, st->path,
					   "expected a subsection of '%s' (one of %zu known), found "
					   "unknown '%s'",
					   v->name, v->nsubsections, name);
		for (k = 0; k < v->nsubsections; k++)
			if (v->subsections[k] == sub)
				break;
		if (seen >> k & 1u)
			return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start, st->path,
					   "expected each subsection once, found '%s' again", name);
		seen |= 1u << k;
		VMC_TRY(need(st, start + 2 + nlen, 4, "subsection version"));
		version = (uint32_t)get_int(p + 2 + nlen, 4, 0);
		if (version < sub->minimum_version || version > sub->version)
			return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start + 2 + nlen,
					   st->path,
					   "expected version %u..%u of subsection '%s', found %u",
					   sub->minimum_version, sub->version, name, version);
		if (fr->node->nchildren == fr->cap)
			return VMC_FAIL_AT(st->ctx, VMC_ERROR, st->base + start, st->path,
					   "more children than the schema allows (%zu)", fr->cap);
		node = &fr->node->children[fr->node->nchildren];
		node->name = sub->name;
		node->type = "subsection";
		node->kind = VMC_FIELD_SUBSECTION;
		node->version = version;
		node->offset = st->base + start;
		*pos = start + 6 + nlen;
		VMC_TRY(decode_struct(st, node, sub, version, pos));
		node->size = *pos - start;
		fr->node->nchildren++;
		path_pop(st, old);
	}
	return VMC_OK;
}

static int decode_vmsd(estate *st, frame *fr, const vmc__svmsd *v, uint32_t version,
		       size_t *pos)
{
	size_t i;

	for (i = 0; i < v->nfields && !st->stopped; i++)
		VMC_TRY(decode_field(st, fr, &v->fields[i], version, pos));
	if (!st->stopped)
		VMC_TRY(decode_subsections(st, fr, v, pos));
	for (i = 0; i < v->nverify && !st->stopped; i++) {
		uint64_t ok;

		VMC_TRY(eval(&ok, st, v->verify[i].expr, *pos));
		if (!ok)
			return VMC_FAIL_AT(st->ctx, VMC_EUNSUPPORTED, st->base + *pos, st->path,
					   "%s (schema check '%s' of '%s')", v->verify[i].message,
					   vmc__expr_text(v->verify[i].expr), v->name);
	}
	return VMC_OK;
}

int vmc__schema_decode(vmc_field *node, vmc__arena *arena, const vmc__schema_set *set,
		       const vmc__svmsd *v, const uint8_t *data, size_t len, uint64_t base,
		       const char *section_vmsd, const char *path, uint32_t *budget)
{
	estate st;
	size_t pos = 0;

	(void)set;
	memset(&st, 0, sizeof(st));
	st.ctx = arena->ctx;
	st.arena = arena;
	st.data = data;
	st.len = len;
	st.base = base;
	st.budget = budget;
	st.section_vmsd = section_vmsd;
	path_add(&st, path ? path : "", path ? strlen(path) : 0);

	node->kind = VMC_FIELD_STRUCT;
	node->bytes = NULL;
	node->version = v->version;
	node->offset = base;
	node->size = len;
	VMC_TRY(decode_struct(&st, node, v, v->version, &pos));
	if (pos != len)
		return VMC_FAIL_AT(st.ctx, VMC_EMALFORMED, base + pos, st.path,
				   "expected the '%s' blob to end after %zu bytes as the vmdesc "
				   "says, found %zu bytes more (next byte 0x%02x)",
				   node->type ? node->type : v->name, pos, len - pos, data[pos]);
	return VMC_OK;
}

/* ---- integration ---- */

typedef struct expander {
	vmc_stream *s;
	vmc_section *sec;
	vmc__schema_set *set;
	char path[VMC_ERROR_PATH_MAX];
} expander;

static int plain_bytes_type(const char *type)
{
	return !type || strcmp(type, "buffer") == 0 || strcmp(type, "unused_buffer") == 0;
}

static int has_undecoded(const vmc_field *f)
{
	size_t i;

	if (f->kind == VMC_FIELD_UNDECODED)
		return 1;
	for (i = 0; i < f->nchildren; i++)
		if (has_undecoded(&f->children[i]))
			return 1;
	return 0;
}

static void free_schemas(vmc_ctx *ctx, void *set)
{
	(void)ctx;
	vmc__schema_free(set);
}

/* The embedded schema set, parsed once per context (lib/ctx.h caches):
 * decoded trees point at its strings, so streams live within their ctx. */
static int cached_schemas(vmc__schema_set **out, vmc_ctx *ctx)
{
	if (!ctx->cache[VMC__CACHE_SCHEMAS]) {
		vmc__schema_set *set;
		VMC_TRY(vmc__schema_load_embedded(&set, ctx));
		ctx->cache[VMC__CACHE_SCHEMAS] = set;
		ctx->cache_free[VMC__CACHE_SCHEMAS] = free_schemas;
	}
	*out = ctx->cache[VMC__CACHE_SCHEMAS];
	return VMC_OK;
}

static int expand(expander *x, vmc_field *f, size_t plen)
{
	size_t i;

	if (f->kind == VMC_FIELD_BYTES && !plain_bytes_type(f->type)) {
		const vmc__svmsd *root;
		vmc_stream *s = x->s;

		if (!x->set)
			VMC_TRY(cached_schemas(&x->set, s->ctx));
		root = vmc__schema_root(x->set, f->type);
		if (!root)
			return VMC_OK;
		VMC_TRY(vmc__schema_decode(f, &s->arena, x->set, root, f->bytes, (size_t)f->size,
					   f->offset, x->sec->vmsd_name, x->path,
					   &s->field_budget));
		f->expanded = 1;
		if (has_undecoded(f))
			VMC_TRY(vmc__stream_note(s,
						 "section '%s': the device part of field '%s' (vmsd "
						 "'%s') has no schema; kept as undecoded bytes",
						 x->sec->idstr, f->name,
						 x->sec->vmsd_name ? x->sec->vmsd_name : "?"));
		return VMC_OK;
	}
	for (i = 0; i < f->nchildren; i++) {
		vmc_field *c = &f->children[i];
		size_t room = sizeof(x->path) - 1 - plen;
		int n = f->kind == VMC_FIELD_ARRAY
				? snprintf(x->path + plen, room + 1, "[%zu]", i)
				: snprintf(x->path + plen, room + 1, "/%s", c->name ? c->name : "");
		size_t nplen = plen + (n < 0 ? 0 : (size_t)n > room ? room : (size_t)n);

		VMC_TRY(expand(x, c, nplen));
		x->path[plen] = '\0';
	}
	return VMC_OK;
}

int vmc__schema_decode_stream(vmc_stream *s)
{
	expander x;
	size_t i;
	int rc = VMC_OK;

	memset(&x, 0, sizeof(x));
	x.s = s;
	for (i = 0; i < s->nsections && rc == VMC_OK; i++) {
		vmc_section *sec = &s->sections[i];
		size_t plen;

		if (!sec->fields)
			continue;
		x.sec = sec;
		plen = (size_t)snprintf(x.path, sizeof(x.path), "%s", sec->idstr);
		if (plen >= sizeof(x.path))
			plen = sizeof(x.path) - 1;
		/* The root node is the section's vmsd; its children are fields. */
		{
			size_t k;

			for (k = 0; k < sec->fields->nchildren && rc == VMC_OK; k++) {
				vmc_field *c = &sec->fields->children[k];
				int n = snprintf(x.path + plen, sizeof(x.path) - plen, "/%s",
						 c->name ? c->name : "");
				size_t nplen = plen + (n < 0 ? 0 : (size_t)n);

				if (nplen >= sizeof(x.path))
					nplen = sizeof(x.path) - 1;
				rc = expand(&x, c, nplen);
				x.path[plen] = '\0';
			}
		}
	}
	return rc;
}
