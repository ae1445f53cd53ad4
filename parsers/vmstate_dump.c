/*
 * vmstate_dump.c - read QEMU's -dump-vmstate JSON (see vmstate_dump.h).
 *
 * Stage: bytes in (a data file made by a QEMU binary, not a stream).
 * Layout (migration/savevm.c dump_vmstate_json_to_file, 7.2 and 10.0):
 *   { "vmschkmachine": {"Name": MACHINE},
 *     QOM_TYPE: {"Name": QOM_TYPE, "version_id": N, "minimum_version_id": N,
 *                "Description": VMSD}, ... }
 *   VMSD = {"name", "version_id", "minimum_version_id", "Fields": [FIELD],
 *           "Subsections": [VMSD]}
 *   FIELD = {"field", "version_id", "field_exists", "size", "Description"?: VMSD}
 * Only what check needs is kept: per top-level vmsd name its versions and
 * every subsection name reachable from it.  Unknown keys are ignored (QEMU
 * may add some); wrong types for the keys used are VMC_EMALFORMED.
 */
#include "vmstate_dump.h"

#include "../lib/file.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

typedef struct builder {
	vmc_vmstate *v;
	size_t vcap, scap;
} builder;

static int add_sub(builder *b, const char *vmsd, const char *sub)
{
	vmc_vmstate *v = b->v;

	if (v->nsubs == b->scap) {
		size_t n = b->scap ? b->scap * 2 : 256;
		void *p = vmc__reallocarray(v->ctx, v->subs, n, sizeof(*v->subs));
		if (!p)
			return VMC_ENOMEM;
		v->subs = p;
		b->scap = n;
	}
	v->subs[v->nsubs].vmsd = vmsd;
	v->subs[v->nsubs].sub = vmc__arena_strndup(&v->arena, sub, strlen(sub));
	if (!v->subs[v->nsubs].sub)
		return VMC_ENOMEM;
	v->nsubs++;
	return VMC_OK;
}

