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
 * base: stream offset of data[0].  path: idstr, for error paths.
 * On success *out is a VMC_FIELD_STRUCT root named after the vmsd (or the
 * idstr for legacy sections) and *consumed the body length.  A description
 * that does not fit the bytes (a subsection marker or name not where the
 * description says, a size past avail) is VMC_EMALFORMED with the offset.
 * *budget counts down the max_fields limit.
 */
int vmc__vmdesc_decode(vmc_field **out, size_t *consumed, vmc__arena *arena,
		       const vmc__vmdesc_device *dev, const uint8_t *data, size_t avail,
		       uint64_t base, const char *path, uint32_t *budget);

#endif
