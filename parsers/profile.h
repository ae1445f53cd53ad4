/*
 * profile.h - private: emulator profiles (docs/profiles.md), the facts one
 * QEMU binary was observed to have, recorded by `vmcompat harvest` and
 * embedded in the library (rules/profiles/qemu-X.Y.yaml[.xz]).  The prove
 * engine predicts a destination's stream from a configuration with them;
 * the library never runs QEMU.
 *
 * Everything below is immutable once loaded and lives as long as the
 * profile: every pointer returned is borrowed from it.  Lists keep the order
 * of the file.  A value the harvest could not obtain is NULL / 0 with the
 * reason in the matching `*_error` / `refused` string.
 */
#ifndef VMC_PARSERS_PROFILE_H
#define VMC_PARSERS_PROFILE_H

#include "../lib/ctx.h"

typedef struct vmc__profile vmc__profile;

/* qemu: the binary and the harvest. */
typedef struct vmc__prof_qemu {
	const char *version;      /* "7.2.22" (query-version)                 */
	uint32_t major, minor, micro;
	const char *package;      /* query-version package, e.g. Debian's     */
	const char *binary;       /* path of the binary harvested             */
	const char *harvested_by; /* the vmcompat harvest command line        */
	const char *date;         /* UTC, ISO 8601                            */
	const char *vmcompat;     /* version of the harvesting vmcompat       */
} vmc__prof_qemu;

/* One compat property of a machine type (query-machines compat-props). */
typedef struct vmc__prof_compat {
	const char *qom_type, *property, *value;
} vmc__prof_compat;

/* machine_families: the kind of root bus, from one guest per family. */
typedef struct vmc__prof_family {
	const char *family;        /* machine name without -X.Y: "pc-q35"       */
	const char *probe_machine; /* the member that was started               */
	const char *root_bus;      /* "pci", "pcie", "none" or "unknown"        */
	const char *root_bus_name; /* "pci.0", "pcie.0", or NULL                */
	const char *refused;       /* QEMU's message when it would not start    */
} vmc__prof_family;

/* machines: query-machines. */
typedef struct vmc__prof_machine {
	const char *name;     /* "pc-i440fx-7.2"                               */
	const char *alias;    /* "pc", or NULL                                 */
	int is_default;       /* the binary's default machine                  */
	int deprecated;
	const char *family;   /* "pc-i440fx"                                   */
	const char *root_bus; /* as its family                                 */
	const vmc__prof_compat *compat; /* NULL when the profile has none       */
	size_t ncompat;
} vmc__prof_machine;

/* devices: device-list-properties plus the option ROM. */
typedef struct vmc__prof_property {
	const char *name, *type;
	const char *default_value; /* as text (strings bare, others JSON), or
				      NULL when QEMU reports no default      */
} vmc__prof_property;

typedef struct vmc__prof_device {
	const char *type;      /* QOM type                                      */
	const char *absent;    /* device-list-properties error, else NULL       */
	const char *romfile;   /* qom-get romfile once realized ("" none)       */
	const char *rom_block; /* ramblock name of the ROM, or NULL             */
	uint64_t rom_size;     /* its used length, 0 without ROM                */
	const vmc__prof_property *props;
	size_t nprops;
} vmc__prof_device;

typedef struct vmc__prof_section {
	const char *idstr;
	uint32_t instance, version;
} vmc__prof_section;

typedef struct vmc__prof_ramblock {
	const char *name;
	uint64_t used, max;
} vmc__prof_ramblock;

/* machine_base: a device-less paused guest, as its saved stream shows it. */
typedef struct vmc__prof_base {
	const char *machine, *requested, *family;
	uint64_t ram_mb;
	const char *argv;
	const char *error; /* refused or not saved: the reason, else NULL     */
	const vmc__prof_section *sections;
	size_t nsections;
	const vmc__prof_ramblock *ramblocks;
	size_t nramblocks;
} vmc__prof_base;

