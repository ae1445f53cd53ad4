/*
 * vmdesc_decode.c - one FULL section body split into a field tree by the
 * section's vmdesc description.
 *
 * Stage: vmstate decode (framing -> vmdesc -> here -> facts).  Inputs: a
 * vmc__vmdesc_device from parsers/vmdesc.c and the held bytes of the section
 * body; output: a vmc_field tree in the stream's arena (vmstate/model.h) and
 * the body length.  Implements stream-format.md §7 (vmstate encoding) using
 * §8 (what the vmdesc describes).  docs/vmdesc.md has the type mapping.
 *
 * The walk mirrors QEMU 7.2 vmstate_save_state_v (migration/vmstate.c): a
 * vmsd is its described fields in order, then its described subsections.
 * The vmdesc lists exactly what the saving QEMU wrote: fields that did not
 * exist for the version were neither written nor described, and only the
 * subsections that were sent are listed.  So no version or field_exists
 * logic is needed here; the description is followed literally, and each
 * step is checked against the bytes where the stream says something
 * checkable:
 *
 *   subsection header (vmstate_subsection_save), one per described subsection
 *   OFFSET  SIZE  FIELD
 *   0       1     0x05 QEMU_VM_SUBSECTION
 *   1       1     n = name length
 *   2       n     subsection vmsd name (no NUL), must equal "vmsd_name"
 *   2+n     4     be32 version_id, must equal "version"
 *   6+n     ...   the subsection's fields and subsections
 *
 *   nested struct (struct, vstruct, tmp): the bytes decoded from the nested
 *   description must add up to the element's described "size" (QEMU
 *   measured it as the bytes written: vmsd_desc_field_end).
 *
 *   NULL element: one byte 0x30 (VMS_NULLPTR_MARKER, put_nullptr).
 *
 * Primitive types go through ONE handler table keyed by the VMStateInfo
 * name (migration/vmstate-types.c, migration/savevm.c vmstate_info_timer).
 * Integers are big-endian.  A type not in the table ("pci config",
 * "virtio", "qtailq", ...) is a VMC_FIELD_BYTES leaf of its described size
 * with its type name kept: its layout is never guessed.  An integer type
 * whose described size differs from its width is also BYTES (QEMU 7.2
 * describes a NULL element of a pointer array with the element's own type
 * and size 1; the bytes are kept rather than rejected).
 *
 * Arrays: "array_len" N (one description, N elements of "size" bytes) and
 * runs of consecutive "index" entries with the same name both become one
 * VMC_FIELD_ARRAY node whose children are named like the array.  Children
 * of a node are allocated as one block from the arena (vmc__fields_alloc,
 * which counts them against max_fields), never one allocation per element.
 *
 * Names and unknown type names are copied into the stream's arena, so the
 * tree does not depend on the description's lifetime; known type names
 * point at the static table.
 *
 * Errors carry the stream offset and a path "<idstr>/<field>[i]/<sub>...".
 * Recursion depth is the description's nesting depth (bounded by
 * max_json_depth when it was parsed).
 *
 * Non-goals: interpreting opaque blobs (virtio, PCI config: the schema
 * decoder does that), checking values against a destination.
 */
#include "vmdesc_decode.h"

#include <string.h>

/* How a type's bytes become a node. */
#define OP_UINT 0u    /* big-endian unsigned integer of width bytes        */
#define OP_INT 1u     /* big-endian two's complement integer of width bytes */
#define OP_BOOL 2u    /* one byte, nonzero = true (get_bool)                */
#define OP_BYTES 3u   /* any size, kept as bytes                           */
#define OP_NULLPTR 4u /* one byte that must be 0x30                        */
#define OP_NESTED 5u  /* a nested vmsd description                         */

typedef struct handler {
	const char *type; /* VMStateInfo name as it appears in "type"      */
	uint8_t op;       /* OP_*                                           */
	uint8_t width;    /* bytes for OP_UINT/OP_INT/OP_BOOL, else 0      */
} handler;

