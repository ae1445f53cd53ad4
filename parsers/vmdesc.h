/*
 * vmdesc.h - private: the vmdesc JSON trailer (stream-format.md §8) parsed
 * into an immutable description tree that the field decoder walks.
 *
 * Parsed with json-c under the ctx's max_json_depth / max_vmdesc_size
 * limits.  Invalid JSON or a description of the wrong shape is
 * VMC_EMALFORMED with the stream offset of the JSON (base_offset + the
 * byte position json-c stopped at, where it says).
 */
#ifndef VMC_PARSERS_VMDESC_H
#define VMC_PARSERS_VMDESC_H

#include "../lib/ctx.h"

typedef struct vmc__vmdesc vmc__vmdesc;
typedef struct vmc__vmdesc_vmsd vmc__vmdesc_vmsd;   /* a vmsd: fields + subsections */
typedef struct vmc__vmdesc_field vmc__vmdesc_field; /* one field description        */

/* One element of "devices". */
typedef struct vmc__vmdesc_device {
	const char *name;          /* idstr                                 */
	uint32_t instance_id;
	const vmc__vmdesc_vmsd *vmsd; /* fields/subsections (also for legacy
	                                 sections: one "data" buffer field) */
	const char *vmsd_name;     /* NULL for legacy sections              */
	uint32_t version;          /* 0 for legacy sections                 */
	int has_version;
} vmc__vmdesc_device;

int vmc__vmdesc_parse(vmc__vmdesc **out, vmc_ctx *ctx, const uint8_t *json, size_t len,
		      uint64_t base_offset);
void vmc__vmdesc_free(vmc__vmdesc *d);

uint32_t vmc__vmdesc_page_size(const vmc__vmdesc *d); /* 0 if absent */
size_t vmc__vmdesc_device_count(const vmc__vmdesc *d);
const vmc__vmdesc_device *vmc__vmdesc_device(const vmc__vmdesc *d, size_t i);
/* The device with this idstr and instance, or NULL. */
const vmc__vmdesc_device *vmc__vmdesc_find(const vmc__vmdesc *d, const char *idstr,
					   uint32_t instance_id);

#endif
