/*
 * vmdesc.c - the vmdesc JSON trailer parsed into a description tree.
 *
 * Stage: parsers (framing -> vmdesc -> vmstate decode).  Input: the JSON
 * bytes after the QEMU_VM_VMDESCRIPTION tag (0x06) and its be32 length,
 * which the framing code has already bounded by max_vmdesc_size.  Output:
 * an immutable vmc__vmdesc that vmstate/vmdesc_decode.c walks to split each
 * FULL section body into named fields.  Implements stream-format.md §8;
 * docs/vmdesc.md has the verified shape.
 *
 * Why a C tree and not the json-c objects: the decoder walks a description
 * once per section and compares names and types per field; a plain struct
 * tree with counted arrays is cheaper to walk than json-c hash lookups, its
 * shape is validated once here, and its memory comes from the ctx allocator
 * (so OOM injection covers it).  json-c objects are freed before parse
 * returns.
 *
 * What QEMU 7.2 writes (migration/savevm.c
 * qemu_savevm_state_complete_precopy_non_iterable, vmstate_save_old_style;
 * migration/vmstate.c vmstate_save_state_v, vmsd_desc_field_start/_end,
 * vmstate_subsection_save):
 *
 *   {"page_size": N, "devices": [DEVICE...]}        [10.x] + "configuration": VMSD
 *   DEVICE = {"name": idstr, "instance_id": N, VMSD-KEYS}
 *          | {"name": idstr, "instance_id": N, "size": N,
 *             "fields": [{"name": "data", "size": N, "type": "buffer"}]}
 *   VMSD-KEYS = "vmsd_name": s, "version": N, "fields": [FIELD...],
 *               optional "subsections": [{VMSD-KEYS}...]
 *   FIELD = {"name": s, optional "array_len": N | "index": N, "type": s,
 *            optional "struct": {VMSD-KEYS} or {} , or VMSD-KEYS inline
 *            (vstruct, tmp), "size": N}
 *
 * Invariants guaranteed: every string is NUL-terminated and free of NUL
 * bytes; every counted array has its stated length; array_len and index
 * never appear together.  Unknown keys are ignored (QEMU may add keys);
 * a known key of the wrong JSON type is VMC_EMALFORMED "expected <key> to be
 * <type>, found <type>" at base_offset with a path ("devices[3]/fields[1]").
 *
 * Non-goals: deciding what a type name means (that is the decoder's handler
 * table), checking the description against the section bytes.
 *
 * Recursion depth of the conversion equals the JSON nesting depth, which
 * json-c has already bounded by max_json_depth.
 */
#include "vmdesc.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

struct vmc__vmdesc {
	vmc_ctx *ctx;
	vmc__arena arena;            /* every node and string below          */
	uint32_t page_size;          /* "page_size", 0 when absent           */
	vmc__vmdesc_device *devices; /* "devices", in stream order           */
	size_t ndevices;
	const vmc__vmdesc_vmsd *configuration; /* [10.x] "configuration"     */
};

/* Conversion state: where errors go and the path to the current node. */
typedef struct pstate {
	vmc_ctx *ctx;
	vmc__arena *arena;
	uint64_t base;                 /* stream offset of the JSON          */
	char path[VMC_ERROR_PATH_MAX]; /* "devices[3]/fields[2]/struct"      */
	size_t plen;
} pstate;

static size_t path_push(pstate *ps, const char *key, size_t index, int indexed)
{
	size_t old = ps->plen;
	int n;

	if (ps->plen >= sizeof(ps->path) - 1)
		return old;
	if (indexed)
		n = snprintf(ps->path + ps->plen, sizeof(ps->path) - ps->plen, "%s%s[%zu]",
			     ps->plen ? "/" : "", key, index);
	else
		n = snprintf(ps->path + ps->plen, sizeof(ps->path) - ps->plen, "%s%s",
			     ps->plen ? "/" : "", key);
	if (n > 0)
		ps->plen += (size_t)n < sizeof(ps->path) - ps->plen ? (size_t)n
								     : sizeof(ps->path) - 1 - ps->plen;
	return old;
}

static void path_pop(pstate *ps, size_t old)
{
	ps->plen = old;
	ps->path[old] = '\0';
}

static const char *jtype_name(json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a non-integer number";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "an unknown JSON value";
}

static const char *want_name(json_type t)
{
	switch (t) {
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	default:
		return "a JSON value";
	}
}

/*
 * Look up key in obj.  *out is NULL when the key is absent and not required.
 * A present key of another JSON type (including null) is malformed.
 */
