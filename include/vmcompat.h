/*
 * vmcompat.h - the only public header of libvmcompat.
 *
 * libvmcompat reads saved QEMU migration streams (raw, compressed, or inside
 * a libvirt save image) and exposes everything in them: the container, the
 * stream's configuration, every section, the RAM block list with page counts,
 * and each device's state as a tree of named, typed fields.
 *
 * Conventions (docs/api/README.md has the long form):
 *  - Fallible calls return int: VMC_OK (0) or a negative vmc_status.  Detail
 *    (message, byte offset, model path) is read with vmc_error_last(ctx).
 *  - Handles are opaque.  vmc_x_new()/vmc_x_read_*() create, vmc_x_free()
 *    releases and accepts NULL.  *out is set only on success.
 *  - Getters return borrowed pointers that live as long as their parent
 *    handle (a vmc_stream owns its sections, ramblocks and fields).
 *  - There is no global state: use one vmc_ctx per thread.
 *  - The library never prints, exits or aborts.
 */
#ifndef VMCOMPAT_H
#define VMCOMPAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define VMC_EXTERN __attribute__((visibility("default")))
#else
#define VMC_EXTERN
#endif

#define VMC_VERSION_MAJOR 0
#define VMC_VERSION_MINOR 1
#define VMC_VERSION_PATCH 0
#define VMC_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------------- */
/* Errors                                                                  */
/* ---------------------------------------------------------------------- */

/* Status codes.  Values are never renumbered or reused. */
enum vmc_status {
	VMC_OK = 0,
	VMC_ERROR = -1,        /* internal error (a bug in vmcompat)          */
	VMC_ENOMEM = -2,       /* allocation failed                           */
	VMC_EIO = -3,          /* reading the input failed                    */
	VMC_EOPEN = -4,        /* the input could not be opened               */
	VMC_EMALFORMED = -5,   /* the input is not what its format requires   */
	VMC_EUNSUPPORTED = -6, /* well-formed, but a format vmcompat cannot read */
	VMC_ELIMIT = -7,       /* a configured resource limit was exceeded    */
	VMC_EINVAL = -8,       /* invalid argument (API misuse)               */
	VMC_ESCHEMA = -9       /* a schema or rule data file is invalid       */
};

#define VMC_ERROR_PATH_MAX 256
#define VMC_ERROR_MESSAGE_MAX 512

/*
 * Detail of the last failure on a context.  Fixed buffers, so that reporting
 * an out-of-memory condition allocates nothing.
 */
typedef struct vmc_error {
	int code;        /* the vmc_status returned                           */
	int has_offset;  /* 1 when offset is meaningful                       */
	uint64_t offset; /* byte offset in the QEMU stream (after any
	                    container and decompression), or in the data file
	                    named by path                                    */
	char path[VMC_ERROR_PATH_MAX];       /* place in the model, e.g.
	                    "0000:00:02.0/virtio-net/virtio", or ""           */
	char message[VMC_ERROR_MESSAGE_MAX]; /* "expected ..., found ..."     */
} vmc_error;

/* Fixed text for a status code; never NULL. */
VMC_EXTERN const char *vmc_strerror(int code);

/* ---------------------------------------------------------------------- */
/* Context                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct vmc_ctx vmc_ctx;

/*
 * Resource limits.  Every length in a stream is attacker-controlled; these
 * bound what the library will hold or walk.  Exceeding one is VMC_ELIMIT
 * with a message naming the limit.  Zero means "use the default".
 */
typedef struct vmc_limits {
	unsigned version;            /* VMC_LIMITS_VERSION                    */
	uint64_t max_section_size;   /* bytes of one non-RAM section          */
	uint64_t max_device_state;   /* bytes of device sections held until
	                                the vmdesc at the end is read        */
	uint64_t max_vmdesc_size;    /* bytes of vmdesc JSON                  */
	uint64_t max_libvirt_xml;    /* bytes of libvirt header XML + cookie  */
	uint32_t max_json_depth;     /* nesting depth of vmdesc JSON          */
	uint32_t max_sections;       /* distinct sections in one stream       */
	uint32_t max_ramblocks;      /* RAM blocks in the block list          */
	uint32_t max_fields;         /* decoded fields in one stream          */
	uint32_t max_queues;         /* virtqueues in one virtio device       */
} vmc_limits;

