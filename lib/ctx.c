/*
 * ctx.c - contexts, allocation, error recording and the arena.
 *
 * Stage: none (infrastructure under every stage).
 * Invariants: a vmc_ctx is used by one thread at a time; nothing here has
 * static mutable state.  Error text is formatted into the fixed buffers of
 * vmc_error so that recording VMC_ENOMEM never allocates.
 */
#include "ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *default_malloc(size_t size, void *payload)
{
	(void)payload;
	return malloc(size);
}
static void *default_realloc(void *ptr, size_t size, void *payload)
{
	(void)payload;
	return realloc(ptr, size);
}
static void default_free(void *ptr, void *payload)
{
	(void)payload;
	free(ptr);
}

static void fill_limit_defaults(vmc_limits *l)
{
	l->version = VMC_LIMITS_VERSION;
	if (!l->max_section_size)
		l->max_section_size = VMC_DEFAULT_MAX_SECTION_SIZE;
	if (!l->max_device_state)
		l->max_device_state = VMC_DEFAULT_MAX_DEVICE_STATE;
	if (!l->max_vmdesc_size)
		l->max_vmdesc_size = VMC_DEFAULT_MAX_VMDESC_SIZE;
	if (!l->max_libvirt_xml)
		l->max_libvirt_xml = VMC_DEFAULT_MAX_LIBVIRT_XML;
	if (!l->max_json_depth)
		l->max_json_depth = VMC_DEFAULT_MAX_JSON_DEPTH;
	if (!l->max_sections)
		l->max_sections = VMC_DEFAULT_MAX_SECTIONS;
	if (!l->max_ramblocks)
		l->max_ramblocks = VMC_DEFAULT_MAX_RAMBLOCKS;
	if (!l->max_fields)
		l->max_fields = VMC_DEFAULT_MAX_FIELDS;
	if (!l->max_queues)
		l->max_queues = VMC_DEFAULT_MAX_QUEUES;
}

int vmc_ctx_new(vmc_ctx **out, const vmc_ctx_options *opts)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;

	if (!out)
		return VMC_EINVAL;
	if (opts) {
		if (opts->version != VMC_CTX_OPTIONS_VERSION ||
		    (opts->limits.version != 0 && opts->limits.version != VMC_LIMITS_VERSION))
			return VMC_EINVAL;
		o = *opts;
	}
	if (!o.allocator.malloc_fn && !o.allocator.realloc_fn && !o.allocator.free_fn) {
		o.allocator.malloc_fn = default_malloc;
		o.allocator.realloc_fn = default_realloc;
		o.allocator.free_fn = default_free;
	} else if (!o.allocator.malloc_fn || !o.allocator.realloc_fn || !o.allocator.free_fn) {
		return VMC_EINVAL;
	}
	ctx = o.allocator.malloc_fn(sizeof(*ctx), o.allocator.payload);
	if (!ctx)
		return VMC_ENOMEM;
	memset(ctx, 0, sizeof(*ctx));
	ctx->alloc = o.allocator;
	ctx->limits = o.limits;
	fill_limit_defaults(&ctx->limits);
	*out = ctx;
	return VMC_OK;
}

void vmc_ctx_free(vmc_ctx *ctx)
{
	size_t i;

	if (!ctx)
		return;
	for (i = 0; i < VMC__CACHE_SLOTS; i++)
		if (ctx->cache[i] && ctx->cache_free[i])
			ctx->cache_free[i](ctx, ctx->cache[i]);
	ctx->alloc.free_fn(ctx, ctx->alloc.payload);
}

const vmc_limits *vmc_ctx_limits(const vmc_ctx *ctx)
{
	return ctx ? &ctx->limits : NULL;
}

const vmc_error *vmc_error_last(const vmc_ctx *ctx)
{
	return ctx ? &ctx->err : NULL;
}

void vmc_error_clear(vmc_ctx *ctx)
{
	if (ctx)
		memset(&ctx->err, 0, sizeof(ctx->err));
}

const char *vmc_strerror(int code)
{
	switch (code) {
	case VMC_OK:
		return "success";
	case VMC_ERROR:
		return "internal error";
	case VMC_ENOMEM:
		return "out of memory";
	case VMC_EIO:
		return "input/output error";
	case VMC_EOPEN:
		return "cannot open input";
	case VMC_EMALFORMED:
		return "malformed input";
	case VMC_EUNSUPPORTED:
		return "unsupported format";
	case VMC_ELIMIT:
		return "resource limit exceeded";
	case VMC_EINVAL:
		return "invalid argument";
	case VMC_ESCHEMA:
		return "invalid schema or rule data";
	default:
		return "unknown status code";
	}
}

