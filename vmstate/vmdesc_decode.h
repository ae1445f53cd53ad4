/*
 * vmdesc_decode.h - private: decode one FULL section body into a field tree
 * using its vmdesc description (stream-format.md §7, §8).
 */
#ifndef VMC_VMSTATE_VMDESC_DECODE_H
#define VMC_VMSTATE_VMDESC_DECODE_H

#include "../parsers/vmdesc.h"
#include "model.h"

/*
 * data/avail: the held bytes starting at the section body (the body may be
 * followed by the footer and later records: avail bounds every read).
 * Nothing is read past the body.
 * base: stream offset of data[0].  path: idstr, for error paths.
 * On success *out is a VMC_FIELD_STRUCT root named after the vmsd (or the
 * idstr for legacy sections) and *consumed the body length.  A description
 * that does not fit the bytes (a subsection marker or name not where the
 * description says, a size past avail) is VMC_EMALFORMED with the offset.
 * *budget counts down the max_fields limit (VMC_ELIMIT past it).
 * Names are copied into arena, so the tree does not borrow from the
 * description.  On failure *out is untouched; nodes already taken from the
 * arena stay there until it is freed.  A NULL dev is VMC_EINVAL.
 */
int vmc__vmdesc_decode(vmc_field **out, size_t *consumed, vmc__arena *arena,
		       const vmc__vmdesc_device *dev, const uint8_t *data, size_t avail,
		       uint64_t base, const char *path, uint32_t *budget);

/*
 * The same for a bare vmsd description, e.g. vmc__vmdesc_configuration()
 * for the QEMU_VM_CONFIGURATION body of [10.x] streams.  The root is named
 * vmsd->name with vmsd->version.
 */
int vmc__vmdesc_decode_vmsd(vmc_field **out, size_t *consumed, vmc__arena *arena,
			    const vmc__vmdesc_vmsd *vmsd, const uint8_t *data, size_t avail,
			    uint64_t base, const char *path, uint32_t *budget);

#endif