static const char *str_key(json_object *o, const char *k)
{
	json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* Every subsection name under a description (fields' nested descriptions
 * and subsections, recursively; depth bounded by the tokener). */
static int walk(builder *b, const char *top, json_object *desc)
{
	json_object *arr;
	size_t i;

	if (!json_object_is_type(desc, json_type_object))
		return VMC_OK;
	if (json_object_object_get_ex(desc, "Fields", &arr) &&
	    json_object_is_type(arr, json_type_array))
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *d;
			if (json_object_object_get_ex(json_object_array_get_idx(arr, i),
						      "Description", &d))
				VMC_TRY(walk(b, top, d));
		}
	if (json_object_object_get_ex(desc, "Subsections", &arr) &&
	    json_object_is_type(arr, json_type_array))
		for (i = 0; i < json_object_array_length(arr); i++) {
			json_object *s = json_object_array_get_idx(arr, i);
			const char *name = str_key(s, "name");
			if (name)
				VMC_TRY(add_sub(b, top, name));
			VMC_TRY(walk(b, top, s));
		}
	return VMC_OK;
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

static int build(builder *b, json_object *root)
{
	vmc_vmstate *v = b->v;

	json_object_object_foreach(root, key, val)
	{
		json_object *desc, *ver, *min;
		const char *name;

		if (strcmp(key, "vmschkmachine") == 0) {
			const char *m = str_key(val, "Name");
			if (m && !(v->machine = vmc__arena_strndup(&v->arena, m, strlen(m))))
				return VMC_ENOMEM;
			continue;
		}
		if (!json_object_object_get_ex(val, "Description", &desc) ||
		    !(name = str_key(desc, "name")))
			return VMC_FAIL(v->ctx, VMC_EMALFORMED, VMC_NO_OFFSET,
					"expected a vmstate dump entry with Description.name, found "
					"'%s' without one",
					key);
		if (!json_object_object_get_ex(desc, "version_id", &ver) ||
		    !json_object_object_get_ex(desc, "minimum_version_id", &min) ||
		    !json_object_is_type(ver, json_type_int) || !json_object_is_type(min, json_type_int))
			return VMC_FAIL(v->ctx, VMC_EMALFORMED, VMC_NO_OFFSET,
					"expected integer versions for vmsd '%s', found none", name);
		if (v->nvmsds == b->vcap) {
			size_t n = b->vcap ? b->vcap * 2 : 256;
			void *p = vmc__reallocarray(v->ctx, v->vmsds, n, sizeof(*v->vmsds));
			if (!p)
				return VMC_ENOMEM;
			v->vmsds = p;
			b->vcap = n;
		}
		v->vmsds[v->nvmsds].name = vmc__arena_strndup(&v->arena, name, strlen(name));
		if (!v->vmsds[v->nvmsds].name)
			return VMC_ENOMEM;
		v->vmsds[v->nvmsds].version = (uint32_t)json_object_get_int64(ver);
		v->vmsds[v->nvmsds].minimum_version = (uint32_t)json_object_get_int64(min);
		VMC_TRY(walk(b, v->vmsds[v->nvmsds].name, desc));
		v->nvmsds++;
	}
	qsort(v->vmsds, v->nvmsds, sizeof(*v->vmsds), cmp_vmsd);
	if (v->nsubs > 1)
		qsort(v->subs, v->nsubs, sizeof(*v->subs), cmp_sub);
	return VMC_OK;
}

int vmc_vmstate_read_buffer(vmc_vmstate **out, vmc_ctx *ctx, const void *data, size_t len)
{
	struct json_tokener *tok;
	json_object *root;
	vmc_vmstate *v;
	builder b;
	int rc;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || (!data && len), ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	VMC_FAIL_IF(len > ctx->limits.max_vmdesc_size * 4 || len > INT32_MAX, ctx, VMC_ELIMIT, 0,
		    "limit max_vmdesc_size exceeded: vmstate dump of %zu bytes", len);
	vmc_error_clear(ctx);
	tok = json_tokener_new_ex((int)ctx->limits.max_json_depth);
	if (!tok)
		return VMC_OOM(ctx);
	root = json_tokener_parse_ex(tok, data, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		rc = VMC_FAIL(ctx, VMC_EMALFORMED, json_tokener_get_parse_end(tok),
			      "expected the JSON of qemu -dump-vmstate, found %s",
			      json_tokener_error_desc(json_tokener_get_error(tok)));
		json_object_put(root);
		json_tokener_free(tok);
		return rc;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return VMC_FAIL(ctx, VMC_EMALFORMED, 0,
				"expected a JSON object (qemu -dump-vmstate), found another value");
	}
	v = vmc__calloc(ctx, 1, sizeof(*v));
	if (!v) {
		json_object_put(root);
		return VMC_ENOMEM;
	}
	v->ctx = ctx;
	vmc__arena_init(&v->arena, ctx);
	memset(&b, 0, sizeof(b));
	b.v = v;
	rc = build(&b, root);
	json_object_put(root);
	if (rc < 0) {
		vmc_vmstate_free(v);
		return rc;
	}
	*out = v;
	return VMC_OK;
}

int vmc_vmstate_read_path(vmc_vmstate **out, vmc_ctx *ctx, const char *path)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !path, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	VMC_TRY(vmc__read_file(ctx, path, ctx->limits.max_vmdesc_size * 4, "max_vmdesc_size",
			       &buf, &len));
	rc = vmc_vmstate_read_buffer(out, ctx, buf, len);
	vmc__free(ctx, buf);
	return rc;
}

void vmc_vmstate_free(vmc_vmstate *v)
{
	if (!v)
		return;
	vmc__free(v->ctx, v->vmsds);
	vmc__free(v->ctx, v->subs);
	vmc__arena_free(&v->arena);
	vmc__free(v->ctx, v);
}

const char *vmc_vmstate_machine(const vmc_vmstate *v)
{
	return v ? v->machine : NULL;
}

const struct vmc__vmsd_entry *vmc__vmstate_vmsd(const vmc_vmstate *v, const char *name)
{
	struct vmc__vmsd_entry key;

	if (!v || !v->nvmsds)
		return NULL;
	key.name = name;
	return bsearch(&key, v->vmsds, v->nvmsds, sizeof(key), cmp_vmsd);
}

int vmc__vmstate_knows(const vmc_vmstate *v, const char *vmsd, const char *sub)
{
	struct vmc__sub_entry key;

	if (!v || !v->nsubs)
		return 0;
	key.vmsd = vmsd;
	key.sub = sub;
	return bsearch(&key, v->subs, v->nsubs, sizeof(key), cmp_sub) != NULL;
}
