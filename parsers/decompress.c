/*
 * decompress.c - streaming decompressors (gzip, bzip2, xz, zstd) as
 * vmc_read_fn filters between two vmc__sources.
 *
 * Stage: containers (docs/containers.md; docs/stream-format.md §9.8).
 * Input: a lower vmc__source positioned at the first compressed byte (the
 * input file, or the payload of a libvirt save image).  Output: the
 * decompressed bytes, pulled by an upper vmc__source through
 * vmc__decomp_read.  Callers: parsers/container.c only.
 *
 * Layering and memory:
 *
 *     lower vmc__source --read_some--> in[IN_CAP] --codec--> caller's buf
 *
 * The only buffers are `in` (IN_CAP bytes) and the codec's own state, which
 * is bounded: zlib 32 KiB window, bzip2 <= 3.7 MB for a 900k block, xz by
 * VMC_XZ_MEMLIMIT, zstd by a 2^VMC_ZSTD_WINDOWLOG_MAX window.  All codec
 * allocations go through the ctx allocator (zlib zalloc, bzip2 bzalloc,
 * lzma_allocator, ZSTD_customMem), so a failing allocator is seen as
 * VMC_ENOMEM wherever the codec happens to allocate - at init, or lazily in
 * the middle of the data (zlib allocates its window on first output).
 *
 * Offsets: the offset of an error is the offset, in the lower source, of the
 * first compressed byte the codec had not consumed when it failed:
 *     vmc__source_offset(lower) - bytes still in `in`.
 * Codecs detect corruption where their checks fire (zlib at the bad code or
 * the trailer CRC, bzip2 at a block CRC, xz at a block check, zstd at a
 * block or the frame checksum), so this is "where the codec noticed", never
 * before the damaged byte.  zstd does not report its position on error, so
 * it is fed ZSTD_STEP bytes at a time and the end of the step is reported.
 *
 * Concatenation: a gzip member / bzip2 stream that ends with input left is
 * followed by another one, as `gzip -dc` and `bzip2 -dc` do (multi-member
 * files are what `cat a.gz b.gz` and pigz produce).  Trailing bytes that do
 * not start a new member are reported as corrupt data, unlike gzip's
 * "trailing garbage ignored" warning: a migration stream never has any.
 * xz uses LZMA_CONCATENATED; zstd's streaming decoder moves from one frame
 * to the next (and over skippable frames) by itself.
 *
 * Invariants: once a call fails, every later call returns the same code
 * (d->status) without touching the codec again.  No global state.
 *
 * Non-goals: seeking, random access, multi-threaded decoding, lzop (libvirt
 * format 4: no library in the dependency set) - lzop is detected and refused
 * in container.c.
 */
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createDCtx_advanced: ctx allocator */
#include "decompress.h"

#include <bzlib.h>
#include <lzma.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* Compressed bytes held between the lower source and the codec. */
#define IN_CAP (64u * 1024u)
/* zstd is handed at most this much input per call: ZSTD_decompressStream
 * does not say how far it read when it fails, so the error offset is the
 * end of the step, and a small step keeps it close to the damage. */
#define ZSTD_STEP 4096u

enum codec { CODEC_GZIP, CODEC_BZIP2, CODEC_XZ, CODEC_ZSTD };

struct vmc__decomp {
	vmc_ctx *ctx;
	vmc__source *lower; /* borrowed; compressed input               */
	enum codec codec;
	const char *kind;   /* static: "gzip", "bzip2", "xz", "zstd"     */
	uint8_t *in;        /* IN_CAP bytes of compressed input          */
	const uint8_t *next_in; /* first unconsumed byte in `in`         */
	size_t avail_in;    /* unconsumed bytes from next_in             */
	bool in_eof;        /* the lower source is exhausted             */
	bool done;          /* the last member/stream ended at in_eof    */
	bool live;          /* codec state initialised (needs freeing)   */
	int status;         /* sticky error code, or VMC_OK              */
	bool alloc_failed;  /* a codec allocation failed (ENOMEM wins)   */
	char path[24];      /* "container/<kind>" for error reports      */
	union {
		z_stream z;
		bz_stream bz;
		lzma_stream xz;
		ZSTD_DCtx *zstd;
	} u;
	size_t zstd_hint;   /* last ZSTD_decompressStream result: 0 at a
	                       frame boundary                          */
	lzma_allocator lzma_alloc; /* lives as long as u.xz uses it     */
};