#define VMC_LIMITS_VERSION 1
#define VMC_DEFAULT_MAX_SECTION_SIZE (16ull << 20)
#define VMC_DEFAULT_MAX_DEVICE_STATE (64ull << 20)
#define VMC_DEFAULT_MAX_VMDESC_SIZE (16ull << 20)
#define VMC_DEFAULT_MAX_LIBVIRT_XML (16ull << 20)
#define VMC_DEFAULT_MAX_JSON_DEPTH 64u
#define VMC_DEFAULT_MAX_SECTIONS 4096u
#define VMC_DEFAULT_MAX_RAMBLOCKS 1024u
#define VMC_DEFAULT_MAX_FIELDS 1000000u
#define VMC_DEFAULT_MAX_QUEUES 1024u
#define VMC_LIMITS_INIT {VMC_LIMITS_VERSION, 0, 0, 0, 0, 0, 0, 0, 0, 0}

/* Allocator hooks: all three set, or all NULL for the C library's. */
typedef struct vmc_allocator {
	void *(*malloc_fn)(size_t size, void *payload);
	void *(*realloc_fn)(void *ptr, size_t size, void *payload);
	void (*free_fn)(void *ptr, void *payload);
	void *payload;
} vmc_allocator;

typedef struct vmc_ctx_options {
	unsigned version;        /* VMC_CTX_OPTIONS_VERSION */
	vmc_limits limits;
	vmc_allocator allocator;
} vmc_ctx_options;

#define VMC_CTX_OPTIONS_VERSION 1
#define VMC_CTX_OPTIONS_INIT {VMC_CTX_OPTIONS_VERSION, VMC_LIMITS_INIT, {0, 0, 0, 0}}

/*
 * Create a context.  opts may be NULL for defaults.
 * Returns VMC_OK, VMC_ENOMEM, or VMC_EINVAL (bad options version or a
 * partial allocator).
 */
VMC_EXTERN int vmc_ctx_new(vmc_ctx **out, const vmc_ctx_options *opts);
VMC_EXTERN void vmc_ctx_free(vmc_ctx *ctx);

/* The limits in force (defaults filled in).  Borrowed from ctx. */
VMC_EXTERN const vmc_limits *vmc_ctx_limits(const vmc_ctx *ctx);

/* Detail of the last failure on ctx; code is VMC_OK when none.  Borrowed. */
VMC_EXTERN const vmc_error *vmc_error_last(const vmc_ctx *ctx);
VMC_EXTERN void vmc_error_clear(vmc_ctx *ctx);

/* ---------------------------------------------------------------------- */
/* Reading a stream                                                        */
/* ---------------------------------------------------------------------- */

typedef struct vmc_stream vmc_stream;
typedef struct vmc_container vmc_container;
typedef struct vmc_section vmc_section;
typedef struct vmc_ramblock vmc_ramblock;
typedef struct vmc_field vmc_field;

/*
 * Pull callback: copy up to cap bytes into buf, set *got (0 = end of input).
 * Return VMC_OK or a negative vmc_status.
 */
typedef int (*vmc_read_fn)(void *payload, uint8_t *buf, size_t cap, size_t *got);

/* Decode flags (vmc_read_options.flags). */
/* The stream was saved with the postcopy-ram capability on: RAM block list
 * entries whose page size differs from the host's carry a be64 page size.
 * QEMU does not announce this in the stream. */
#define VMC_READ_POSTCOPY_RAM (1u << 0)
/* Do not decode device fields from the vmdesc; keep bodies as bytes. */
#define VMC_READ_NO_FIELDS (1u << 1)

typedef struct vmc_read_options {
	unsigned version;   /* VMC_READ_OPTIONS_VERSION */
	uint32_t flags;     /* VMC_READ_* */
	uint32_t target_page_size; /* 0: 4096 (x86); used to split RAM flags */
} vmc_read_options;

#define VMC_READ_OPTIONS_VERSION 1
#define VMC_READ_OPTIONS_INIT {VMC_READ_OPTIONS_VERSION, 0, 0}