/* The primitive types of QEMU 7.2 (vmstate-types.c, savevm.c) plus the
 * nested kinds written by vmstate_save_state_v (vmfield_get_type_name) and
 * put_tmp.  Everything else is opaque. */
static const handler handlers[] = {
	{"bool", OP_BOOL, 1},
	{"int8", OP_INT, 1},
	{"int16", OP_INT, 2},
	{"int32", OP_INT, 4},
	{"int64", OP_INT, 8},
	{"uint8", OP_UINT, 1},
	{"uint16", OP_UINT, 2},
	{"uint32", OP_UINT, 4},
	{"uint64", OP_UINT, 8},
	{"int32 equal", OP_INT, 4},
	{"int32 le", OP_INT, 4},
	{"uint8 equal", OP_UINT, 1},
	{"uint16 equal", OP_UINT, 2},
	{"uint32 equal", OP_UINT, 4},
	/* vmstate_info_uint64_equal is named "int64 equal" in QEMU. */
	{"int64 equal", OP_UINT, 8},
	/* timer_put: be64 expiry in ns, -1 when not armed. */
	{"timer", OP_INT, 8},
	/* put_cpudouble: upper be32 then lower be32, i.e. the be64 bits. */
	{"CPU_Double_U", OP_UINT, 8},
	{"buffer", OP_BYTES, 0},
	{"unused_buffer", OP_BYTES, 0},
	{"bitmap", OP_BYTES, 0},
	{"capability", OP_BYTES, 0},
	{"nullptr", OP_NULLPTR, 1},
	{"struct", OP_NESTED, 0},
	{"vstruct", OP_NESTED, 0},
	{"tmp", OP_NESTED, 0},
};

static const handler opaque_handler = {NULL, OP_BYTES, 0};

#define SUBSECTION_MARKER 0x05u /* QEMU_VM_SUBSECTION */
#define NULLPTR_MARKER 0x30u    /* VMS_NULLPTR_MARKER */

typedef struct dstate {
	vmc_ctx *ctx;
	vmc__arena *arena;
	const uint8_t *data;           /* section body                       */
	size_t avail;                  /* readable bytes at data             */
	uint64_t base;                 /* stream offset of data[0]           */
	uint32_t *budget;              /* max_fields countdown               */
	char path[VMC_ERROR_PATH_MAX]; /* "<idstr>/<field>[i]/..."           */
	size_t plen;
} dstate;

static const handler *lookup(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(handlers[i].type, type) == 0)
			return &handlers[i];
	return &opaque_handler;
}

static size_t path_add(dstate *st, const char *s, size_t n)
{
	size_t old = st->plen, room = sizeof(st->path) - 1 - st->plen;

	if (n > room)
		n = room;
	memcpy(st->path + st->plen, s, n);
	st->plen += n;
	st->path[st->plen] = '\0';
	return old;
}

static size_t path_push(dstate *st, const char *name)
{
	size_t old = st->plen;

	path_add(st, "/", 1);
	path_add(st, name, strlen(name));
	return old;
}

static size_t path_push_index(dstate *st, size_t i)
{
	char buf[24];
	size_t n = sizeof(buf);
	size_t old = st->plen;

	buf[--n] = ']';
	do {
		buf[--n] = (char)('0' + i % 10);
		i /= 10;
	} while (i);
	buf[--n] = '[';
	path_add(st, buf + n, sizeof(buf) - n);
	return old;
}

static void path_pop(dstate *st, size_t old)
{
	st->plen = old;
	st->path[old] = '\0';
}

static const char *copy_str(dstate *st, const char *s)
{
	return vmc__arena_strndup(st->arena, s, strlen(s));
}

/* Bytes left at pos (pos <= avail always holds). */
static size_t left(const dstate *st, size_t pos)
{
	return st->avail - pos;
}

static int need(dstate *st, size_t pos, uint64_t n, const char *what)
{
	if (n > left(st, pos))
		return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + pos, st->path,
				   "expected %llu bytes of field '%s', found end of section data "
				   "(%zu bytes left)",
				   (unsigned long long)n, what, left(st, pos));
	return VMC_OK;
}