/* ---- allocator bridges ------------------------------------------------ */

/* opaque is the vmc__decomp: a failure is remembered so that a codec
 * which reports it as something else (a data error) is still ENOMEM. */
static void *bridge_calloc(void *opaque, size_t n, size_t size)
{
	vmc__decomp *d = opaque;
	size_t total;
	void *p = NULL;

	if (vmc__mul_size(n, size, &total))
		p = vmc__malloc(d->ctx, total);
	else
		VMC_OOM(d->ctx);
	if (!p)
		d->alloc_failed = true;
	return p;
}

static void bridge_free(void *opaque, void *ptr)
{
	vmc__decomp *d = opaque;

	vmc__free(d->ctx, ptr);
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
	return bridge_calloc(opaque, items, size);
}

static void z_free(voidpf opaque, voidpf ptr)
{
	bridge_free(opaque, ptr);
}

static void *bz_alloc(void *opaque, int n, int m)
{
	if (n < 0 || m < 0)
		return NULL;
	return bridge_calloc(opaque, (size_t)n, (size_t)m);
}

static void *zstd_alloc(void *opaque, size_t size)
{
	return bridge_calloc(opaque, 1, size);
}

/* ---- errors ----------------------------------------------------------- */

/* Offset of the first compressed byte the codec has not consumed. */
static uint64_t in_offset(const vmc__decomp *d)
{
	return vmc__source_offset(d->lower) - d->avail_in;
}

static int oom(vmc__decomp *d)
{
	/* The bridge already recorded VMC_ENOMEM when our allocator failed;
	 * this covers a codec that reports a memory error on its own. */
	VMC_OOM(d->ctx);
	d->status = VMC_ENOMEM;
	return d->status;
}

static int corrupt(vmc__decomp *d, const char *what)
{
	if (d->alloc_failed)
		return oom(d);
	d->status = VMC_FAIL_AT(d->ctx, VMC_EMALFORMED, in_offset(d), d->path,
				"expected valid %s data, found %s", d->kind, what);
	return d->status;
}

static int truncated(vmc__decomp *d)
{
	if (d->alloc_failed)
		return oom(d);
	d->status = VMC_FAIL_AT(d->ctx, VMC_EMALFORMED, in_offset(d), d->path,
				"expected more %s data, found end of input", d->kind);
	return d->status;
}

/* ---- input ------------------------------------------------------------ */

/* Refill `in` when it is empty.  Sets in_eof when the lower source ends. */
static int refill(vmc__decomp *d)
{
	size_t got = 0;
	int rc;

	if (d->avail_in > 0 || d->in_eof)
		return VMC_OK;
	rc = vmc__source_read_some(d->lower, d->in, IN_CAP, &got);
	if (rc < 0) {
		d->status = rc;
		return rc;
	}
	d->next_in = d->in;
	d->avail_in = got;
	if (got == 0)
		d->in_eof = true;
	return VMC_OK;
}

/* After a member/stream ended: is there another one?  1 yes, 0 no. */
static int more_input(vmc__decomp *d)
{
	VMC_TRY(refill(d));
	return d->avail_in > 0;
}

/* ---- codec init / end ------------------------------------------------- */

