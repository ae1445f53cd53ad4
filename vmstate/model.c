/*
 * model.c - the decoded field tree: allocation and public getters.
 *
 * Stage: vmstate model.  The tree is built by the decoders
 * (vmstate/vmdesc_decode.c, and the schema decoder) and read through the
 * public vmc_field_* getters; it is owned by the stream's arena.
 */
#include "model.h"

#include <string.h>

vmc_field *vmc__fields_alloc(vmc__arena *arena, size_t n, uint32_t *budget)
{
	size_t bytes;

	if (n > *budget) {
		VMC_FAIL(arena->ctx, VMC_ELIMIT, VMC_NO_OFFSET,
			 "limit max_fields exceeded: more than %u decoded fields",
			 arena->ctx->limits.max_fields);
		return NULL;
	}
	*budget -= (uint32_t)n;
	if (!vmc__mul_size(n, sizeof(vmc_field), &bytes)) {
		VMC_OOM(arena->ctx);
		return NULL;
	}
	return vmc__arena_alloc(arena, bytes ? bytes : 1);
}

const char *vmc_field_name(const vmc_field *f)
{
	return f ? f->name : NULL;
}

const char *vmc_field_type(const vmc_field *f)
{
	return f ? f->type : NULL;
}

uint32_t vmc_field_kind(const vmc_field *f)
{
	return f ? f->kind : VMC_FIELD_UNDECODED;
}

uint64_t vmc_field_offset(const vmc_field *f)
{
	return f ? f->offset : 0;
}

uint64_t vmc_field_size(const vmc_field *f)
{
	return f ? f->size : 0;
}

uint64_t vmc_field_uint(const vmc_field *f)
{
	return f ? f->u : 0;
}

int64_t vmc_field_int(const vmc_field *f)
{
	return f ? f->i : 0;
}

const uint8_t *vmc_field_bytes(const vmc_field *f, size_t *len)
{
	if (!f || !f->bytes) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = (size_t)f->size;
	return f->bytes;
}

uint32_t vmc_field_version(const vmc_field *f)
{
	return f ? f->version : 0;
}

size_t vmc_field_child_count(const vmc_field *f)
{
	return f ? f->nchildren : 0;
}

const vmc_field *vmc_field_child(const vmc_field *f, size_t i)
{
	return f && i < f->nchildren ? &f->children[i] : NULL;
}

const vmc_field *vmc_field_find(const vmc_field *f, const char *name)
{
	size_t i;

	if (!f || !name)
		return NULL;
	for (i = 0; i < f->nchildren; i++)
		if (f->children[i].name && strcmp(f->children[i].name, name) == 0)
			return &f->children[i];
	return NULL;
}

const char *vmc_field_string(const vmc_field *f)
{
	return f && f->kind == VMC_FIELD_STRING ? f->str : NULL;
}
