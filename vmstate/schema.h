/*
 * schema.h - private: schema data files (docs/schema-language.md) loaded
 * and validated into an immutable model that the schema engine
 * (schema_decode.c) walks.
 *
 * A vmc__schema_set is every file loaded together (one namespace of vmsd,
 * switch and root names).  It owns an arena; vmc__schema_free releases it.
 * Errors while loading are VMC_ESCHEMA with path "FILE:LINE".
 */
#ifndef VMC_VMSTATE_SCHEMA_H
#define VMC_VMSTATE_SCHEMA_H

#include "../lib/ctx.h"
#include "expr.h"

/* vmc__sfield.type */
#define VMC__ST_UINT 0u   /* unsigned integer, width bytes, be or le  */
#define VMC__ST_INT 1u    /* signed integer                           */
#define VMC__ST_BOOL 2u
#define VMC__ST_BUFFER 3u
#define VMC__ST_UNUSED 4u
#define VMC__ST_STRUCT 5u
#define VMC__ST_LIST 6u
#define VMC__ST_SWITCH 7u
#define VMC__ST_CUSTOM 8u

/* vmc__sfield.custom */
#define VMC__SC_PCI_CONFIG 0u

typedef struct vmc__svmsd vmc__svmsd;
typedef struct vmc__sswitch vmc__sswitch;

typedef struct vmc__sfield {
	const char *name;        /* node name                                */
	const char *label;       /* node type string ("uint16 equal", ...)   */
	uint32_t type;           /* VMC__ST_*                                */
	uint8_t width;           /* integers: 1, 2, 4, 8                     */
	uint8_t le;              /* integers: little-endian                  */
	uint8_t equal;           /* `equal: true` (recorded only)            */
	uint8_t flatten;         /* struct: children go to the parent        */
	uint8_t limit_queues;    /* count is checked against max_queues      */
	uint32_t custom;         /* VMC__SC_* for VMC__ST_CUSTOM             */
	uint64_t size;           /* buffers: fixed size when !size_expr      */
	const vmc__expr *size_expr;
	const vmc__expr *count;  /* array count, or NULL (single element)    */
	const vmc__expr *exists_if;
	uint32_t since, until;   /* version range (until 0: none)            */
	int has_since, has_until;
	const vmc__svmsd *vmsd;  /* struct/list element                      */
	const vmc__sswitch *sw;  /* switch                                   */
	uint8_t marker_width;    /* list: marker bytes (1)                   */
	uint8_t marker_signed;
	uint64_t marker_more, marker_end;
	uint32_t max;            /* list: elements accepted                  */
	const char *where;       /* "FILE:LINE" of the entry                 */
} vmc__sfield;

typedef struct vmc__sverify {
	const vmc__expr *expr;
	const char *message;
} vmc__sverify;

struct vmc__svmsd {
	const char *name;
	uint32_t version, minimum_version;
	const vmc__sfield *fields;
	size_t nfields;
	const vmc__svmsd **subsections;
	size_t nsubsections;
	const vmc__sverify *verify;
	size_t nverify;
	size_t max_children;     /* nodes this vmsd can add to its parent
	                            node (fields, flattened ones, subsections) */
	const char *where;
};

typedef struct vmc__scase {
	const char *key;         /* section vmsd name                        */
	const vmc__svmsd *vmsd;  /* NULL: "none" (an empty device part)      */
} vmc__scase;

struct vmc__sswitch {
	const char *name;
	const vmc__scase *cases;
	size_t ncases;
};

typedef struct vmc__sroot {
	const char *type;        /* vmdesc field type to expand ("virtio")   */
	const vmc__svmsd *vmsd;
} vmc__sroot;

typedef struct vmc__schema_set vmc__schema_set;

/* One data file: a name for messages and its bytes. */
typedef struct vmc__schema_file {
	const char *name;
	const uint8_t *data;
	size_t len;
} vmc__schema_file;

/*
 * Load and validate files[0..n) as one set.  Returns VMC_OK, VMC_ESCHEMA
 * (FILE:LINE in the error path), VMC_ELIMIT (YAML depth) or VMC_ENOMEM.
 */
int vmc__schema_load(vmc__schema_set **out, vmc_ctx *ctx, const vmc__schema_file *files,
		     size_t n);
/* The schema files embedded into the library at build time (every
 * vmstate/schemas/ entry of lib/data.h). */
int vmc__schema_load_embedded(vmc__schema_set **out, vmc_ctx *ctx);
/* Accepts NULL. */
void vmc__schema_free(vmc__schema_set *set);

const vmc__svmsd *vmc__schema_vmsd(const vmc__schema_set *set, const char *name);
/* The root vmsd that expands a vmdesc field of this type, or NULL. */
const vmc__svmsd *vmc__schema_root(const vmc__schema_set *set, const char *type);
/* The vmsd a switch selects for key; *found 0 when key has no case. */
const vmc__svmsd *vmc__schema_case(const vmc__sswitch *sw, const char *key, int *found);

/*
 * Copy every string a decoded node can point at (field names and type
 * labels, vmsd names) into arena, so that trees decoded with this set
 * outlive it.
 */
int vmc__schema_rehome(vmc__schema_set *set, vmc__arena *arena);

#endif
