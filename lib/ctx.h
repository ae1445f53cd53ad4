/*
 * ctx.h - private: the context (allocator, limits, last error), the error
 * macros every module uses, overflow-checked size helpers, and a bump arena.
 *
 * Error convention (docs/api/README.md): detect, record once with
 * VMC_FAIL / VMC_FAIL_IF (which fill ctx->err with code, offset, path,
 * message), and propagate with VMC_TRY.  A deeper error is never
 * overwritten: vmc__fail records only when ctx->err.code is VMC_OK.
 */
#ifndef VMC_LIB_CTX_H
#define VMC_LIB_CTX_H

#include "vmcompat.h"

#include <stdarg.h>
#include <stdbool.h>

/*
 * Per-context caches of parsed, immutable data (the embedded schemas and
 * rules), so that each is parsed once per context rather than once per
 * stream or check.  The ctx owns them: vmc_ctx_free calls each slot's free
 * function.  Objects built from a context (streams, reports) may point into
 * these, which is why they must be freed before their context.
 */
#define VMC__CACHE_SCHEMAS 0
#define VMC__CACHE_VIRTIO_RULES 1
#define VMC__CACHE_CATALOG 2
#define VMC__CACHE_PROFILES 3
#define VMC__CACHE_PROVE_RULES 4
#define VMC__CACHE_SLOTS 8

struct vmc_ctx {
	vmc_allocator alloc;
	vmc_limits limits;
	vmc_error err;
	void *cache[VMC__CACHE_SLOTS];
	void (*cache_free[VMC__CACHE_SLOTS])(vmc_ctx *ctx, void *data);
};

void *vmc__malloc(vmc_ctx *ctx, size_t size);
void *vmc__calloc(vmc_ctx *ctx, size_t n, size_t size);
/* realloc of an array: n elements of size each, overflow checked. */
void *vmc__reallocarray(vmc_ctx *ctx, void *ptr, size_t n, size_t size);
void vmc__free(vmc_ctx *ctx, void *ptr);
char *vmc__strndup(vmc_ctx *ctx, const char *s, size_t n);

/* Overflow-checked arithmetic: return false on overflow. */
static inline bool vmc__add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}
static inline bool vmc__mul_size(size_t a, size_t b, size_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

/*
 * Record an error (if none is recorded yet) and return code.
 * offset < 0 (VMC_NO_OFFSET) means "no offset".
 */
#define VMC_NO_OFFSET ((int64_t)-1)
int vmc__fail(vmc_ctx *ctx, int code, int64_t offset, const char *path, const char *file,
	      int line, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int vmc__failv(vmc_ctx *ctx, int code, int64_t offset, const char *path, const char *file,
	       int line, const char *fmt, va_list ap);

#define VMC_FAIL(ctx, code, offset, ...)                                                          \
	vmc__fail((ctx), (code), (int64_t)(offset), NULL, __FILE__, __LINE__, __VA_ARGS__)
#define VMC_FAIL_AT(ctx, code, offset, path, ...)                                                 \
	vmc__fail((ctx), (code), (int64_t)(offset), (path), __FILE__, __LINE__, __VA_ARGS__)
#define VMC_FAIL_IF(cond, ctx, code, offset, ...)                                                 \
	do {                                                                                      \
		if (cond)                                                                         \
			return VMC_FAIL((ctx), (code), (offset), __VA_ARGS__);                    \
	} while (0)
#define VMC_TRY(expr)                                                                             \
	do {                                                                                      \
		int vmc__rc_ = (expr);                                                            \
		if (vmc__rc_ < 0)                                                                 \
			return vmc__rc_;                                                          \
	} while (0)
/* An allocation that failed: records VMC_ENOMEM without allocating. */
#define VMC_OOM(ctx) VMC_FAIL((ctx), VMC_ENOMEM, VMC_NO_OFFSET, "out of memory")

/* Set the error path if the recorded error has none yet (adds context on the
 * way up without replacing the deeper message). */
void vmc__error_set_path(vmc_ctx *ctx, const char *path);

/*
 * Arena: many small allocations freed together (a stream's field tree,
 * names).  Chunks come from the ctx allocator.
 */
typedef struct vmc__arena_chunk vmc__arena_chunk;
typedef struct vmc__arena {
	vmc_ctx *ctx;
	vmc__arena_chunk *head;
	size_t used;  /* bytes used in head */
	size_t avail; /* bytes available in head */
	uint64_t total; /* bytes allocated in all chunks */
} vmc__arena;

void vmc__arena_init(vmc__arena *a, vmc_ctx *ctx);
/* Zeroed, 16-byte aligned.  NULL (and VMC_ENOMEM recorded) on failure. */
void *vmc__arena_alloc(vmc__arena *a, size_t size);
char *vmc__arena_strndup(vmc__arena *a, const char *s, size_t n);
void vmc__arena_free(vmc__arena *a);

#endif