static int codec_init(vmc__decomp *d)
{
	switch (d->codec) {
	case CODEC_GZIP: {
		int zrc;

		memset(&d->u.z, 0, sizeof(d->u.z));
		d->u.z.zalloc = z_alloc;
		d->u.z.zfree = z_free;
		d->u.z.opaque = d;
		/* 16 + MAX_WBITS: gzip wrapper only (the magic was checked by
		 * content detection; a zlib or raw deflate stream is an error). */
		zrc = inflateInit2(&d->u.z, 16 + MAX_WBITS);
		if (zrc == Z_MEM_ERROR)
			return oom(d);
		if (zrc != Z_OK)
			return d->status = VMC_FAIL(d->ctx, VMC_ERROR, VMC_NO_OFFSET,
						    "inflateInit2 failed (%d)", zrc);
		break;
	}
	case CODEC_BZIP2: {
		int brc;

		memset(&d->u.bz, 0, sizeof(d->u.bz));
		d->u.bz.bzalloc = bz_alloc;
		d->u.bz.bzfree = bridge_free;
		d->u.bz.opaque = d;
		brc = BZ2_bzDecompressInit(&d->u.bz, 0, 0);
		if (brc == BZ_MEM_ERROR)
			return oom(d);
		if (brc != BZ_OK)
			return d->status = VMC_FAIL(d->ctx, VMC_ERROR, VMC_NO_OFFSET,
						    "BZ2_bzDecompressInit failed (%d)", brc);
		break;
	}
	case CODEC_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;
		lzma_ret lrc;

		d->u.xz = init;
		d->lzma_alloc.alloc = bridge_calloc;
		d->lzma_alloc.free = bridge_free;
		d->lzma_alloc.opaque = d;
		d->u.xz.allocator = &d->lzma_alloc;
		lrc = lzma_stream_decoder(&d->u.xz, VMC_XZ_MEMLIMIT, LZMA_CONCATENATED);
		if (lrc == LZMA_MEM_ERROR)
			return oom(d);
		if (lrc != LZMA_OK)
			return d->status = VMC_FAIL(d->ctx, VMC_ERROR, VMC_NO_OFFSET,
						    "lzma_stream_decoder failed (%d)", (int)lrc);
		break;
	}
	case CODEC_ZSTD: {
		ZSTD_customMem mem = {zstd_alloc, bridge_free, d};
		size_t zrc;

		d->u.zstd = ZSTD_createDCtx_advanced(mem);
		if (!d->u.zstd)
			return oom(d);
		zrc = ZSTD_DCtx_setParameter(d->u.zstd, ZSTD_d_windowLogMax,
					     VMC_ZSTD_WINDOWLOG_MAX);
		if (ZSTD_isError(zrc)) {
			ZSTD_freeDCtx(d->u.zstd);
			return d->status = VMC_FAIL(d->ctx, VMC_ERROR, VMC_NO_OFFSET,
						    "ZSTD_DCtx_setParameter failed: %s",
						    ZSTD_getErrorName(zrc));
		}
		d->zstd_hint = 1; /* a frame is expected: empty input is truncated */
		break;
	}
	}
	d->live = true;
	return VMC_OK;
}

static void codec_end(vmc__decomp *d)
{
	if (!d->live)
		return;
	switch (d->codec) {
	case CODEC_GZIP:
		inflateEnd(&d->u.z);
		break;
	case CODEC_BZIP2:
		BZ2_bzDecompressEnd(&d->u.bz);
		break;
	case CODEC_XZ:
		lzma_end(&d->u.xz);
		break;
	case CODEC_ZSTD:
		ZSTD_freeDCtx(d->u.zstd);
		break;
	}
	d->live = false;
}

/* ---- one decoding step per codec -------------------------------------- */

/*
 * Each step decodes from (next_in, avail_in) into out[0..cap), adds the
 * bytes produced to *made and updates next_in/avail_in.  It returns VMC_OK,
 * or an error (recorded).  *ended is set when a member/stream/frame-set
 * ended and the codec must be restarted if more input follows.
 */

static int step_gzip(vmc__decomp *d, uint8_t *out, size_t cap, size_t *made, bool *ended)
{
	z_stream *z = &d->u.z;
	int zrc;

	z->next_in = (Bytef *)d->next_in;
	z->avail_in = (uInt)d->avail_in;
	z->next_out = out;
	z->avail_out = (uInt)(cap > UINT32_MAX ? UINT32_MAX : cap);
	zrc = inflate(z, Z_NO_FLUSH);
	*made = (size_t)(z->next_out - out);
	d->next_in = z->next_in;
	d->avail_in = z->avail_in;
	switch (zrc) {
	case Z_OK:
		return VMC_OK;
	case Z_BUF_ERROR: /* no progress possible: needs input */
		return VMC_OK;
	case Z_STREAM_END:
		*ended = true;
		return VMC_OK;
	case Z_MEM_ERROR:
		return oom(d);
	case Z_NEED_DICT:
		return corrupt(d, "a preset dictionary request");
	default: /* Z_DATA_ERROR, Z_STREAM_ERROR */
		return corrupt(d, z->msg ? z->msg : "a deflate error");
	}
}