static uint64_t be(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;
	unsigned i;

	for (i = 0; i < width; i++)
		v = v << 8 | p[i];
	return v;
}

/* n nodes from the arena into *out: VMC_ELIMIT past max_fields, else
 * VMC_ENOMEM on failure (both recorded by vmc__fields_alloc). */
static int alloc_nodes(vmc_field **out, dstate *st, size_t n)
{
	int over = n > *st->budget;

	*out = vmc__fields_alloc(st->arena, n, st->budget);
	if (*out)
		return VMC_OK;
	return over ? VMC_ELIMIT : VMC_ENOMEM;
}

static int decode_vmsd(dstate *st, vmc_field *node, const vmc__vmdesc_vmsd *v, size_t *pos);

/*
 * One element described by f (or one element of f's array) at *pos into
 * node, which the caller named.  h is lookup(f->type).
 */
static int decode_element(dstate *st, vmc_field *node, const vmc__vmdesc_field *f,
			  const handler *h, size_t *pos)
{
	size_t start = *pos;
	const uint8_t *p = st->data + start;

	node->offset = st->base + start;
	if (h->op == OP_NESTED && f->vmsd) {
		node->kind = VMC_FIELD_STRUCT;
		node->version = f->vmsd->version;
		VMC_TRY(decode_vmsd(st, node, f->vmsd, pos));
		node->size = *pos - start;
		if (node->size != f->size)
			return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, node->offset, st->path,
					   "expected %s '%s' to span %llu bytes as described, "
					   "found %llu",
					   f->type, f->name, (unsigned long long)f->size,
					   (unsigned long long)node->size);
		return VMC_OK;
	}
	VMC_TRY(need(st, start, f->size, f->name));
	node->size = f->size;
	*pos = start + (size_t)f->size;
	if (h->op == OP_NULLPTR || (f->flags & VMC__VMDESC_NULL_STRUCT)) {
		if (f->size != 1 || p[0] != NULLPTR_MARKER)
			return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, node->offset, st->path,
					   "expected nullptr marker 0x30 for '%s', found %s0x%02x",
					   f->name, f->size == 1 ? "" : "a field of size != 1: ",
					   f->size ? p[0] : 0u);
		node->kind = VMC_FIELD_NULLPTR;
		return VMC_OK;
	}
	if (h->op != OP_BYTES && h->op != OP_NESTED && f->size == h->width) {
		uint64_t u = be(p, h->width);

		if (h->op == OP_BOOL) {
			node->kind = VMC_FIELD_BOOL;
			node->u = u != 0;
		} else if (h->op == OP_INT) {
			unsigned shift = 64u - 8u * h->width;

			node->kind = VMC_FIELD_INT;
			/* Sign-extend through the top bits without UB. */
			node->i = shift ? (int64_t)(u << shift) >> shift : (int64_t)u;
		} else {
			node->kind = VMC_FIELD_UINT;
			node->u = u;
		}
		return VMC_OK;
	}
	node->kind = VMC_FIELD_BYTES;
	node->bytes = p;
	return VMC_OK;
}

/* Entries [i, i+n) of v->fields that form one node: a run of "index"
 * entries 0, 1, ... with the same name, or a single entry. */
static size_t run_length(const vmc__vmdesc_vmsd *v, size_t i)
{
	const vmc__vmdesc_field *f = &v->fields[i];
	size_t n = 1;

	if (!(f->flags & VMC__VMDESC_INDEX))
		return 1;
	while (i + n < v->nfields && (v->fields[i + n].flags & VMC__VMDESC_INDEX) &&
	       v->fields[i + n].index == f->index + n &&
	       strcmp(v->fields[i + n].name, f->name) == 0)
		n++;
	return n;
}

