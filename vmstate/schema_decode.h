/*
 * schema_decode.h - private: the schema engine.  Decodes opaque vmstate
 * blobs (vmdesc fields of a type that has a schema root, e.g. "virtio")
 * into vmc_field trees with schema data (vmstate/schema.h).
 */
#ifndef VMC_VMSTATE_SCHEMA_DECODE_H
#define VMC_VMSTATE_SCHEMA_DECODE_H

#include "../lib/stream.h"
#include "schema.h"

/*
 * Decode len bytes at data (stream offset base) with root vmsd v into
 * node, which becomes a STRUCT (its name and type are left as they are).
 * section_vmsd is the section's vmsd name (selects switch cases); path is
 * the node's model path for errors.  Every byte must be consumed, unless
 * an unknown device part made the rest UNDECODED.
 * Returns VMC_OK, VMC_EMALFORMED (offset + path), VMC_EUNSUPPORTED (a
 * verify entry failed), VMC_ELIMIT or VMC_ENOMEM.
 */
int vmc__schema_decode(vmc_field *node, vmc__arena *arena, const vmc__schema_set *set,
		       const vmc__svmsd *v, const uint8_t *data, size_t len, uint64_t base,
		       const char *section_vmsd, const char *path, uint32_t *budget);

/*
 * The integration hook (parsers/framing.c, after the last record): every
 * BYTES field of every decoded section whose type has a schema root is
 * expanded in place.  The embedded schemas are loaded once per call, only
 * when some field needs them, and freed before returning (the decoded
 * strings are copied into the stream's arena).
 */
int vmc__schema_decode_stream(vmc_stream *s);

#endif