static int get_key(json_object **out, pstate *ps, json_object *obj, const char *key,
		   json_type t, int required)
{
	json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v)) {
		if (!required)
			return VMC_OK;
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected %s to be %s, found no such key", key, want_name(t));
	}
	if (!json_object_is_type(v, t))
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected %s to be %s, found %s", key, want_name(t),
				   v ? jtype_name(v) : "null");
	*out = v;
	return VMC_OK;
}

/* A required or optional non-negative integer no larger than max. */
static int get_uint(uint64_t *out, int *present, pstate *ps, json_object *obj, const char *key,
		    uint64_t max, int required)
{
	json_object *v;
	int64_t s;
	uint64_t u;

	VMC_TRY(get_key(&v, ps, obj, key, json_type_int, required));
	if (present)
		*present = v != NULL;
	if (!v) {
		*out = 0;
		return VMC_OK;
	}
	s = json_object_get_int64(v);
	if (s < 0)
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected %s to be a non-negative integer, found %lld", key,
				   (long long)s);
	/* json-c keeps values above INT64_MAX as uint64 and clamps get_int64. */
	u = json_object_get_uint64(v);
	if (u > max)
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected %s to be at most %llu, found %llu", key,
				   (unsigned long long)max, (unsigned long long)u);
	*out = u;
	return VMC_OK;
}

static int get_str(const char **out, pstate *ps, json_object *obj, const char *key,
		   int required)
{
	json_object *v;
	const char *s;
	size_t n;

	VMC_TRY(get_key(&v, ps, obj, key, json_type_string, required));
	if (!v) {
		*out = NULL;
		return VMC_OK;
	}
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (memchr(s, '\0', n))
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected %s to be a string without NUL, found \\u0000", key);
	*out = vmc__arena_strndup(ps->arena, s, n);
	return *out ? VMC_OK : VMC_ENOMEM;
}

/* n zeroed elements of size bytes from the arena (n may be 0). */
static void *alloc_array(pstate *ps, size_t n, size_t size)
{
	size_t bytes;

	if (!vmc__mul_size(n, size, &bytes)) {
		VMC_OOM(ps->ctx);
		return NULL;
	}
	return vmc__arena_alloc(ps->arena, bytes);
}

static int parse_vmsd(pstate *ps, vmc__vmdesc_vmsd *v, json_object *obj, int legacy);

static int parse_field(pstate *ps, vmc__vmdesc_field *f, json_object *obj)
{
	json_object *st;
	uint64_t u;
	int has_len, has_index;

	if (!json_object_is_type(obj, json_type_object))
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected field to be an object, found %s", jtype_name(obj));
	VMC_TRY(get_str(&f->name, ps, obj, "name", 1));
	VMC_TRY(get_str(&f->type, ps, obj, "type", 1));
	VMC_TRY(get_uint(&f->size, NULL, ps, obj, "size", INT64_MAX, 1));
	VMC_TRY(get_uint(&u, &has_len, ps, obj, "array_len", UINT32_MAX, 0));
	f->array_len = (uint32_t)u;
	VMC_TRY(get_uint(&u, &has_index, ps, obj, "index", UINT32_MAX, 0));
	f->index = (uint32_t)u;
	/* vmsd_desc_field_start writes one or the other, never both. */
	if (has_len && has_index)
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected array_len or index, found both");
	f->flags = (has_len ? VMC__VMDESC_ARRAY : 0u) | (has_index ? VMC__VMDESC_INDEX : 0u);

	VMC_TRY(get_key(&st, ps, obj, "struct", json_type_object, 0));
	if (st && json_object_object_length(st) == 0) {
		/* A NULL element of an array of struct pointers: put_nullptr wrote
		 * one byte between the "struct" object's start and end. */
		if (f->size != 1)
			return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
					   "expected size 1 for an empty struct (NULL element), "
					   "found %llu",
					   (unsigned long long)f->size);
		f->flags |= VMC__VMDESC_NULL_STRUCT;
	} else if (st || json_object_object_get_ex(obj, "vmsd_name", NULL)) {
		vmc__vmdesc_vmsd *v = alloc_array(ps, 1, sizeof(*v));
		size_t old;
		int rc;

		if (!v)
			return VMC_ENOMEM;
		/* vstruct and tmp: vmstate_save_state_v writes vmsd_name, version
		 * and fields into the field object itself. */
		if (!st)
			f->flags |= VMC__VMDESC_INLINE;
		old = st ? path_push(ps, "struct", 0, 0) : ps->plen;
		rc = parse_vmsd(ps, v, st ? st : obj, 0);
		path_pop(ps, old);
		VMC_TRY(rc);
		f->vmsd = v;
	}
	return VMC_OK;
}

