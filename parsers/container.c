/*
 * container.c - what wraps a QEMU migration stream, detected by content.
 *
 * Stage: containers, the first stage of the pipeline (containers -> framing
 * -> vmstate decode -> ...).  docs/containers.md describes every layout and
 * error; docs/stream-format.md §9.8 is the summary it refines.
 *
 * Input: a vmc__source over the raw input (file, pipe, memory), positioned
 * at offset 0.  Output: a vmc_container description, and a vmc__source over
 * the QEMU stream whose offsets start at 0 at the stream's first byte
 * ("QEVM"), whatever header or compression came before it.  Caller:
 * lib/stream.c (vmc_stream_read_cb).
 *
 * Detection looks only at the first 16 bytes, with vmc__source_peek: no
 * seeking, so pipes and stdin work, and nothing is consumed for a raw
 * stream.  Magic numbers:
 *
 *     "QEVM" 00 00 00 03 ...   raw QEMU stream (QEMU_VM_FILE_MAGIC)
 *     1f 8b                    gzip (RFC 1952)
 *     "BZh"                    bzip2
 *     fd "7zXZ" 00             xz
 *     28 b5 2f fd              zstd frame (RFC 8878)
 *     89 "LZO" 00 0d 0a 1a 0a  lzop             -> VMC_EUNSUPPORTED
 *     "LibvirtQemudSave"       libvirt save image
 *     "LibvirtQemudPart"       libvirt save image whose save never finished
 *
 * Only one level is unwrapped: a compressed file holds a QEMU stream, a
 * libvirt image holds a (possibly compressed) QEMU stream.  Whether what is
 * inside really starts with "QEVM" is the framing parser's check.
 *
 * The libvirt save image header, as libvirt 9.0.0 writes it
 * (src/qemu/qemu_saveimage.h: struct _virQEMUSaveHeader, written with one
 * safewrite() of the struct by virQEMUSaveDataWrite in qemu_saveimage.c, so
 * its u32s are in the byte order of the host that saved it):
 *
 *   OFFSET  SIZE      FIELD
 *   0       16        magic: "LibvirtQemudSave", or "LibvirtQemudPart" until
 *                     the migration has finished (virQEMUSaveDataFinish
 *                     rewrites the header with the final magic)
 *   16      4         version: QEMU_SAVE_VERSION = 2
 *   20      4         data_len: bytes of XML + cookie + padding (> 0)
 *   24      4         was_running: 1 if the domain was running
 *   28      4         compressed (renamed "format" later): 0 raw, 1 gzip,
 *                     2 bzip2, 3 xz, 4 lzop; later libvirt adds 5 zstd and
 *                     6 sparse (mapped-ram)
 *   32      4         cookieOffset: offset of the cookie XML in the data
 *                     area, or 0 when there is no cookie
 *   36      56        unused[14] (zero)
 *   92      data_len  domain XML, NUL; [cookie XML, NUL;] zero padding
 *                     (64 KiB when the image is created)
 *   92+data_len ...   the QEMU stream, raw or as the compressor wrote it
 *
 * Byte order, mirroring qemuSaveImageOpen: read the u32s in the reader's
 * order, and if version > QEMU_SAVE_VERSION, byte-swap all five
 * (qemuSaveImageBswapHeader); still > 2 is "not supported".  Here the
 * "reader's order" is fixed to little-endian (x86, the common case), so the
 * result does not depend on the host running vmcompat.  libvirt honours the
 * compression field only when version == 2 (qemuSaveImageStartVM); older
 * versions are raw.
 *
 * Non-goals: writing or editing images; libvirt's other containers (virsh
 * dump core files, snapshot memory is the same format as save); lzop and
 * sparse/mapped-ram payloads (refused with VMC_EUNSUPPORTED).
 */
#include "container.h"

#include "decompress.h"

#include <stdio.h>
#include <string.h>

#define LV_MAGIC_SAVE "LibvirtQemudSave"
#define LV_MAGIC_PART "LibvirtQemudPart"
#define LV_HEADER_SIZE 92u
#define LV_SAVE_VERSION 2u

