/*
 * vmdesc.h - private: the vmdesc JSON trailer (stream-format.md §8) parsed
 * into an immutable description tree that the field decoder walks.
 *
 * Parsed with json-c under the ctx's max_json_depth / max_vmdesc_size
 * limits.  Invalid JSON or a description of the wrong shape is
 * VMC_EMALFORMED with the stream offset of the JSON (base_offset + the
 * byte position json-c stopped at, where it says).
 *
 * The tree mirrors what QEMU 7.2 writes (migration/vmstate.c
 * vmstate_save_state_v, vmsd_desc_field_start/_end, vmstate_subsection_save;
 * migration/savevm.c vmstate_save_old_style): docs/vmdesc.md has the shape.
 * Every node and string lives in the description's own arena and is freed by
 * vmc__vmdesc_free; the json-c objects are released before parse returns.
 */
#ifndef VMC_PARSERS_VMDESC_H
#define VMC_PARSERS_VMDESC_H

#include "../lib/ctx.h"

typedef struct vmc__vmdesc vmc__vmdesc;
typedef struct vmc__vmdesc_vmsd vmc__vmdesc_vmsd;   /* a vmsd: fields + subsections */
typedef struct vmc__vmdesc_field vmc__vmdesc_field; /* one field description        */

/* vmc__vmdesc_field.flags */
/* "array_len" was present: one description stands for array_len elements
 * of size bytes each (vmsd_can_compress). */
#define VMC__VMDESC_ARRAY (1u << 0)
/* "index" was present: one element of an uncompressible array; consecutive
 * entries with the same name and index 0, 1, ... form the array. */
#define VMC__VMDESC_INDEX (1u << 1)
/* "struct" was an empty object: QEMU 7.2 wrote the 1-byte nullptr marker for
 * a NULL element of an array of struct pointers (vmstate_save_state_v opens
 * the "struct" object before it knows the element is NULL). */
#define VMC__VMDESC_NULL_STRUCT (1u << 2)
/* vmsd describes the field's bytes through keys inline in the field object
 * (vstruct, tmp) rather than inside a "struct" object. */
#define VMC__VMDESC_INLINE (1u << 3)

struct vmc__vmdesc_field {
	const char *name;   /* "name": field name, "[n]"-suffixed when the vmsd
	                       has several fields of that name             */
	const char *type;   /* "type": VMStateInfo name, "struct", "vstruct" */
	uint64_t size;      /* "size": bytes written for ONE element         */
	uint32_t array_len; /* "array_len" when VMC__VMDESC_ARRAY, else 0    */
	uint32_t index;     /* "index" when VMC__VMDESC_INDEX, else 0        */
	uint32_t flags;     /* VMC__VMDESC_*                                 */
	const vmc__vmdesc_vmsd *vmsd; /* nested description ("struct" object,
	                       or inline vmsd_name/version/fields), or NULL */
};

struct vmc__vmdesc_vmsd {
	const char *name;   /* "vmsd_name"; NULL for a legacy device         */
	uint32_t version;   /* "version"; 0 for a legacy device              */
	const vmc__vmdesc_field *fields;  /* "fields", in stream order       */
	size_t nfields;
	const vmc__vmdesc_vmsd *subsections; /* "subsections": only those
	                       QEMU sent, in stream order                   */
	size_t nsubsections;
};

/* One element of "devices". */
typedef struct vmc__vmdesc_device {
	const char *name;          /* idstr                                 */
	uint32_t instance_id;
	const vmc__vmdesc_vmsd *vmsd; /* fields/subsections (also for legacy
	                                 sections: one "data" buffer field) */
	const char *vmsd_name;     /* NULL for legacy sections              */
	uint32_t version;          /* 0 for legacy sections                 */
	int has_version;
	uint64_t legacy_size;      /* legacy sections: device-level "size"  */
} vmc__vmdesc_device;

/*
 * Parse len bytes of vmdesc JSON (the bytes after the 0x06 tag and be32
 * length).  base_offset is the stream offset of json[0], used in errors.
 * Returns VMC_OK, VMC_EMALFORMED (syntax: offset where json-c stopped;
 * shape: base_offset and a path such as "devices[3]/fields[2]"),
 * VMC_ELIMIT (max_json_depth, max_vmdesc_size) or VMC_ENOMEM.
 */
int vmc__vmdesc_parse(vmc__vmdesc **out, vmc_ctx *ctx, const uint8_t *json, size_t len,
		      uint64_t base_offset);
/* Accepts NULL. */
void vmc__vmdesc_free(vmc__vmdesc *d);

uint32_t vmc__vmdesc_page_size(const vmc__vmdesc *d); /* 0 if absent */
size_t vmc__vmdesc_device_count(const vmc__vmdesc *d);
const vmc__vmdesc_device *vmc__vmdesc_device_at(const vmc__vmdesc *d, size_t i);
/* The device with this idstr and instance, or NULL. */
const vmc__vmdesc_device *vmc__vmdesc_find(const vmc__vmdesc *d, const char *idstr,
					   uint32_t instance_id);
/* The "configuration" vmsd ([10.x] streams), or NULL (QEMU 7.2 has none). */
const vmc__vmdesc_vmsd *vmc__vmdesc_configuration(const vmc__vmdesc *d);

#endif