/* The node for entries [i, i+n) of v->fields. */
static int decode_field(dstate *st, vmc_field *node, const vmc__vmdesc_vmsd *v, size_t i,
			size_t n, size_t *pos)
{
	const vmc__vmdesc_field *f = &v->fields[i];
	const handler *h = lookup(f->type);
	const char *type = h->type ? h->type : copy_str(st, f->type);
	const char *name = copy_str(st, f->name);
	size_t start = *pos, k, count, old;
	int rc = VMC_OK;

	if (!type || !name)
		return VMC_ENOMEM;
	old = path_push(st, f->name);
	node->name = name;
	node->type = type;
	if (!(f->flags & (VMC__VMDESC_ARRAY | VMC__VMDESC_INDEX))) {
		rc = decode_element(st, node, f, h, pos);
		goto out;
	}
	count = (f->flags & VMC__VMDESC_ARRAY) ? f->array_len : n;
	if (f->flags & VMC__VMDESC_ARRAY) {
		uint64_t total;

		/* Every element is described by the first: check the whole run
		 * before allocating array_len nodes. */
		if (!__builtin_mul_overflow((uint64_t)count, f->size, &total))
			rc = need(st, start, total, f->name);
		else
			rc = need(st, start, UINT64_MAX, f->name);
		if (rc < 0)
			goto out;
	}
	node->kind = VMC_FIELD_ARRAY;
	node->offset = st->base + start;
	rc = alloc_nodes(&node->children, st, count);
	if (rc < 0)
		goto out;
	node->nchildren = count;
	for (k = 0; k < count && rc == VMC_OK; k++) {
		const vmc__vmdesc_field *e = (f->flags & VMC__VMDESC_ARRAY) ? f : &v->fields[i + k];
		const handler *eh = e == f ? h : lookup(e->type);
		size_t o = path_push_index(st, k);

		node->children[k].name = name;
		node->children[k].type = e == f ? type : eh->type ? eh->type : copy_str(st, e->type);
		if (!node->children[k].type)
			rc = VMC_ENOMEM;
		else
			rc = decode_element(st, &node->children[k], e, eh, pos);
		path_pop(st, o);
	}
	node->size = *pos - start;
out:
	path_pop(st, old);
	return rc;
}

static int decode_subsection(dstate *st, vmc_field *node, const vmc__vmdesc_vmsd *sub,
			     size_t *pos)
{
	size_t start = *pos, nlen = strlen(sub->name), old;
	const uint8_t *p = st->data + start;
	uint32_t version;

	old = path_push(st, sub->name);
	if (left(st, start) < 1)
		return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start, st->path,
				   "expected subsection marker 0x05 for '%s', found end of section "
				   "data",
				   sub->name);
	if (p[0] != SUBSECTION_MARKER)
		return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start, st->path,
				   "expected subsection marker 0x05 for '%s', found 0x%02x",
				   sub->name, p[0]);
	if (left(st, start) < 2 || p[1] != nlen || left(st, start) - 2 < nlen ||
	    memcmp(p + 2, sub->name, nlen) != 0) {
		char found[VMC_ERROR_MESSAGE_MAX / 2];
		size_t n = left(st, start) < 2 ? 0 : p[1], j;

		if (n > left(st, start) - 2)
			n = left(st, start) - 2;
		if (n > sizeof(found) - 1)
			n = sizeof(found) - 1;
		for (j = 0; j < n; j++)
			found[j] = p[2 + j] >= 0x20 && p[2 + j] < 0x7f ? (char)p[2 + j] : '?';
		found[n] = '\0';
		return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start, st->path,
				   "expected subsection '%s', found '%s'%s", sub->name, found,
				   left(st, start) < 2 || p[1] > n ? " (truncated)" : "");
	}
	if (left(st, start) - 2 - nlen < 4)
		return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start + 2 + nlen, st->path,
				   "expected version of subsection '%s', found end of section data",
				   sub->name);
	version = (uint32_t)be(p + 2 + nlen, 4);
	if (version != sub->version)
		return VMC_FAIL_AT(st->ctx, VMC_EMALFORMED, st->base + start + 2 + nlen, st->path,
				   "expected version %u of subsection '%s', found %u", sub->version,
				   sub->name, version);
	node->name = copy_str(st, sub->name);
	if (!node->name)
		return VMC_ENOMEM;
	node->type = "subsection";
	node->kind = VMC_FIELD_SUBSECTION;
	node->version = sub->version;
	node->offset = st->base + start;
	*pos = start + 6 + nlen;
	VMC_TRY(decode_vmsd(st, node, sub, pos));
	node->size = *pos - start;
	path_pop(st, old);
	return VMC_OK;
}

