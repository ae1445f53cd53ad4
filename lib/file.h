/*
 * file.h - private: read a whole (small) data file, bounded.  For data the
 * library needs in one piece (YAML rule files, vmstate tables, configuration
 * files); streams are never read this way.
 */
#ifndef VMC_LIB_FILE_H
#define VMC_LIB_FILE_H

#include "ctx.h"

/*
 * Read path into a ctx allocation (*out, NUL-terminated, *len bytes without
 * the NUL).  More than max bytes is VMC_ELIMIT naming limit_name.  Opened
 * read-only.  Returns VMC_OK, VMC_EOPEN, VMC_EIO, VMC_ELIMIT, VMC_ENOMEM.
 */
int vmc__read_file(vmc_ctx *ctx, const char *path, uint64_t max, const char *limit_name,
		   uint8_t **out, size_t *len);

#endif