/*
 * Read and decode a whole stream, streaming: RAM pages are counted and
 * skipped, never held; device sections are held (bounded by the limits)
 * until the vmdesc at the end is read.  The container (raw, gzip, bzip2, xz,
 * zstd, libvirt save image) is detected from the content.
 *
 * path "-" reads standard input.  name is used in messages only (may be NULL).
 * opts may be NULL.  Inputs are opened read-only and never modified.
 *
 * Returns VMC_OK, VMC_EOPEN, VMC_EIO, VMC_EMALFORMED, VMC_EUNSUPPORTED,
 * VMC_ELIMIT, VMC_ENOMEM or VMC_EINVAL; detail via vmc_error_last(ctx).
 */
VMC_EXTERN int vmc_stream_read_path(vmc_stream **out, vmc_ctx *ctx, const char *path,
				    const vmc_read_options *opts);
VMC_EXTERN int vmc_stream_read_fd(vmc_stream **out, vmc_ctx *ctx, int fd, const char *name,
				  const vmc_read_options *opts);
VMC_EXTERN int vmc_stream_read_buffer(vmc_stream **out, vmc_ctx *ctx, const void *data,
				      size_t len, const char *name, const vmc_read_options *opts);
VMC_EXTERN int vmc_stream_read_cb(vmc_stream **out, vmc_ctx *ctx, vmc_read_fn read,
				  void *payload, const char *name, const vmc_read_options *opts);
VMC_EXTERN void vmc_stream_free(vmc_stream *stream);

/* The container around the stream.  Borrowed from the stream; never NULL. */
VMC_EXTERN const vmc_container *vmc_stream_container(const vmc_stream *stream);

/* Bytes of the QEMU stream itself (after container and decompression). */
VMC_EXTERN uint64_t vmc_stream_size(const vmc_stream *stream);
/* QEMU_VM_FILE_VERSION from the header (3). */
VMC_EXTERN uint32_t vmc_stream_file_version(const vmc_stream *stream);
/* Machine type from the configuration section, or NULL when it has none. */
VMC_EXTERN const char *vmc_stream_machine_type(const vmc_stream *stream);
/* Validated migration capabilities named in configuration/capabilities. */
VMC_EXTERN size_t vmc_stream_capability_count(const vmc_stream *stream);
VMC_EXTERN const char *vmc_stream_capability(const vmc_stream *stream, size_t i);
/* configuration/uuid: 1 and 16 bytes into uuid when present, else 0. */
VMC_EXTERN int vmc_stream_uuid(const vmc_stream *stream, uint8_t uuid[16]);
/* configuration/target-page-bits, or 0 when absent. */
VMC_EXTERN uint32_t vmc_stream_target_page_bits(const vmc_stream *stream);

/* vmdesc trailer: 1 if present.  Its JSON size and page_size. */
VMC_EXTERN int vmc_stream_has_vmdesc(const vmc_stream *stream);
VMC_EXTERN uint64_t vmc_stream_vmdesc_size(const vmc_stream *stream);
VMC_EXTERN uint64_t vmc_stream_vmdesc_offset(const vmc_stream *stream);
VMC_EXTERN uint32_t vmc_stream_page_size(const vmc_stream *stream);

/* QEMU_VM_COMMAND records, in stream order. */
VMC_EXTERN size_t vmc_stream_command_count(const vmc_stream *stream);
/* Sub-command number, its QEMU name (e.g. "SWITCHOVER_START", or "UNKNOWN"),
 * data length and stream offset of the record. */
VMC_EXTERN int vmc_stream_command(const vmc_stream *stream, size_t i, uint16_t *cmd,
				  const char **name, uint16_t *len, uint64_t *offset);

/* Human-readable notes on what was skipped or inferred (borrowed). */
VMC_EXTERN size_t vmc_stream_note_count(const vmc_stream *stream);
VMC_EXTERN const char *vmc_stream_note(const vmc_stream *stream, size_t i);

/* Record counts by type byte (0x00..0x08, 0x7e footer not counted). */
VMC_EXTERN uint64_t vmc_stream_record_count(const vmc_stream *stream, uint8_t type);

/* ---------------------------------------------------------------------- */
/* Container                                                               */
/* ---------------------------------------------------------------------- */

