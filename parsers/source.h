/*
 * source.h - private: a buffered pull reader over any vmc_read_fn, with the
 * byte offset of every read, exact-length reads that fail with "expected X,
 * found end of input", and big-endian helpers.
 *
 * Sources stack: file/fd/buffer -> (container, decompressor) -> the QEMU
 * stream.  A decompressor exposes itself as a vmc_read_fn that pulls from the
 * source below it (vmc__source_read_some), so every layer is one vmc__source.
 * Offsets in errors are those of the source the parser reads, i.e. of the
 * decompressed QEMU stream for the stream parsers.
 */
#ifndef VMC_PARSERS_SOURCE_H
#define VMC_PARSERS_SOURCE_H

#include "../lib/ctx.h"

#include <stdbool.h>

#define VMC_SOURCE_BUFSIZE (256u * 1024u)

typedef struct vmc__source {
	vmc_ctx *ctx;
	vmc_read_fn read;   /* where bytes come from                      */
	void *payload;      /* its argument                               */
	uint8_t *buf;       /* cap bytes, owned                            */
	size_t cap;
	size_t pos;         /* next unread byte in buf                    */
	size_t len;         /* valid bytes in buf                         */
	uint64_t base;      /* offset of buf[0] in this source            */
	bool eof;           /* read() returned 0                          */
} vmc__source;

int vmc__source_init(vmc__source *s, vmc_ctx *ctx, vmc_read_fn read, void *payload, size_t cap);
void vmc__source_fini(vmc__source *s);

/* Offset of the next unread byte. */
static inline uint64_t vmc__source_offset(const vmc__source *s)
{
	return s->base + s->pos;
}

/*
 * Make up to n bytes (n <= cap) readable at *p without consuming them.
 * *avail gets how many are (fewer only at end of input).
 */
int vmc__source_peek(vmc__source *s, size_t n, const uint8_t **p, size_t *avail);
/* 1 if no byte is left, 0 otherwise (may read to find out). */
int vmc__source_at_end(vmc__source *s);

/* Exactly n bytes, or VMC_EMALFORMED "expected <what> (n bytes), found end
 * of input after k".  what names the item for the message. */
int vmc__source_read(vmc__source *s, void *dst, size_t n, const char *what);
int vmc__source_skip(vmc__source *s, uint64_t n, const char *what);
int vmc__source_u8(vmc__source *s, uint8_t *out, const char *what);
int vmc__source_be16(vmc__source *s, uint16_t *out, const char *what);
int vmc__source_be32(vmc__source *s, uint32_t *out, const char *what);
int vmc__source_be64(vmc__source *s, uint64_t *out, const char *what);
/* QEMU counted string: u8 length, bytes.  out gets a NUL-terminated copy
 * (out must hold 256 bytes), *len its length (may be NULL). */
int vmc__source_counted_string(vmc__source *s, char out[256], uint8_t *len, const char *what);

/* As a vmc_read_fn: copy what is available (at most cap) from a source, so
 * a decompressor or container can pull from the layer below. */
int vmc__source_read_some(void *source, uint8_t *buf, size_t cap, size_t *got);

/* vmc_read_fn over a file descriptor (payload: an int * to the fd). */
int vmc__fd_read(void *fd_ptr, uint8_t *buf, size_t cap, size_t *got);

/* vmc_read_fn over memory. */
typedef struct vmc__mem_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
} vmc__mem_reader;
int vmc__mem_read(void *mem_reader, uint8_t *buf, size_t cap, size_t *got);

/* Big-endian loads from memory. */
static inline uint16_t vmc__load_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t vmc__load_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint64_t vmc__load_be64(const uint8_t *p)
{
	return ((uint64_t)vmc__load_be32(p) << 32) | vmc__load_be32(p + 4);
}
static inline uint32_t vmc__load_le32(const uint8_t *p)
{
	return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

#endif