/* Offsets of the libvirt header fields (see the table above). */
#define LV_OFF_VERSION 16u
#define LV_OFF_DATA_LEN 20u
#define LV_OFF_WAS_RUNNING 24u
#define LV_OFF_FORMAT 28u
#define LV_OFF_COOKIE 32u

#define PATH_DETECT "container"
#define PATH_LIBVIRT "container/libvirt"

/* Every libvirt header error carries the path "container/libvirt": its
 * offset is one in the input file. */
#define LV_FAIL(ctx, code, offset, ...) VMC_FAIL_AT((ctx), (code), (offset), PATH_LIBVIRT, __VA_ARGS__)
#define LV_FAIL_IF(cond, ctx, code, offset, ...)                                                  \
	do {                                                                                      \
		if (cond)                                                                         \
			return LV_FAIL((ctx), (code), (offset), __VA_ARGS__);                     \
	} while (0)

struct vmc__container_reader {
	vmc_ctx *ctx;
	vmc__source *stream;  /* what vmc__container_stream returns        */
	vmc__decomp *decomp;  /* compressed payload, else NULL            */
	bool wrapped;         /* `own` is initialised (stream == &own)    */
	vmc__source own;      /* source with its own offsets from 0       */
};

/* libvirt's virQEMUSaveFormat, by value (qemu_saveimage.c in 9.0.0,
 * qemu_saveimage_format.h upstream).  decomp is the vmcompat codec, or NULL
 * when vmcompat cannot read that payload. */
static const struct {
	const char *name;
	const char *decomp;
} lv_formats[] = {
	{"raw", NULL}, {"gzip", "gzip"}, {"bzip2", "bzip2"}, {"xz", "xz"},
	{"lzop", NULL}, {"zstd", "zstd"}, {"sparse", NULL},
};
#define LV_FORMAT_RAW 0u
#define LV_FORMAT_COUNT (sizeof(lv_formats) / sizeof(lv_formats[0]))

static uint32_t load_u32(const uint8_t *p, bool big_endian)
{
	return big_endian ? vmc__load_be32(p) : vmc__load_le32(p);
}

/* ---- detection -------------------------------------------------------- */

static bool has_prefix(const uint8_t *p, size_t avail, const void *magic, size_t n)
{
	return avail >= n && memcmp(p, magic, n) == 0;
}