/* "raw", "gzip", "bzip2", "xz", "zstd" or "libvirt". */
VMC_EXTERN const char *vmc_container_kind(const vmc_container *c);
/* Compression of the QEMU stream: "none", "gzip", "bzip2", "xz", "zstd". */
VMC_EXTERN const char *vmc_container_compression(const vmc_container *c);
/* Bytes before the (possibly compressed) QEMU stream in the input. */
VMC_EXTERN uint64_t vmc_container_header_size(const vmc_container *c);
/* libvirt save image fields; 0 / NULL for other containers. */
VMC_EXTERN int vmc_container_is_libvirt(const vmc_container *c);
VMC_EXTERN int vmc_container_is_partial(const vmc_container *c); /* LibvirtQemudPart */
VMC_EXTERN uint32_t vmc_container_libvirt_version(const vmc_container *c);
VMC_EXTERN uint32_t vmc_container_libvirt_data_len(const vmc_container *c);
VMC_EXTERN uint32_t vmc_container_libvirt_was_running(const vmc_container *c);
VMC_EXTERN uint32_t vmc_container_libvirt_format(const vmc_container *c);
VMC_EXTERN uint32_t vmc_container_libvirt_cookie_offset(const vmc_container *c);
VMC_EXTERN const char *vmc_container_libvirt_xml(const vmc_container *c);
VMC_EXTERN const char *vmc_container_libvirt_cookie(const vmc_container *c);

/* ---------------------------------------------------------------------- */
/* Sections                                                                */
/* ---------------------------------------------------------------------- */

VMC_EXTERN size_t vmc_stream_section_count(const vmc_stream *stream);
/* Sections in order of first appearance.  Borrowed; NULL if i is out of range. */
VMC_EXTERN const vmc_section *vmc_stream_section(const vmc_stream *stream, size_t i);
/* The section with this idstr and instance, or NULL. */
VMC_EXTERN const vmc_section *vmc_stream_find_section(const vmc_stream *stream,
						      const char *idstr, uint32_t instance_id);

VMC_EXTERN uint32_t vmc_section_id(const vmc_section *s);
VMC_EXTERN const char *vmc_section_idstr(const vmc_section *s);
VMC_EXTERN uint32_t vmc_section_instance_id(const vmc_section *s);
VMC_EXTERN uint32_t vmc_section_version_id(const vmc_section *s);
/* 1 for iterative sections (START/PART/END), 0 for FULL. */
VMC_EXTERN int vmc_section_is_iterative(const vmc_section *s);
/* Stream offset of the section's first record header. */
VMC_EXTERN uint64_t vmc_section_offset(const vmc_section *s);
/* Total payload bytes over all its records (headers and footers excluded). */
VMC_EXTERN uint64_t vmc_section_size(const vmc_section *s);
/* Number of records (START + PARTs + END, or 1 for FULL). */
VMC_EXTERN uint32_t vmc_section_record_count(const vmc_section *s);
/* vmsd name from the vmdesc, or NULL (iterative, legacy, or no vmdesc). */
VMC_EXTERN const char *vmc_section_vmsd_name(const vmc_section *s);

/* How much of a section's body is understood. */
#define VMC_BODY_DECODED 0u   /* every byte is a named field              */
#define VMC_BODY_RAW 1u       /* held as bytes only (no description)      */
#define VMC_BODY_SKIPPED 2u   /* iterative section of unknown format      */
#define VMC_BODY_RAM 3u       /* the RAM section: see ramblocks          */
VMC_EXTERN uint32_t vmc_section_body(const vmc_section *s);
/* Root of the decoded field tree (kind VMC_FIELD_STRUCT), or NULL. */
VMC_EXTERN const vmc_field *vmc_section_fields(const vmc_section *s);
/*
 * Facts derived from the decoded body (e.g. for a virtio device: family,
 * mode, PCI identity, MSI-X, features, queues, candidate QOM types), as a
 * tree of fields (kind STRUCT at the root; leaves may be STRING), or NULL
 * when nothing is derived for this section.  docs/decode-json.md lists them.
 */
VMC_EXTERN const vmc_field *vmc_section_facts(const vmc_section *s);
/* Body bytes for FULL sections (held); NULL for iterative ones. */
VMC_EXTERN const uint8_t *vmc_section_data(const vmc_section *s, size_t *len);

/* ---------------------------------------------------------------------- */
/* RAM                                                                     */
/* ---------------------------------------------------------------------- */

VMC_EXTERN size_t vmc_stream_ramblock_count(const vmc_stream *stream);
VMC_EXTERN const vmc_ramblock *vmc_stream_ramblock(const vmc_stream *stream, size_t i);
/* Total announced by the MEM_SIZE record. */
VMC_EXTERN uint64_t vmc_stream_ram_total(const vmc_stream *stream);