static int parse_fields(pstate *ps, vmc__vmdesc_vmsd *v, json_object *arr)
{
	size_t i, n = json_object_array_length(arr);
	vmc__vmdesc_field *fields = alloc_array(ps, n, sizeof(*fields));

	if (!fields)
		return VMC_ENOMEM;
	for (i = 0; i < n; i++) {
		size_t old = path_push(ps, "fields", i, 1);
		int rc = parse_field(ps, &fields[i], json_object_array_get_idx(arr, i));

		path_pop(ps, old);
		VMC_TRY(rc);
	}
	v->fields = fields;
	v->nfields = n;
	return VMC_OK;
}

/*
 * The keys vmstate_save_state_v writes: vmsd_name, version, fields, and
 * subsections when any was sent.  legacy: vmstate_save_old_style writes only
 * fields (and a device-level size, read by the caller).
 */
static int parse_vmsd(pstate *ps, vmc__vmdesc_vmsd *v, json_object *obj, int legacy)
{
	json_object *arr;
	uint64_t u;

	if (!legacy) {
		VMC_TRY(get_str(&v->name, ps, obj, "vmsd_name", 1));
		VMC_TRY(get_uint(&u, NULL, ps, obj, "version", UINT32_MAX, 1));
		v->version = (uint32_t)u;
	}
	VMC_TRY(get_key(&arr, ps, obj, "fields", json_type_array, 1));
	VMC_TRY(parse_fields(ps, v, arr));
	VMC_TRY(get_key(&arr, ps, obj, "subsections", json_type_array, 0));
	if (arr) {
		size_t i, n = json_object_array_length(arr);
		vmc__vmdesc_vmsd *subs = alloc_array(ps, n, sizeof(*subs));

		if (!subs)
			return VMC_ENOMEM;
		for (i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(arr, i);
			size_t old = path_push(ps, "subsections", i, 1);
			int rc = VMC_OK;

			if (!json_object_is_type(s, json_type_object))
				rc = VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
						 "expected subsection to be an object, found %s",
						 jtype_name(s));
			if (rc == VMC_OK)
				rc = parse_vmsd(ps, &subs[i], s, 0);
			path_pop(ps, old);
			VMC_TRY(rc);
		}
		v->subsections = subs;
		v->nsubsections = n;
	}
	return VMC_OK;
}

static int parse_device(pstate *ps, vmc__vmdesc_device *dev, json_object *obj)
{
	vmc__vmdesc_vmsd *v;
	uint64_t u;
	json_object *vn;

	if (!json_object_is_type(obj, json_type_object))
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected device to be an object, found %s", jtype_name(obj));
	VMC_TRY(get_str(&dev->name, ps, obj, "name", 1));
	VMC_TRY(get_uint(&u, NULL, ps, obj, "instance_id", UINT32_MAX, 1));
	dev->instance_id = (uint32_t)u;
	v = alloc_array(ps, 1, sizeof(*v));
	if (!v)
		return VMC_ENOMEM;
	VMC_TRY(get_key(&vn, ps, obj, "vmsd_name", json_type_string, 0));
	if (vn) {
		VMC_TRY(parse_vmsd(ps, v, obj, 0));
		dev->vmsd_name = v->name;
		dev->version = v->version;
		dev->has_version = 1;
	} else {
		VMC_TRY(get_uint(&dev->legacy_size, NULL, ps, obj, "size", INT64_MAX, 1));
		VMC_TRY(parse_vmsd(ps, v, obj, 1));
	}
	dev->vmsd = v;
	return VMC_OK;
}

static int parse_top(pstate *ps, vmc__vmdesc *d, json_object *root)
{
	json_object *arr, *cfg;
	uint64_t u;
	size_t i, n;

	if (!json_object_is_type(root, json_type_object))
		return VMC_FAIL_AT(ps->ctx, VMC_EMALFORMED, ps->base, ps->path,
				   "expected vmdesc to be an object, found %s", jtype_name(root));
	VMC_TRY(get_uint(&u, NULL, ps, root, "page_size", UINT32_MAX, 0));
	d->page_size = (uint32_t)u;
	VMC_TRY(get_key(&cfg, ps, root, "configuration", json_type_object, 0));
	if (cfg) {
		vmc__vmdesc_vmsd *v = alloc_array(ps, 1, sizeof(*v));
		size_t old;
		int rc;

		if (!v)
			return VMC_ENOMEM;
		old = path_push(ps, "configuration", 0, 0);
		rc = parse_vmsd(ps, v, cfg, 0);
		path_pop(ps, old);
		VMC_TRY(rc);
		d->configuration = v;
	}
	VMC_TRY(get_key(&arr, ps, root, "devices", json_type_array, 1));
	n = json_object_array_length(arr);
	d->devices = alloc_array(ps, n, sizeof(*d->devices));
	if (!d->devices)
		return VMC_ENOMEM;
	for (i = 0; i < n; i++) {
		size_t old = path_push(ps, "devices", i, 1);
		int rc = parse_device(ps, &d->devices[i], json_object_array_get_idx(arr, i));

		path_pop(ps, old);
		VMC_TRY(rc);
	}
	d->ndevices = n;
	return VMC_OK;
}