static int step_bzip2(vmc__decomp *d, uint8_t *out, size_t cap, size_t *made, bool *ended)
{
	bz_stream *bz = &d->u.bz;
	int brc;

	bz->next_in = (char *)d->next_in;
	bz->avail_in = (unsigned)d->avail_in;
	bz->next_out = (char *)out;
	bz->avail_out = (unsigned)(cap > UINT32_MAX ? UINT32_MAX : cap);
	brc = BZ2_bzDecompress(bz);
	*made = (size_t)((uint8_t *)bz->next_out - out);
	d->next_in = (const uint8_t *)bz->next_in;
	d->avail_in = bz->avail_in;
	switch (brc) {
	case BZ_OK:
		return VMC_OK;
	case BZ_STREAM_END:
		*ended = true;
		return VMC_OK;
	case BZ_MEM_ERROR:
		return oom(d);
	case BZ_DATA_ERROR_MAGIC:
		return corrupt(d, "a bad stream signature");
	case BZ_DATA_ERROR:
		return corrupt(d, "a data integrity error");
	default:
		return corrupt(d, "a bzip2 error");
	}
}

static const char *lzma_what(lzma_ret r)
{
	switch (r) {
	case LZMA_FORMAT_ERROR:
		return "an unrecognised file format";
	case LZMA_OPTIONS_ERROR:
		return "unsupported compression options";
	case LZMA_DATA_ERROR:
		return "corrupt compressed data";
	case LZMA_BUF_ERROR:
		return "no progress";
	default:
		return "an lzma error";
	}
}

static int step_xz(vmc__decomp *d, uint8_t *out, size_t cap, size_t *made, bool *ended)
{
	lzma_stream *x = &d->u.xz;
	lzma_ret lrc;

	x->next_in = d->next_in;
	x->avail_in = d->avail_in;
	x->next_out = out;
	x->avail_out = cap;
	/* LZMA_FINISH once the input is exhausted: with LZMA_CONCATENATED the
	 * decoder only reports STREAM_END when told no more streams follow. */
	lrc = lzma_code(x, d->in_eof ? LZMA_FINISH : LZMA_RUN);
	*made = (size_t)(x->next_out - out);
	d->next_in = x->next_in;
	d->avail_in = x->avail_in;
	switch (lrc) {
	case LZMA_OK:
		return VMC_OK;
	case LZMA_STREAM_END:
		*ended = true;
		return VMC_OK;
	case LZMA_BUF_ERROR:
		/* No progress: with LZMA_FINISH this means the input ended
		 * inside a stream. */
		return d->in_eof ? truncated(d) : VMC_OK;
	case LZMA_MEM_ERROR:
		return oom(d);
	case LZMA_MEMLIMIT_ERROR:
		d->status = VMC_FAIL_AT(d->ctx, VMC_ELIMIT, in_offset(d), d->path,
					"limit VMC_XZ_MEMLIMIT exceeded: xz data needs %llu "
					"bytes of decoder memory, more than %llu",
					(unsigned long long)lzma_memusage(x),
					(unsigned long long)VMC_XZ_MEMLIMIT);
		return d->status;
	default:
		return corrupt(d, lzma_what(lrc));
	}
}

static int step_zstd(vmc__decomp *d, uint8_t *out, size_t cap, size_t *made, bool *ended)
{
	size_t give = d->avail_in < ZSTD_STEP ? d->avail_in : ZSTD_STEP;
	ZSTD_inBuffer in = {d->next_in, give, 0};
	ZSTD_outBuffer o = {out, cap, 0};
	size_t zrc;

	(void)ended; /* frames follow each other inside one context */
	zrc = ZSTD_decompressStream(d->u.zstd, &o, &in);
	*made = o.pos;
	if (ZSTD_isError(zrc)) {
		/* in.pos is not updated on error: count the whole step as
		 * read, so the offset is at or after the damage. */
		in.pos = give;
	}
	d->next_in += in.pos;
	d->avail_in -= in.pos;
	if (ZSTD_isError(zrc)) {
		switch (ZSTD_getErrorCode(zrc)) {
		case ZSTD_error_memory_allocation:
			return oom(d);
		case ZSTD_error_frameParameter_windowTooLarge:
			d->status = VMC_FAIL_AT(d->ctx, VMC_ELIMIT, in_offset(d), d->path,
						"limit VMC_ZSTD_WINDOWLOG_MAX exceeded: zstd "
						"frame window larger than 2^%d bytes",
						VMC_ZSTD_WINDOWLOG_MAX);
			return d->status;
		default:
			return corrupt(d, ZSTD_getErrorName(zrc));
		}
	}
	/* A call without progress (no input left) says nothing about the
	 * frame just finished: keep the hint of the last call that moved. */
	if (in.pos > 0 || o.pos > 0)
		d->zstd_hint = zrc;
	return VMC_OK;
}