/* references: a paused guest with one virtio-pci device. */
typedef struct vmc__prof_ref {
	const char *family;  /* machine family: "pc-i440fx", "pc-q35"          */
	const char *machine; /* the machine type used                          */
	const char *bus;     /* "pci-root", "pci-bridge", "pcie-root",
				"pcie-root-port", "pcie-pci-bridge"            */
	const char *type;    /* QOM type of the device                         */
	const char *flavour; /* generic, transitional, non-transitional,
				disable-legacy, disable-modern                 */
	const char *props;   /* extra properties ("" or "a=b,c=d")             */
	const char *device;  /* the whole -device argument                     */
	const char *error;   /* refused by QEMU or not decoded: why, else NULL */
	vmc__prof_section section;
	const char *mode;    /* "legacy-only", "transitional", "modern-only"   */
	const uint8_t *config; /* PCI config space, config_size bytes          */
	size_t config_size;
	uint32_t msix_vectors, config_len;
	const uint32_t *queues; /* ring size of each queue                     */
	size_t nqueues;
	const char *const *subsections;
	size_t nsubsections;
	const char *const *host_features; /* names QEMU printed (NULL: none)   */
	size_t nhost_features;
	uint64_t host_features_unknown; /* bits QEMU could not name            */
	const char *host_features_error;
	const vmc__prof_ramblock *ramblocks; /* the device's (and placement's) */
	size_t nramblocks;
	const vmc__prof_section *other_sections; /* placement devices, backends */
	size_t nother_sections;
} vmc__prof_ref;

/*
 * Load a profile from YAML in memory (xz- or gzip-compressed YAML is
 * detected and decompressed).  name is used in messages ("FILE:LINE").
 * Returns VMC_OK, VMC_ESCHEMA (invalid profile: unknown or missing key,
 * wrong type; path FILE:LINE), VMC_EMALFORMED (bad compressed data),
 * VMC_ELIMIT, VMC_ENOMEM or VMC_EINVAL.
 */
int vmc__profile_load_buffer(vmc__profile **out, vmc_ctx *ctx, const char *name,
			     const uint8_t *data, size_t len);
/* The profile embedded for QEMU "X.Y" (rules/profiles/qemu-X.Y.yaml or
 * .yaml.xz).  VMC_EINVAL if none is embedded for that version. */
int vmc__profile_load_embedded(vmc__profile **out, vmc_ctx *ctx, const char *version);
/* Accepts NULL. */
void vmc__profile_free(vmc__profile *p);
/* The versions embedded ("5.2", "7.2", ...), NULL-terminated, sorted;
 * static storage. */
const char *const *vmc__profile_embedded_versions(void);

const vmc__prof_qemu *vmc__profile_qemu(const vmc__profile *p);
/* 1 if the machines carry compat properties (query-machines compat-props,
 * QEMU >= 9.1), 0 if the binary could not report them. */
int vmc__profile_has_compat_props(const vmc__profile *p);

size_t vmc__profile_family_count(const vmc__profile *p);
const vmc__prof_family *vmc__profile_family(const vmc__profile *p, size_t i);
const vmc__prof_family *vmc__profile_find_family(const vmc__profile *p, const char *family);

size_t vmc__profile_machine_count(const vmc__profile *p);
const vmc__prof_machine *vmc__profile_machine(const vmc__profile *p, size_t i);
/* By name or alias ("pc", "q35"), or NULL. */
const vmc__prof_machine *vmc__profile_find_machine(const vmc__profile *p, const char *name);
/* The binary's default machine, or NULL. */
const vmc__prof_machine *vmc__profile_default_machine(const vmc__profile *p);

size_t vmc__profile_device_count(const vmc__profile *p);
const vmc__prof_device *vmc__profile_device(const vmc__profile *p, size_t i);
const vmc__prof_device *vmc__profile_find_device(const vmc__profile *p, const char *type);
/* A property of a device type, or NULL (unknown type or property). */
const vmc__prof_property *vmc__profile_find_property(const vmc__profile *p, const char *type,
						     const char *prop);

/*
 * The vmstate table of machine (name or alias) as check takes it
 * (vmc_check_options.dst_vmstate); *out belongs to the caller
 * (vmc_vmstate_free).  VMC_EINVAL when the profile has no table for that
 * machine, VMC_ENOMEM.
 */
int vmc__profile_vmstate(vmc_vmstate **out, vmc_ctx *ctx, const vmc__profile *p,
			 const char *machine);

size_t vmc__profile_base_count(const vmc__profile *p);
const vmc__prof_base *vmc__profile_base(const vmc__profile *p, size_t i);
/* By machine name or alias, or NULL. */
const vmc__prof_base *vmc__profile_find_base(const vmc__profile *p, const char *machine);

size_t vmc__profile_ref_count(const vmc__profile *p);
const vmc__prof_ref *vmc__profile_ref(const vmc__profile *p, size_t i);
/*
 * The reference for (machine family or machine name, bus kind, QOM type,
 * extra properties), or NULL.  props is "" or NULL for none; the order of
 * comma-separated properties does not matter.
 */
const vmc__prof_ref *vmc__profile_find_ref(const vmc__profile *p, const char *family,
					   const char *bus, const char *type, const char *props);

#endif