VMC_EXTERN const char *vmc_ramblock_name(const vmc_ramblock *b);
VMC_EXTERN uint64_t vmc_ramblock_used_length(const vmc_ramblock *b);
/* Page size when the stream carries one (postcopy-ram), else 0. */
VMC_EXTERN uint64_t vmc_ramblock_page_size(const vmc_ramblock *b);
/* Guest physical address when x-ignore-shared is on; *present set to 0/1. */
VMC_EXTERN uint64_t vmc_ramblock_gpa(const vmc_ramblock *b, int *present);

/* Page record kinds counted per block. */
#define VMC_PAGE_ZERO 0u       /* RAM_SAVE_FLAG_ZERO                      */
#define VMC_PAGE_NORMAL 1u     /* RAM_SAVE_FLAG_PAGE                      */
#define VMC_PAGE_XBZRLE 2u     /* RAM_SAVE_FLAG_XBZRLE                    */
#define VMC_PAGE_COMPRESSED 3u /* RAM_SAVE_FLAG_COMPRESS_PAGE (<= 9.0)    */
#define VMC_PAGE_KIND_COUNT 4u
VMC_EXTERN uint64_t vmc_ramblock_pages(const vmc_ramblock *b, uint32_t kind);

/* Stream-wide RAM markers. */
#define VMC_RAM_EOS 0u            /* RAM_SAVE_FLAG_EOS records            */
#define VMC_RAM_MULTIFD_FLUSH 1u  /* RAM_SAVE_FLAG_MULTIFD_FLUSH records  */
#define VMC_RAM_HOOK 2u           /* RAM_SAVE_FLAG_HOOK records           */
#define VMC_RAM_MARKER_COUNT 3u
VMC_EXTERN uint64_t vmc_stream_ram_markers(const vmc_stream *stream, uint32_t marker);

/* ---------------------------------------------------------------------- */
/* Fields                                                                  */
/* ---------------------------------------------------------------------- */

#define VMC_FIELD_UINT 0u       /* unsigned integer: vmc_field_uint       */
#define VMC_FIELD_INT 1u        /* signed integer: vmc_field_int          */
#define VMC_FIELD_BOOL 2u       /* vmc_field_uint is 0 or 1               */
#define VMC_FIELD_BYTES 3u      /* opaque bytes: vmc_field_bytes          */
#define VMC_FIELD_STRUCT 4u     /* named children                         */
#define VMC_FIELD_ARRAY 5u      /* indexed children                       */
#define VMC_FIELD_SUBSECTION 6u /* named children; version                */
#define VMC_FIELD_NULLPTR 7u    /* a NULL element marker                  */
#define VMC_FIELD_UNDECODED 8u  /* bytes whose layout is not known        */
#define VMC_FIELD_STRING 9u     /* text (derived facts only): vmc_field_string */

VMC_EXTERN const char *vmc_field_name(const vmc_field *f);
/* QEMU's type name ("uint32", "pci config", "virtio", "struct", ...). */
VMC_EXTERN const char *vmc_field_type(const vmc_field *f);
VMC_EXTERN uint32_t vmc_field_kind(const vmc_field *f);
VMC_EXTERN uint64_t vmc_field_offset(const vmc_field *f); /* stream offset */
VMC_EXTERN uint64_t vmc_field_size(const vmc_field *f);   /* bytes        */
VMC_EXTERN uint64_t vmc_field_uint(const vmc_field *f);
VMC_EXTERN int64_t vmc_field_int(const vmc_field *f);
/* Bytes of a BYTES/UNDECODED field (borrowed), or NULL. */
VMC_EXTERN const uint8_t *vmc_field_bytes(const vmc_field *f, size_t *len);
/* Version of a struct or subsection as described, else 0. */
VMC_EXTERN uint32_t vmc_field_version(const vmc_field *f);
VMC_EXTERN size_t vmc_field_child_count(const vmc_field *f);
VMC_EXTERN const vmc_field *vmc_field_child(const vmc_field *f, size_t i);
/* First child with this name, or NULL. */
VMC_EXTERN const vmc_field *vmc_field_find(const vmc_field *f, const char *name);
/* Text of a STRING field (borrowed), or NULL. */
VMC_EXTERN const char *vmc_field_string(const vmc_field *f);

