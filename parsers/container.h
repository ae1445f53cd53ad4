/*
 * container.h - private: detect what wraps a QEMU stream (by content, never
 * by file name) and open a source over the stream itself.
 *
 * Detected: raw "QEVM" stream; gzip / bzip2 / xz / zstd compressed streams;
 * libvirt save images ("LibvirtQemudSave", or "LibvirtQemudPart" for an
 * unfinished save) whose payload is raw or compressed by libvirt's format
 * field.  Anything else is VMC_EMALFORMED naming what was found; a known
 * format that cannot be read (lzop, libvirt "sparse"/mapped-ram) is
 * VMC_EUNSUPPORTED naming it.  docs/containers.md describes the layouts.
 */
#ifndef VMC_PARSERS_CONTAINER_H
#define VMC_PARSERS_CONTAINER_H

#include "source.h"

struct vmc_container {
	const char *kind;        /* "raw","gzip","bzip2","xz","zstd","libvirt" (static) */
	const char *compression; /* "none","gzip","bzip2","xz","zstd" (static)          */
	uint64_t header_size;    /* input bytes before the (compressed) stream: 0, or
	                            92 + data_len for libvirt                          */
	int libvirt;             /* 1 for a libvirt save image                          */
	int partial;             /* 1 for LibvirtQemudPart                              */
	int lv_big_endian;       /* 1 if the header's u32s were big-endian (swapped)    */
	uint32_t lv_version;     /* libvirt header fields, byte order resolved          */
	uint32_t lv_data_len;
	uint32_t lv_was_running;
	uint32_t lv_format;
	uint32_t lv_cookie_offset;
	char *xml;               /* domain XML (ctx allocation) or NULL                 */
	char *cookie;            /* cookie XML (ctx allocation) or NULL                 */
};

typedef struct vmc__container_reader vmc__container_reader;

/*
 * Read the container header from `file` (a source over the raw input,
 * positioned at 0), fill *info, and return a reader whose stream source
 * yields the QEMU stream from its first byte ("QEVM"), with offsets counted
 * from 0 there.  `file` must outlive the reader.  On failure nothing is
 * allocated and info holds no pointers.
 *
 * Errors found in the container layer (detection, libvirt header,
 * decompression) carry the path "container", "container/libvirt" or
 * "container/<codec>", and their offset is one in the input, not in the
 * QEMU stream.
 */
int vmc__container_open(vmc__container_reader **out, vmc_ctx *ctx, vmc__source *file,
			vmc_container *info);
/* The source over the QEMU stream (borrowed from the reader). */
vmc__source *vmc__container_stream(vmc__container_reader *r);
void vmc__container_close(vmc__container_reader *r);
/* Free info->xml / info->cookie. */
void vmc__container_info_fini(vmc_ctx *ctx, vmc_container *info);

#endif
