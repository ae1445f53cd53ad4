/*
 * ram.h - private: the RAM section's payload (stream-format.md §9).
 */
#ifndef VMC_PARSERS_RAM_H
#define VMC_PARSERS_RAM_H

#include "../lib/stream.h"
#include "source.h"

/* Per-stream RAM parsing state that survives across START/PART/END. */
typedef struct vmc__ram {
	vmc_ramblock *last;      /* block of the previous page record (CONTINUE) */
	size_t last_index;
	int have_last;
	int ignore_shared;       /* x-ignore-shared: block list carries GPAs     */
} vmc__ram;

/*
 * Read one RAM record payload (after a START/PART/END header) up to and
 * including the record that carries RAM_SAVE_FLAG_EOS.  Pages are counted
 * per block and skipped.  version is the section version (must be 4).
 */
int vmc__ram_load(vmc__ram *ram, vmc_stream *s, vmc__source *src, uint32_t version);

#endif