/* ---------------------------------------------------------------------- */
/* Checking: will a destination accept a stream?                           */
/* ---------------------------------------------------------------------- */

typedef struct vmc_report vmc_report;
typedef struct vmc_finding vmc_finding;

/* Verdicts. */
#define VMC_VERDICT_COMPATIBLE 0u   /* every load rule holds              */
#define VMC_VERDICT_INCOMPATIBLE 1u /* at least one rule refutes it       */
#define VMC_VERDICT_UNKNOWN 2u      /* nothing refutes it, but something
                                       needed could not be decided       */

/* Finding statuses. */
#define VMC_FINDING_REFUTED 0u /* the destination rejects the stream       */
#define VMC_FINDING_PROVED 1u  /* the rule holds                            */
#define VMC_FINDING_WARNING 2u /* accepted, but the guest sees a difference */
#define VMC_FINDING_UNKNOWN 3u /* could not be decided from what is known   */

/* Check flags (vmc_check_options.flags). */
/* Keep PROVED findings in the report (by default only the others). */
#define VMC_CHECK_KEEP_PROVED (1u << 0)

/*
 * The destination binary's vmstate table: the JSON written by
 * `qemu-system-x86_64 -M MACHINE -dump-vmstate FILE` (no guest runs).  It
 * says what a saved stream cannot: which subsections each of its vmsds
 * knows, and their minimum versions.  Optional input to check.
 */
typedef struct vmc_vmstate vmc_vmstate;
VMC_EXTERN int vmc_vmstate_read_path(vmc_vmstate **out, vmc_ctx *ctx, const char *path);
VMC_EXTERN int vmc_vmstate_read_buffer(vmc_vmstate **out, vmc_ctx *ctx, const void *data,
				       size_t len);
VMC_EXTERN void vmc_vmstate_free(vmc_vmstate *vmstate);
/* The machine type the dump was made with ("vmschkmachine"), or NULL. */
VMC_EXTERN const char *vmc_vmstate_machine(const vmc_vmstate *vmstate);

typedef struct vmc_check_options {
	unsigned version; /* VMC_CHECK_OPTIONS_VERSION */
	uint32_t flags;   /* VMC_CHECK_* */
	/* The destination binary's vmstate table, or NULL (borrowed for the
	 * call).  With it, subsections the destination did not send and older
	 * section versions are decided instead of unknown. */
	const vmc_vmstate *dst_vmstate;
} vmc_check_options;

#define VMC_CHECK_OPTIONS_VERSION 1
#define VMC_CHECK_OPTIONS_INIT {VMC_CHECK_OPTIONS_VERSION, 0, 0}

/*
 * Decide whether a destination whose own saved stream is dst (DST_REF: the
 * destination configuration started paused and saved) would load src, by
 * applying QEMU's load-side rules to the decoded facts of both; QEMU is
 * never run.  A completed check returns VMC_OK and a report, whatever the
 * verdict.  Returns VMC_OK, VMC_ENOMEM, VMC_EINVAL or VMC_ESCHEMA (rule
 * data invalid).  The report is independent of the streams once made.
 */
VMC_EXTERN int vmc_check_streams(vmc_report **out, vmc_ctx *ctx, const vmc_stream *src,
				 const vmc_stream *dst, const vmc_check_options *opts);
VMC_EXTERN void vmc_report_free(vmc_report *report);

VMC_EXTERN uint32_t vmc_report_verdict(const vmc_report *report);
/* "compatible", "incompatible", "unknown". */
VMC_EXTERN const char *vmc_verdict_name(uint32_t verdict);
VMC_EXTERN size_t vmc_report_finding_count(const vmc_report *report);
/* Findings in report order: refuted first, then unknown, warnings, proved;
 * within a status in stream order.  Borrowed from the report. */
VMC_EXTERN const vmc_finding *vmc_report_finding(const vmc_report *report, size_t i);

/* Rule identifier, e.g. "pci.config.read-only" (docs/check.md lists them). */
VMC_EXTERN const char *vmc_finding_check(const vmc_finding *f);
VMC_EXTERN uint32_t vmc_finding_status(const vmc_finding *f);
/* "refuted", "proved", "warning", "unknown". */
VMC_EXTERN const char *vmc_finding_status_name(uint32_t status);
/* What it is about, named as QEMU names it: a section idstr, a ramblock
 * name, a machine type, ... */