/* ---- public ----------------------------------------------------------- */

int vmc__decomp_new(vmc__decomp **out, vmc_ctx *ctx, const char *kind, vmc__source *lower)
{
	vmc__decomp *d;
	enum codec codec;
	int rc;

	if (strcmp(kind, "gzip") == 0)
		codec = CODEC_GZIP;
	else if (strcmp(kind, "bzip2") == 0)
		codec = CODEC_BZIP2;
	else if (strcmp(kind, "xz") == 0)
		codec = CODEC_XZ;
	else if (strcmp(kind, "zstd") == 0)
		codec = CODEC_ZSTD;
	else
		return VMC_FAIL(ctx, VMC_EUNSUPPORTED, VMC_NO_OFFSET,
				"expected gzip, bzip2, xz or zstd compression, found '%s'", kind);

	d = vmc__calloc(ctx, 1, sizeof(*d));
	if (!d)
		return VMC_ENOMEM;
	d->ctx = ctx;
	d->lower = lower;
	d->codec = codec;
	d->kind = codec == CODEC_GZIP ? "gzip"
		  : codec == CODEC_BZIP2 ? "bzip2"
		  : codec == CODEC_XZ ? "xz" : "zstd";
	snprintf(d->path, sizeof(d->path), "container/%s", d->kind);
	d->in = vmc__malloc(ctx, IN_CAP);
	rc = d->in ? codec_init(d) : VMC_ENOMEM;
	if (rc < 0) {
		vmc__decomp_free(d);
		return rc;
	}
	d->next_in = d->in;
	*out = d;
	return VMC_OK;
}

int vmc__decomp_read(void *decomp, uint8_t *buf, size_t cap, size_t *got)
{
	vmc__decomp *d = decomp;

	*got = 0;
	if (d->status < 0)
		return d->status;
	while (!d->done && cap > 0) {
		size_t made = 0;
		bool ended = false;
		int rc;

		VMC_TRY(refill(d));
		switch (d->codec) {
		case CODEC_GZIP:
			rc = step_gzip(d, buf, cap, &made, &ended);
			break;
		case CODEC_BZIP2:
			rc = step_bzip2(d, buf, cap, &made, &ended);
			break;
		case CODEC_XZ:
			rc = step_xz(d, buf, cap, &made, &ended);
			break;
		default:
			rc = step_zstd(d, buf, cap, &made, &ended);
			break;
		}
		if (rc < 0)
			return rc;

		if (ended) {
			/* xz (CONCATENATED + FINISH) ends only at the real end.
			 * gzip and bzip2: restart if another member follows. */
			rc = d->codec == CODEC_XZ ? 0 : more_input(d);
			if (rc < 0)
				return rc;
			if (rc == 0) {
				d->done = true;
			} else {
				codec_end(d);
				VMC_TRY(codec_init(d));
			}
		} else if (made == 0 && d->avail_in == 0 && d->in_eof) {
			/* Input exhausted and the codec cannot finish.  zstd at a
			 * frame boundary (hint 0) is a clean end. */
			if (d->codec == CODEC_ZSTD && d->zstd_hint == 0)
				d->done = true;
			else if (d->codec == CODEC_XZ)
				continue; /* next lzma_code runs with LZMA_FINISH */
			else
				return truncated(d);
		}
		if (made > 0) {
			*got = made;
			return VMC_OK;
		}
	}
	return VMC_OK;
}

void vmc__decomp_free(vmc__decomp *d)
{
	if (!d)
		return;
	codec_end(d);
	vmc__free(d->ctx, d->in);
	vmc__free(d->ctx, d);
}
