/*
 * config.h - private: a VM configuration as users have it (a QEMU command
 * line fragment, or a libvirt domain XML mapped to QEMU devices the way
 * libvirt 9.0 does), reduced to what `prove` needs: machine, memory, CPUs,
 * -global defaults, devices with their properties, and backends by id.
 *
 * Everything is kept as QEMU would see it on its command line: property
 * names and values are strings exactly as given (QemuOpts unescaping done:
 * ",," is a literal comma), in order; later duplicates win as in QEMU.
 * Nothing is resolved here (no defaults, no bus topology): that is the
 * profile's and the rules' business.  docs/config-input.md documents both
 * input forms and the libvirt mapping with libvirt source references.
 */
#ifndef VMC_PARSERS_CONFIG_H
#define VMC_PARSERS_CONFIG_H

#include "../lib/ctx.h"

typedef struct vmc__kv {
	const char *key;
	const char *value;
} vmc__kv;

typedef struct vmc__cfg_device {
	const char *driver;   /* QOM type as given after -device (aliases such as
	                         "virtio-net" are resolved by the caller)      */
	const char *id;       /* id=, or NULL                                  */
	vmc__kv *props;       /* every other property in order (bus=, addr=,
	                         romfile=, disable-legacy=, ...)              */
	size_t nprops;
	const char *origin;   /* for messages: "argument 12" or "domain.xml:23" */
} vmc__cfg_device;

typedef struct vmc__cfg_backend {
	const char *kind;     /* "netdev", "blockdev", "drive", "fsdev",
	                         "chardev", "object", "virtfs"                */
	const char *type;     /* backend type (user, null-co, local, ...) or NULL */
	const char *id;
	vmc__kv *props;
	size_t nprops;
} vmc__cfg_backend;

typedef struct vmc__config {
	vmc__arena arena;
	const char *origin;       /* name for messages (file name or "--source") */
	const char *machine;      /* -machine type (or -M), or NULL: the default */
	vmc__kv *machine_props;   /* other -machine properties                 */
	size_t nmachine_props;
	vmc__kv *globals;         /* -global DRIVER.PROP=VALUE: key "DRIVER.PROP" */
	size_t nglobals;
	uint64_t ram_bytes;       /* -m (suffixes M/G/K, default unit MiB), 0: default */
	uint32_t smp_cpus;        /* -smp (first number or cpus=), 0: default  */
	const char *accel;        /* -accel / -machine accel=, or NULL         */
	vmc__cfg_device *devices;
	size_t ndevices;
	vmc__cfg_backend *backends;
	size_t nbackends;
	const char **ignored;     /* options accepted but irrelevant to migration
	                             compatibility (-display, -nographic, -name,
	                             -qmp, -serial ...), for notes              */
	size_t nignored;
	const char **unmapped;    /* input that makes QEMU create guest devices
	                             vmcompat does not map ("-vga std", "<sound>
	                             at domain.xml:40"): what the guest has is
	                             not fully known; for notes and UNKNOWN    */
	size_t nunmapped;
	uint32_t flags;           /* VMC__CFG_*                                */
} vmc__config;

/* -nodefaults was given: QEMU creates none of its default devices (VGA,
 * NIC, serial, parallel, floppy, CD-ROM).  Without it those devices exist
 * although no option names them; vmcompat does not list them. */
#define VMC__CFG_NODEFAULTS (1u << 0)

/*
 * Parse a QEMU command line: argv-style (no program name needed; a leading
 * qemu-system-* word is skipped).  Unknown options are VMC_EMALFORMED
 * naming the option (never silently dropped); options that cannot change
 * the migration stream go to `ignored`.
 */
int vmc__config_parse_argv(vmc__config **out, vmc_ctx *ctx, const char *const *argv, size_t argc,
			   const char *origin);
/* The same from one string split with POSIX shell quoting rules ('...',
 * "...", backslash), as users paste command lines. */
int vmc__config_parse_string(vmc__config **out, vmc_ctx *ctx, const char *text,
			     const char *origin);
/* A libvirt domain XML (libxml2), mapped as libvirt 9.0 maps it. */
int vmc__config_parse_domain_xml(vmc__config **out, vmc_ctx *ctx, const char *xml, size_t len,
				 const char *origin);
/* By content: '<' first (after whitespace) -> domain XML, else a command line. */
int vmc__config_parse(vmc__config **out, vmc_ctx *ctx, const char *text, size_t len,
		      const char *origin);
void vmc__config_free(vmc__config *cfg);

/* The value of key in a property list (the last one wins), or NULL. */
const char *vmc__kv_get(const vmc__kv *kv, size_t n, const char *key);

/*
 * Shared by config.c, config_qemu.c and config_xml.c (not for other
 * modules).  Every string is copied into cfg->arena; every function records
 * VMC_ENOMEM and returns it (or NULL) when the arena cannot grow.
 */
int vmc__config_new(vmc__config **out, vmc_ctx *ctx, const char *origin);
char *vmc__config_strdup(vmc__config *cfg, const char *s);
char *vmc__config_printf(vmc__config *cfg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append key=value (both copied) to a property list. */
int vmc__config_kv_add(vmc__config *cfg, vmc__kv **kv, size_t *n, const char *key,
		       const char *value);
/* Append a device / backend (driver, kind, type, id and origin copied; NULL
 * stays NULL).  *out points into cfg and stays valid until the next add. */
int vmc__config_device_add(vmc__cfg_device **out, vmc__config *cfg, const char *driver,
			   const char *id, const char *origin);
int vmc__config_backend_add(vmc__cfg_backend **out, vmc__config *cfg, const char *kind,
			    const char *type, const char *id);
/* Append a string (copied) to cfg->ignored / cfg->unmapped. */
int vmc__config_note_ignored(vmc__config *cfg, const char *what);
int vmc__config_note_unmapped(vmc__config *cfg, const char *what);

#endif
