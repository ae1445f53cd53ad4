/*
 * model.h - private: the decoded field tree behind the public vmc_field.
 *
 * A section's decoded body is a tree of vmc_field nodes allocated from the
 * stream's arena: structs, arrays and subsections have children stored as
 * one contiguous array; leaves carry an integer value or point at their bytes
 * inside the section buffer the stream holds.  Nodes are immutable once the
 * decoder returns.
 */
#ifndef VMC_VMSTATE_MODEL_H
#define VMC_VMSTATE_MODEL_H

#include "../lib/ctx.h"

struct vmc_field {
	const char *name;       /* QEMU field or subsection name (arena)   */
	const char *type;       /* QEMU VMStateInfo name, "struct", ...    */
	uint32_t kind;          /* VMC_FIELD_*                             */
	uint32_t version;       /* struct/subsection version, else 0       */
	uint64_t offset;        /* stream offset of the first byte         */
	uint64_t size;          /* bytes in the stream                     */
	uint64_t u;             /* UINT/BOOL value                          */
	int64_t i;              /* INT value                                */
	const uint8_t *bytes;   /* BYTES/UNDECODED: size bytes, borrowed   */
	const char *str;        /* STRING: text (arena)                    */
	struct vmc_field *children; /* nchildren nodes (arena)             */
	uint8_t expanded;       /* an opaque vmdesc field decoded by a
	                           schema (vmstate/schema_decode.c): its
	                           layout is QEMU code, not a vmsd          */
	size_t nchildren;
};

/* Allocate n zeroed nodes from the arena, counting them against the
 * ctx's max_fields limit through *budget.  NULL on failure (recorded). */
vmc_field *vmc__fields_alloc(vmc__arena *arena, size_t n, uint32_t *budget);

#endif
