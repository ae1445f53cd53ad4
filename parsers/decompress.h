/*
 * decompress.h - private: streaming decompressors as vmc_read_fn filters.
 *
 * Each pulls compressed bytes from a lower vmc__source and yields
 * decompressed bytes through vmc__decomp_read, holding only the codec's own
 * bounded state.  Concatenated members/frames are decoded in sequence, as
 * gzip -dc / xz -dc / zstd -dc do.  Corrupt data is VMC_EMALFORMED with the
 * offset in the compressed input; data that ends early is VMC_EMALFORMED
 * "expected more <kind> data, found end of input".  Both carry the error
 * path "container/<kind>", which says the offset is one in the input (the
 * lower source), not in the decompressed QEMU stream.
 *
 * Codec memory comes from the ctx allocator; an allocation failure at any
 * point (init or mid-stream) is VMC_ENOMEM.  docs/containers.md has details.
 */
#ifndef VMC_PARSERS_DECOMPRESS_H
#define VMC_PARSERS_DECOMPRESS_H

#include "source.h"

/* Decoder memory limit for xz (liblzma memlimit): a dictionary needing
 * more is VMC_ELIMIT.  xz -9 needs 65 MiB to decode. */
#define VMC_XZ_MEMLIMIT (256ull << 20)
/* Largest zstd window accepted (2^27 = 128 MiB, zstd's own default
 * ZSTD_WINDOWLOG_LIMIT_DEFAULT); a larger one is VMC_ELIMIT. */
#define VMC_ZSTD_WINDOWLOG_MAX 27

typedef struct vmc__decomp vmc__decomp;

/* kind: "gzip", "bzip2", "xz" or "zstd" (anything else: VMC_EUNSUPPORTED).
 * lower is borrowed and must outlive the decompressor.  Nothing is read
 * until the first vmc__decomp_read. */
int vmc__decomp_new(vmc__decomp **out, vmc_ctx *ctx, const char *kind, vmc__source *lower);
/* vmc_read_fn: payload is the vmc__decomp.  *got = 0 only at the clean end
 * of the last member.  After an error every call returns the same code. */
int vmc__decomp_read(void *decomp, uint8_t *buf, size_t cap, size_t *got);
/* Accepts NULL. */
void vmc__decomp_free(vmc__decomp *d);

#endif