VMC_EXTERN const char *vmc_finding_subject(const vmc_finding *f);
/* For byte-level findings (PCI config): 1 and the offset/length within the
 * named register space; 0 otherwise. */
VMC_EXTERN int vmc_finding_range(const vmc_finding *f, uint64_t *offset, uint64_t *length);
/* Source and destination values as text, or NULL. */
VMC_EXTERN const char *vmc_finding_source_value(const vmc_finding *f);
VMC_EXTERN const char *vmc_finding_destination_value(const vmc_finding *f);
/* Plain explanation. */
VMC_EXTERN const char *vmc_finding_explanation(const vmc_finding *f);
/* The QEMU error this corresponds to (as QEMU prints it), or NULL. */
VMC_EXTERN const char *vmc_finding_qemu_error(const vmc_finding *f);
/* Where in QEMU the rule comes from ("hw/pci/pci.c get_pci_config_device"). */
VMC_EXTERN const char *vmc_finding_source(const vmc_finding *f);
/* The guest state under which the finding's outcome holds or fails, for
 * rules that depend on it (e.g. "fails if the guest negotiated any of the
 * features 0x…"), or NULL when it holds for every guest state. */
VMC_EXTERN const char *vmc_finding_condition(const vmc_finding *f);

/* ---------------------------------------------------------------------- */
/* Proving: decide a swap from configurations alone                        */
/* ---------------------------------------------------------------------- */

typedef struct vmc_config vmc_config;

/*
 * A VM configuration: a QEMU command line (options split with shell-style
 * quoting) or a libvirt domain XML (detected by a leading '<'), mapped to
 * QEMU devices as libvirt 9.0 does.  origin names it in messages.
 * Returns VMC_OK, VMC_EMALFORMED (with a byte offset or FILE:LINE path),
 * VMC_ELIMIT, VMC_ENOMEM, VMC_EINVAL.
 */
VMC_EXTERN int vmc_config_parse(vmc_config **out, vmc_ctx *ctx, const char *text, size_t len,
				const char *origin);
VMC_EXTERN void vmc_config_free(vmc_config *config);

/*
 * An emulator profile (docs/profiles.md): what one QEMU binary was observed
 * to do.  The bundled ones are embedded in the library; others are files
 * written by `vmcompat harvest`.  Immutable once loaded; free it before its
 * context.
 */
typedef struct vmc_profile vmc_profile;

/* Names of the bundled profiles ("5.2", "7.2", ...), oldest first,
 * NULL-terminated; static storage. */
VMC_EXTERN const char *const *vmc_profile_bundled_names(void);
/* The bundled profile called name ("7.2").  VMC_OK, VMC_EINVAL (none of that
 * name), VMC_ENOMEM. */
VMC_EXTERN int vmc_profile_bundled(vmc_profile **out, vmc_ctx *ctx, const char *name);
/* A profile file (YAML, or xz/gzip-compressed YAML).  origin says where it
 * came from in reports ("cached harvest"); NULL: "file".  VMC_OK, VMC_EOPEN,
 * VMC_EIO, VMC_ELIMIT (over 32 MiB), VMC_ESCHEMA (not a valid profile, with
 * FILE:LINE), VMC_EMALFORMED, VMC_ENOMEM, VMC_EINVAL. */
VMC_EXTERN int vmc_profile_read_path(vmc_profile **out, vmc_ctx *ctx, const char *path,
				     const char *origin);
VMC_EXTERN void vmc_profile_free(vmc_profile *profile);
/* Borrowed from the profile.  name: "7.2" for a bundled one, else the path;
 * origin: "bundled", "file" or the caller's; version: "7.2.22"; package:
 * query-version's ("Debian 1:7.2+dfsg-7+deb12u18+b3", may be ""); binary:
 * the path that was harvested. */
VMC_EXTERN const char *vmc_profile_name(const vmc_profile *profile);
VMC_EXTERN const char *vmc_profile_origin(const vmc_profile *profile);
VMC_EXTERN const char *vmc_profile_version(const vmc_profile *profile);
VMC_EXTERN const char *vmc_profile_package(const vmc_profile *profile);
VMC_EXTERN const char *vmc_profile_binary(const vmc_profile *profile);
/* Machine types (query-machines), in the profile's order. */
VMC_EXTERN size_t vmc_profile_machine_count(const vmc_profile *profile);
VMC_EXTERN const char *vmc_profile_machine_name(const vmc_profile *profile, size_t i);
/* Its alias ("pc", "q35") or NULL. */
VMC_EXTERN const char *vmc_profile_machine_alias(const vmc_profile *profile, size_t i);
VMC_EXTERN int vmc_profile_machine_is_default(const vmc_profile *profile, size_t i);