void *vmc__malloc(vmc_ctx *ctx, size_t size)
{
	void *p = ctx->alloc.malloc_fn(size ? size : 1, ctx->alloc.payload);
	if (!p)
		VMC_OOM(ctx);
	return p;
}

void *vmc__calloc(vmc_ctx *ctx, size_t n, size_t size)
{
	size_t total;
	void *p;

	if (!vmc__mul_size(n, size, &total)) {
		VMC_OOM(ctx);
		return NULL;
	}
	p = vmc__malloc(ctx, total);
	if (p)
		memset(p, 0, total ? total : 1);
	return p;
}

void *vmc__reallocarray(vmc_ctx *ctx, void *ptr, size_t n, size_t size)
{
	size_t total;
	void *p;

	if (!vmc__mul_size(n, size, &total)) {
		VMC_OOM(ctx);
		return NULL;
	}
	p = ctx->alloc.realloc_fn(ptr, total ? total : 1, ctx->alloc.payload);
	if (!p)
		VMC_OOM(ctx);
	return p;
}

void vmc__free(vmc_ctx *ctx, void *ptr)
{
	if (ptr)
		ctx->alloc.free_fn(ptr, ctx->alloc.payload);
}

char *vmc__strndup(vmc_ctx *ctx, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX) {
		VMC_OOM(ctx);
		return NULL;
	}
	p = vmc__malloc(ctx, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int vmc__failv(vmc_ctx *ctx, int code, int64_t offset, const char *path, const char *file,
	       int line, const char *fmt, va_list ap)
{
	vmc_error *e = &ctx->err;

	if (e->code != VMC_OK)
		return code; /* keep the deeper (first) error */
	e->code = code;
	e->has_offset = offset >= 0;
	e->offset = offset >= 0 ? (uint64_t)offset : 0;
	snprintf(e->path, sizeof(e->path), "%s", path ? path : "");
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
#ifdef VMC_DEBUG_ERRORS
	{
		size_t len = strlen(e->message);
		snprintf(e->message + len, sizeof(e->message) - len, " [%s:%d]", file, line);
	}
#else
	(void)file;
	(void)line;
#endif
	return code;
}

int vmc__fail(vmc_ctx *ctx, int code, int64_t offset, const char *path, const char *file,
	      int line, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vmc__failv(ctx, code, offset, path, file, line, fmt, ap);
	va_end(ap);
	return rc;
}

void vmc__error_set_path(vmc_ctx *ctx, const char *path)
{
	if (ctx->err.code != VMC_OK && ctx->err.path[0] == '\0' && path)
		snprintf(ctx->err.path, sizeof(ctx->err.path), "%s", path);
}

/* ---- arena ---------------------------------------------------------- */

struct vmc__arena_chunk {
	vmc__arena_chunk *next;
	size_t size;
	/* data follows, 16-byte aligned */
	_Alignas(16) unsigned char data[];
};

#define ARENA_CHUNK_MIN 16384u

void vmc__arena_init(vmc__arena *a, vmc_ctx *ctx)
{
	memset(a, 0, sizeof(*a));
	a->ctx = ctx;
}

void *vmc__arena_alloc(vmc__arena *a, size_t size)
{
	size_t need = (size + 15u) & ~(size_t)15u;
	void *p;

	if (need < size) {
		VMC_OOM(a->ctx);
		return NULL;
	}
	if (!a->head || a->avail - a->used < need) {
		size_t csize = need > ARENA_CHUNK_MIN ? need : ARENA_CHUNK_MIN;
		vmc__arena_chunk *c;

		if (csize > SIZE_MAX - sizeof(*c)) {
			VMC_OOM(a->ctx);
			return NULL;
		}
		c = vmc__malloc(a->ctx, sizeof(*c) + csize);
		if (!c)
			return NULL;
		c->next = a->head;
		c->size = csize;
		a->head = c;
		a->used = 0;
		a->avail = csize;
		a->total += csize;
	}
	p = a->head->data + a->used;
	a->used += need;
	memset(p, 0, size);
	return p;
}

char *vmc__arena_strndup(vmc__arena *a, const char *s, size_t n)
{
	char *p;

	if (n == SIZE_MAX) {
		VMC_OOM(a->ctx);
		return NULL;
	}
	p = vmc__arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void vmc__arena_free(vmc__arena *a)
{
	vmc__arena_chunk *c = a->head;

	while (c) {
		vmc__arena_chunk *next = c->next;
		vmc__free(a->ctx, c);
		c = next;
	}
	a->head = NULL;
	a->used = a->avail = 0;
	a->total = 0;
}