static int unknown_magic(vmc_ctx *ctx, const uint8_t *p, size_t avail)
{
	char hex[2 * 16 + 1];
	size_t i;

	if (avail == 0)
		return VMC_FAIL_AT(ctx, VMC_EMALFORMED, 0, PATH_DETECT,
				   "expected a QEMU migration stream (QEVM) or a known container, "
				   "found end of input");
	for (i = 0; i < avail && i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", p[i]);
	return VMC_FAIL_AT(ctx, VMC_EMALFORMED, 0, PATH_DETECT,
			   "expected a QEMU migration stream (QEVM) or a known container, "
			   "found %s", hex);
}

/* ---- libvirt save image ----------------------------------------------- */

/* A NUL-terminated string at the start of data[0..len), copied out. */
static int lv_string(char **out, vmc_ctx *ctx, const uint8_t *data, size_t len,
		     uint64_t offset, const char *what)
{
	const uint8_t *nul = memchr(data, '\0', len);

	LV_FAIL_IF(!nul, ctx, VMC_EMALFORMED, offset,
		    "expected NUL-terminated %s within %zu bytes, found no NUL", what, len);
	*out = vmc__strndup(ctx, (const char *)data, (size_t)(nul - data));
	return *out ? VMC_OK : VMC_ENOMEM;
}

/*
 * Read and check the header and data area; leave `file` at the payload.
 * *codec gets the decompressor kind, or NULL for a raw payload.
 */
static int lv_read(vmc_ctx *ctx, vmc__source *file, vmc_container *info, const char **codec)
{
	uint8_t h[LV_HEADER_SIZE];
	uint8_t *data;
	uint32_t xml_len;
	bool be = false;
	int rc;

	rc = vmc__source_read(file, h, sizeof(h), "libvirt save image header");
	if (rc < 0) {
		vmc__error_set_path(ctx, PATH_LIBVIRT);
		return rc;
	}
	info->libvirt = 1;
	info->kind = "libvirt";
	info->partial = memcmp(h, LV_MAGIC_PART, 16) == 0;

	info->lv_version = load_u32(h + LV_OFF_VERSION, false);
	if (info->lv_version > LV_SAVE_VERSION) {
		be = true; /* qemuSaveImageBswapHeader */
		info->lv_version = load_u32(h + LV_OFF_VERSION, true);
	}
	LV_FAIL_IF(info->lv_version > LV_SAVE_VERSION, ctx, VMC_EUNSUPPORTED, LV_OFF_VERSION,
		   "expected libvirt save image version <= %u in either byte order, "
		   "found 0x%08x", LV_SAVE_VERSION, load_u32(h + LV_OFF_VERSION, false));
	info->lv_big_endian = be;
	info->lv_data_len = load_u32(h + LV_OFF_DATA_LEN, be);
	info->lv_was_running = load_u32(h + LV_OFF_WAS_RUNNING, be);
	info->lv_format = load_u32(h + LV_OFF_FORMAT, be);
	info->lv_cookie_offset = load_u32(h + LV_OFF_COOKIE, be);
	info->header_size = LV_HEADER_SIZE + (uint64_t)info->lv_data_len;

	/* qemuSaveImageOpen: "invalid header data length" */
	LV_FAIL_IF(info->lv_data_len == 0, ctx, VMC_EMALFORMED, LV_OFF_DATA_LEN,
		   "expected libvirt data_len > 0, found 0");
	LV_FAIL_IF(info->lv_data_len > ctx->limits.max_libvirt_xml, ctx, VMC_ELIMIT,
		   LV_OFF_DATA_LEN, "limit max_libvirt_xml exceeded: libvirt data_len %u > %llu",
		   info->lv_data_len, (unsigned long long)ctx->limits.max_libvirt_xml);
	/* libvirt computes cookie_len = data_len - cookieOffset unchecked. */
	LV_FAIL_IF(info->lv_cookie_offset > info->lv_data_len, ctx, VMC_EMALFORMED,
		   LV_OFF_COOKIE, "expected libvirt cookieOffset <= data_len (%u), found %u",
		   info->lv_data_len, info->lv_cookie_offset);

	/* The compression field counts only in version 2 images. */
	*codec = NULL;
	if (info->lv_version == LV_SAVE_VERSION && info->lv_format != LV_FORMAT_RAW) {
		LV_FAIL_IF(info->lv_format >= LV_FORMAT_COUNT, ctx, VMC_EUNSUPPORTED,
			   LV_OFF_FORMAT, "expected libvirt save image format 0..%u, found %u",
			   (unsigned)LV_FORMAT_COUNT - 1, info->lv_format);
		LV_FAIL_IF(!lv_formats[info->lv_format].decomp, ctx, VMC_EUNSUPPORTED,
			   LV_OFF_FORMAT, "libvirt save image format %u (%s) is not supported",
			   info->lv_format, lv_formats[info->lv_format].name);
		*codec = lv_formats[info->lv_format].decomp;
	}
	info->compression = *codec ? *codec : "none";

	data = vmc__malloc(ctx, info->lv_data_len);
	if (!data)
		return VMC_ENOMEM;
	rc = vmc__source_read(file, data, info->lv_data_len, "libvirt domain XML and cookie");
	if (rc < 0) {
		vmc__error_set_path(ctx, PATH_LIBVIRT);
		goto out;
	}
	xml_len = info->lv_cookie_offset ? info->lv_cookie_offset : info->lv_data_len;
	rc = lv_string(&info->xml, ctx, data, xml_len, LV_HEADER_SIZE, "libvirt domain XML");
	if (rc == VMC_OK && info->xml[0] == '\0')
		rc = LV_FAIL(ctx, VMC_EMALFORMED, LV_HEADER_SIZE,
			     "expected libvirt domain XML, found an empty string");
	if (rc == VMC_OK && info->lv_cookie_offset < info->lv_data_len && info->lv_cookie_offset)
		rc = lv_string(&info->cookie, ctx, data + xml_len, info->lv_data_len - xml_len,
			       LV_HEADER_SIZE + (uint64_t)xml_len, "libvirt save cookie");
	if (rc < 0)
		vmc__error_set_path(ctx, PATH_LIBVIRT);
out:
	vmc__free(ctx, data);
	return rc;
}

/* ---- open / close ----------------------------------------------------- */

/* Give the reader a stream source of its own over `read`, counting from 0. */
static int wrap(vmc__container_reader *r, vmc_read_fn read, void *payload)
{
	VMC_TRY(vmc__source_init(&r->own, r->ctx, read, payload, 0));
	r->wrapped = true;
	r->stream = &r->own;
	return VMC_OK;
}

static int open_payload(vmc__container_reader *r, vmc__source *file, const char *codec)
{
	if (!codec)
		return wrap(r, vmc__source_read_some, file);
	VMC_TRY(vmc__decomp_new(&r->decomp, r->ctx, codec, file));
	return wrap(r, vmc__decomp_read, r->decomp);
}

static int detect_and_open(vmc__container_reader *r, vmc__source *file, vmc_container *info)
{
	static const uint8_t gz[] = {0x1f, 0x8b};
	static const uint8_t xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00};
	static const uint8_t zst[] = {0x28, 0xb5, 0x2f, 0xfd};
	static const uint8_t lzo[] = {0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a};
	vmc_ctx *ctx = r->ctx;
	const uint8_t *p;
	size_t n;
	const char *codec = NULL;

	VMC_TRY(vmc__source_peek(file, 16, &p, &n));
	if (has_prefix(p, n, LV_MAGIC_SAVE, 16) || has_prefix(p, n, LV_MAGIC_PART, 16)) {
		VMC_TRY(lv_read(ctx, file, info, &codec));
		return open_payload(r, file, codec);
	}
	if (has_prefix(p, n, "QEVM", 4)) {
		/* Nothing consumed: the input is the stream, offsets agree. */
		info->kind = "raw";
		info->compression = "none";
		r->stream = file;
		return VMC_OK;
	}
	if (has_prefix(p, n, gz, sizeof(gz)))
		codec = "gzip";
	else if (has_prefix(p, n, "BZh", 3))
		codec = "bzip2";
	else if (has_prefix(p, n, xz, sizeof(xz)))
		codec = "xz";
	else if (has_prefix(p, n, zst, sizeof(zst)))
		codec = "zstd";
	else if (has_prefix(p, n, lzo, sizeof(lzo)))
		return VMC_FAIL_AT(ctx, VMC_EUNSUPPORTED, 0, PATH_DETECT,
				   "lzop-compressed input is not supported (decompress it with "
				   "lzop -dc first)");
	else
		return unknown_magic(ctx, p, n);
	info->kind = codec;
	info->compression = codec;
	return open_payload(r, file, codec);
}

int vmc__container_open(vmc__container_reader **out, vmc_ctx *ctx, vmc__source *file,
			vmc_container *info)
{
	vmc__container_reader *r;
	int rc;

	memset(info, 0, sizeof(*info));
	r = vmc__calloc(ctx, 1, sizeof(*r));
	if (!r)
		return VMC_ENOMEM;
	r->ctx = ctx;
	rc = detect_and_open(r, file, info);
	if (rc < 0) {
		vmc__container_close(r);
		vmc__container_info_fini(ctx, info);
		return rc;
	}
	*out = r;
	return VMC_OK;
}

vmc__source *vmc__container_stream(vmc__container_reader *r)
{
	return r->stream;
}

void vmc__container_close(vmc__container_reader *r)
{
	if (!r)
		return;
	if (r->wrapped)
		vmc__source_fini(&r->own);
	vmc__decomp_free(r->decomp);
	vmc__free(r->ctx, r);
}

void vmc__container_info_fini(vmc_ctx *ctx, vmc_container *info)
{
	vmc__free(ctx, info->xml);
	vmc__free(ctx, info->cookie);
	info->xml = NULL;
	info->cookie = NULL;
}