/* v's fields then its subsections, as node's children. */
static int decode_vmsd(dstate *st, vmc_field *node, const vmc__vmdesc_vmsd *v, size_t *pos)
{
	size_t i, n, c, nodes = 0;

	for (i = 0; i < v->nfields; i += run_length(v, i))
		nodes++;
	if (nodes + v->nsubsections < nodes)
		return VMC_OOM(st->ctx);
	nodes += v->nsubsections;
	VMC_TRY(alloc_nodes(&node->children, st, nodes));
	node->nchildren = nodes;
	for (i = 0, c = 0; i < v->nfields; i += n, c++) {
		n = run_length(v, i);
		VMC_TRY(decode_field(st, &node->children[c], v, i, n, pos));
	}
	for (i = 0; i < v->nsubsections; i++, c++)
		VMC_TRY(decode_subsection(st, &node->children[c], &v->subsections[i], pos));
	return VMC_OK;
}

/* The root: a STRUCT named name with version, holding v's fields and
 * subsections. */
static int decode_root(vmc_field **out, size_t *consumed, vmc__arena *arena,
		       const vmc__vmdesc_vmsd *v, const char *name, uint32_t version,
		       const uint8_t *data, size_t avail, uint64_t base, const char *path,
		       uint32_t *budget)
{
	dstate st;
	vmc_field *root;
	size_t pos = 0;

	memset(&st, 0, sizeof(st));
	st.ctx = arena->ctx;
	st.arena = arena;
	st.data = data;
	st.avail = avail;
	st.base = base;
	st.budget = budget;
	path_add(&st, path ? path : "", path ? strlen(path) : 0);

	if (!v || !name)
		return VMC_FAIL(st.ctx, VMC_EINVAL, base, "no description for section '%s'",
				path ? path : "");
	VMC_TRY(alloc_nodes(&root, &st, 1));
	root->name = copy_str(&st, name);
	if (!root->name)
		return VMC_ENOMEM;
	root->type = "struct";
	root->kind = VMC_FIELD_STRUCT;
	root->version = version;
	root->offset = base;
	VMC_TRY(decode_vmsd(&st, root, v, &pos));
	root->size = pos;
	*out = root;
	*consumed = pos;
	return VMC_OK;
}

int vmc__vmdesc_decode(vmc_field **out, size_t *consumed, vmc__arena *arena,
		       const vmc__vmdesc_device *dev, const uint8_t *data, size_t avail,
		       uint64_t base, const char *path, uint32_t *budget)
{
	if (!dev)
		return VMC_FAIL(arena->ctx, VMC_EINVAL, base, "no description for section '%s'",
				path ? path : "");
	return decode_root(out, consumed, arena, dev->vmsd,
			   dev->vmsd_name ? dev->vmsd_name : dev->name, dev->version, data, avail,
			   base, path, budget);
}

int vmc__vmdesc_decode_vmsd(vmc_field **out, size_t *consumed, vmc__arena *arena,
			    const vmc__vmdesc_vmsd *vmsd, const uint8_t *data, size_t avail,
			    uint64_t base, const char *path, uint32_t *budget)
{
	if (!vmsd)
		return VMC_FAIL(arena->ctx, VMC_EINVAL, base, "no description for '%s'",
				path ? path : "");
	return decode_root(out, consumed, arena, vmsd, vmsd->name, vmsd->version, data, avail,
			   base, path, budget);
}
