/*
 * source.c - buffered pull reader (see source.h).
 *
 * Stage: bytes in.  Input: a vmc_read_fn.  Output: exact reads with offsets.
 * Invariants: pos <= len <= cap; base + pos is the offset of the next byte;
 * nothing is ever read past what a caller asks for except into buf (cap is
 * fixed at init, so memory is bounded whatever the input says).
 * Skips of any length cost no memory: they consume buffer-sized chunks.
 */
#include "source.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int vmc__source_init(vmc__source *s, vmc_ctx *ctx, vmc_read_fn read, void *payload, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->read = read;
	s->payload = payload;
	s->cap = cap ? cap : VMC_SOURCE_BUFSIZE;
	s->buf = vmc__malloc(ctx, s->cap);
	return s->buf ? VMC_OK : VMC_ENOMEM;
}

void vmc__source_fini(vmc__source *s)
{
	if (s->buf)
		vmc__free(s->ctx, s->buf);
	s->buf = NULL;
}

/* Move unread bytes to the front and read until n are buffered or EOF. */
static int fill(vmc__source *s, size_t n)
{
	if (n > s->cap)
		n = s->cap;
	if (s->len - s->pos >= n)
		return VMC_OK;
	if (s->pos > 0) {
		memmove(s->buf, s->buf + s->pos, s->len - s->pos);
		s->base += s->pos;
		s->len -= s->pos;
		s->pos = 0;
	}
	while (s->len < n && !s->eof) {
		size_t got = 0;
		int rc = s->read(s->payload, s->buf + s->len, s->cap - s->len, &got);

		if (rc < 0)
			return VMC_FAIL(s->ctx, rc, s->base + s->len, "read failed (%s)",
					vmc_strerror(rc));
		if (got == 0)
			s->eof = true;
		s->len += got;
	}
	return VMC_OK;
}

int vmc__source_peek(vmc__source *s, size_t n, const uint8_t **p, size_t *avail)
{
	VMC_TRY(fill(s, n));
	*p = s->buf + s->pos;
	*avail = s->len - s->pos;
	if (*avail > n)
		*avail = n;
	return VMC_OK;
}

int vmc__source_at_end(vmc__source *s)
{
	if (fill(s, 1) < 0)
		return VMC_EIO;
	return s->len == s->pos;
}

static int truncated(vmc__source *s, const char *what, uint64_t want, uint64_t got)
{
	return VMC_FAIL(s->ctx, VMC_EMALFORMED, vmc__source_offset(s),
			"expected %s (%llu bytes), found end of input after %llu", what,
			(unsigned long long)want, (unsigned long long)got);
}

int vmc__source_read(vmc__source *s, void *dst, size_t n, const char *what)
{
	uint8_t *out = dst;
	size_t done = 0;
	uint64_t start = vmc__source_offset(s);

	while (done < n) {
		size_t chunk;

		if (s->pos == s->len) {
			VMC_TRY(fill(s, 1));
			if (s->pos == s->len) {
				return VMC_FAIL(s->ctx, VMC_EMALFORMED, start,
						"expected %s (%zu bytes), found end of input after %zu",
						what, n, done);
			}
		}
		chunk = s->len - s->pos;
		if (chunk > n - done)
			chunk = n - done;
		memcpy(out + done, s->buf + s->pos, chunk);
		s->pos += chunk;
		done += chunk;
	}
	return VMC_OK;
}

int vmc__source_skip(vmc__source *s, uint64_t n, const char *what)
{
	uint64_t done = 0;
	uint64_t start = vmc__source_offset(s);

	while (done < n) {
		size_t chunk;

		if (s->pos == s->len) {
			/* discard the buffer and refill from scratch */
			s->base += s->len;
			s->pos = s->len = 0;
			VMC_TRY(fill(s, 1));
			if (s->len == 0)
				return VMC_FAIL(s->ctx, VMC_EMALFORMED, start,
						"expected %s (%llu bytes), found end of input after %llu",
						what, (unsigned long long)n,
						(unsigned long long)done);
		}
		chunk = s->len - s->pos;
		if (chunk > n - done)
			chunk = (size_t)(n - done);
		s->pos += chunk;
		done += chunk;
	}
	return VMC_OK;
}

/* Fixed-width reads go through peek so the common case is one memcpy-free
 * load from the buffer. */
static int fixed(vmc__source *s, size_t n, const uint8_t **p, const char *what)
{
	size_t avail;

	if (s->len - s->pos >= n) {
		*p = s->buf + s->pos;
		s->pos += n;
		return VMC_OK;
	}
	VMC_TRY(vmc__source_peek(s, n, p, &avail));
	if (avail < n)
		return truncated(s, what, n, avail);
	s->pos += n;
	return VMC_OK;
}

int vmc__source_u8(vmc__source *s, uint8_t *out, const char *what)
{
	const uint8_t *p;
	VMC_TRY(fixed(s, 1, &p, what));
	*out = p[0];
	return VMC_OK;
}

int vmc__source_be16(vmc__source *s, uint16_t *out, const char *what)
{
	const uint8_t *p;
	VMC_TRY(fixed(s, 2, &p, what));
	*out = vmc__load_be16(p);
	return VMC_OK;
}

int vmc__source_be32(vmc__source *s, uint32_t *out, const char *what)
{
	const uint8_t *p;
	VMC_TRY(fixed(s, 4, &p, what));
	*out = vmc__load_be32(p);
	return VMC_OK;
}

int vmc__source_be64(vmc__source *s, uint64_t *out, const char *what)
{
	const uint8_t *p;
	VMC_TRY(fixed(s, 8, &p, what));
	*out = vmc__load_be64(p);
	return VMC_OK;
}

int vmc__source_counted_string(vmc__source *s, char out[256], uint8_t *len, const char *what)
{
	uint8_t n;

	VMC_TRY(vmc__source_u8(s, &n, what));
	VMC_TRY(vmc__source_read(s, out, n, what));
	out[n] = '\0';
	if (len)
		*len = n;
	return VMC_OK;
}

int vmc__source_read_some(void *source, uint8_t *buf, size_t cap, size_t *got)
{
	vmc__source *s = source;
	size_t n;

	if (s->pos == s->len) {
		s->base += s->len;
		s->pos = s->len = 0;
		VMC_TRY(fill(s, 1));
	}
	n = s->len - s->pos;
	if (n > cap)
		n = cap;
	memcpy(buf, s->buf + s->pos, n);
	s->pos += n;
	*got = n;
	return VMC_OK;
}

int vmc__fd_read(void *fd_ptr, uint8_t *buf, size_t cap, size_t *got)
{
	int fd = *(int *)fd_ptr;

	for (;;) {
		ssize_t r = read(fd, buf, cap);
		if (r >= 0) {
			*got = (size_t)r;
			return VMC_OK;
		}
		if (errno != EINTR)
			return VMC_EIO;
	}
}

int vmc__mem_read(void *mem_reader, uint8_t *buf, size_t cap, size_t *got)
{
	vmc__mem_reader *m = mem_reader;
	size_t n = m->len - m->pos;

	if (n > cap)
		n = cap;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	*got = n;
	return VMC_OK;
}