static int is_json_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Tokenize with json-c; *root is set on success. */
static int tokenize(json_object **root, vmc_ctx *ctx, const uint8_t *json, size_t len,
		    uint64_t base)
{
	uint32_t depth = ctx->limits.max_json_depth;
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	const uint8_t *nul;
	json_object *obj;
	size_t end;

	if (len > ctx->limits.max_vmdesc_size || len > INT_MAX)
		return VMC_FAIL(ctx, VMC_ELIMIT, base,
				"limit max_vmdesc_size exceeded: %zu bytes of vmdesc JSON", len);
	/* QEMU's JSON writer never emits NUL (stream-format.md §8); json-c would
	 * stop there, so name the byte instead. */
	nul = memchr(json, '\0', len);
	if (nul)
		return VMC_FAIL(ctx, VMC_EMALFORMED, base + (uint64_t)(nul - json),
				"expected vmdesc JSON text, found NUL byte");
	tok = json_tokener_new_ex(depth > INT_MAX ? INT_MAX : (int)depth);
	if (!tok)
		return VMC_OOM(ctx);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, (const char *)json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj) {
		if (jerr == json_tokener_error_depth)
			return VMC_FAIL(ctx, VMC_ELIMIT, base + end,
					"limit max_json_depth exceeded: vmdesc JSON nests deeper "
					"than %u",
					depth);
		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			return VMC_FAIL(ctx, VMC_EMALFORMED, base + len,
					"expected more vmdesc JSON, found end of data");
		return VMC_FAIL(ctx, VMC_EMALFORMED, base + end, "expected vmdesc JSON, found %s",
				json_tokener_error_desc(jerr));
	}
	while (end < len && is_json_space(json[end]))
		end++;
	if (end < len) {
		json_object_put(obj);
		return VMC_FAIL(ctx, VMC_EMALFORMED, base + end,
				"expected end of vmdesc JSON, found byte 0x%02x", json[end]);
	}
	*root = obj;
	return VMC_OK;
}

int vmc__vmdesc_parse(vmc__vmdesc **out, vmc_ctx *ctx, const uint8_t *json, size_t len,
		      uint64_t base_offset)
{
	json_object *root = NULL;
	vmc__vmdesc *d;
	pstate ps;
	int rc;

	VMC_TRY(tokenize(&root, ctx, json, len, base_offset));
	d = vmc__malloc(ctx, sizeof(*d));
	if (!d) {
		json_object_put(root);
		return VMC_ENOMEM;
	}
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	vmc__arena_init(&d->arena, ctx);
	memset(&ps, 0, sizeof(ps));
	ps.ctx = ctx;
	ps.arena = &d->arena;
	ps.base = base_offset;
	rc = parse_top(&ps, d, root);
	json_object_put(root);
	if (rc < 0) {
		vmc__vmdesc_free(d);
		return rc;
	}
	*out = d;
	return VMC_OK;
}

void vmc__vmdesc_free(vmc__vmdesc *d)
{
	if (!d)
		return;
	vmc__arena_free(&d->arena);
	vmc__free(d->ctx, d);
}

uint32_t vmc__vmdesc_page_size(const vmc__vmdesc *d)
{
	return d ? d->page_size : 0;
}

size_t vmc__vmdesc_device_count(const vmc__vmdesc *d)
{
	return d ? d->ndevices : 0;
}

const vmc__vmdesc_device *vmc__vmdesc_device_at(const vmc__vmdesc *d, size_t i)
{
	return d && i < d->ndevices ? &d->devices[i] : NULL;
}

const vmc__vmdesc_device *vmc__vmdesc_find(const vmc__vmdesc *d, const char *idstr,
					   uint32_t instance_id)
{
	size_t i;

	if (!d || !idstr)
		return NULL;
	for (i = 0; i < d->ndevices; i++)
		if (d->devices[i].instance_id == instance_id &&
		    strcmp(d->devices[i].name, idstr) == 0)
			return &d->devices[i];
	return NULL;
}

const vmc__vmdesc_vmsd *vmc__vmdesc_configuration(const vmc__vmdesc *d)
{
	return d ? d->configuration : NULL;
}