typedef struct vmc_prove_options {
	unsigned version;        /* VMC_PROVE_OPTIONS_VERSION                   */
	uint32_t flags;          /* VMC_CHECK_* (VMC_CHECK_KEEP_PROVED)          */
	const char *source_qemu; /* the source's QEMU version ("7.2", "7.2.22"),
	                            answered with the bundled profile of its
	                            release line (docs/prove.md), or NULL: the
	                            newest bundled profile                      */
	const char *target_qemu; /* the destination's, or NULL: the source's    */
	/* Options version 2: */
	const vmc_profile *source_profile; /* a profile to use instead of
	                                      source_qemu (borrowed), or NULL */
	const vmc_profile *target_profile; /* likewise for the destination     */
	const char *source_reason; /* why this QEMU, one line for the report
	                              ("qemu-system-x86_64 on PATH ..."), or NULL */
	const char *target_reason;
} vmc_prove_options;

#define VMC_PROVE_OPTIONS_VERSION 2
#define VMC_PROVE_OPTIONS_INIT {VMC_PROVE_OPTIONS_VERSION, 0, 0, 0, 0, 0, 0, 0}

/*
 * Would a destination started with `target` accept a migration from a VM
 * started with `source`, for every guest state?  The streams both would
 * produce are derived from the bundled emulator profiles and the rules
 * (the YAML under rules/), then the check rules of vmc_check_streams apply; findings
 * that depend on the guest's state carry a condition
 * (vmc_finding_condition).  QEMU is never run.  Returns VMC_OK (whatever
 * the verdict), VMC_EUNSUPPORTED (no profile for a requested QEMU, or a
 * device no profile or rule describes), VMC_ENOMEM, VMC_EINVAL.
 */
VMC_EXTERN int vmc_prove(vmc_report **out, vmc_ctx *ctx, const vmc_config *source,
			 const vmc_config *target, const vmc_prove_options *opts);

/* Check a real stream against a configured destination (profiles + rules
 * instead of a saved DST_REF stream). */
VMC_EXTERN int vmc_check_stream_config(vmc_report **out, vmc_ctx *ctx, const vmc_stream *src,
				       const vmc_config *target, const vmc_prove_options *opts);

/*
 * Which QEMU a proof answered for: one side (VMC_SIDE_*) and one key
 * (VMC_QEMU_*), as text borrowed from the report, or NULL (a side that is
 * a real stream, a report of vmc_check_streams, or a key with no value).
 */
#define VMC_SIDE_SOURCE 0u
#define VMC_SIDE_DESTINATION 1u
#define VMC_QEMU_REQUESTED 0u /* the version asked for ("7.2.22"), or NULL    */
#define VMC_QEMU_REASON 1u    /* the caller's reason (source_reason)          */
#define VMC_QEMU_MATCH 2u     /* "exact", "release-line", "stand-in",
                                 "newest", "profile" (given), "none"          */
#define VMC_QEMU_NOTE 3u      /* one line: how the profile was chosen        */
#define VMC_QEMU_PROFILE 4u   /* profile name ("7.2") or file path            */
#define VMC_QEMU_ORIGIN 5u    /* "bundled", "file", "cached harvest", ...     */
#define VMC_QEMU_VERSION 6u   /* the profile's QEMU version ("7.2.22")        */
#define VMC_QEMU_PACKAGE 7u   /* its build ("Debian 1:7.2+dfsg-7+deb12u18+b3") */
#define VMC_QEMU_BINARY 8u    /* the binary it was harvested from            */
#define VMC_QEMU_RULES 9u     /* the rule data used ("vmcompat 0.1.0 embedded
                                 rules/...")                                  */
#define VMC_QEMU_KEY_COUNT 10u
VMC_EXTERN const char *vmc_report_qemu(const vmc_report *report, uint32_t side, uint32_t key);

#ifdef __cplusplus
}
#endif

#endif /* VMCOMPAT_H */
