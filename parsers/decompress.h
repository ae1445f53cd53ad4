/*
 * decompress.h - private: streaming decompressors as vmc_read_fn filters.
 *
 * Each pulls compressed bytes from a lower vmc__source and yields
 * decompressed bytes through vmc__decomp_read, holding only the codec's own
 * bounded state.  Concatenated members/frames are decoded in sequence, as
 * gzip -dc / xz -dc / zstd -dc do.  Corrupt data is VMC_EMALFORMED with the
 * offset in the compressed input; data that ends early is VMC_EMALFORMED
 * "expected more <kind> data, found end of input".
 */
#ifndef VMC_PARSERS_DECOMPRESS_H
#define VMC_PARSERS_DECOMPRESS_H

#include "source.h"

typedef struct vmc__decomp vmc__decomp;

/* kind: "gzip", "bzip2", "xz" or "zstd". */
int vmc__decomp_new(vmc__decomp **out, vmc_ctx *ctx, const char *kind, vmc__source *lower);
/* vmc_read_fn: payload is the vmc__decomp. */
int vmc__decomp_read(void *decomp, uint8_t *buf, size_t cap, size_t *got);
void vmc__decomp_free(vmc__decomp *d);

#endif
