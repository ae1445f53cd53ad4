/*
 * catalog.h - private: the rule data `check` uses (rules/checks.yaml,
 * rules/ramblocks.yaml), loaded from the embedded files and validated.
 */
#ifndef VMC_RULES_CATALOG_H
#define VMC_RULES_CATALOG_H

#include "../parsers/yaml.h"

typedef struct vmc__check_def {
	const char *id;
	const char *source;
	const char *qemu_error;  /* template or NULL */
	const char *explanation; /* template         */
} vmc__check_def;

typedef struct vmc__resizeable {
	const char *name;
	uint64_t max_length;
	const char *source;
} vmc__resizeable;

/* A byte-mask table: offset -> mask (offsets relative to a base). */
typedef struct vmc__bytemask {
	uint16_t offset;
	uint8_t mask;
} vmc__bytemask;

typedef struct vmc__masklist {
	vmc__bytemask *m;
	size_t n;
} vmc__masklist;

typedef struct vmc__pci_region {
	uint16_t offset, length;
	const char *name;
} vmc__pci_region;

typedef struct vmc__pci_capmask {
	uint16_t id;
	const char *name;
	uint16_t length;      /* bytes; 0: see length_byte               */
	uint16_t length_v1;   /* PCI Express version 1 length, or 0      */
	int length_byte;      /* >= 0: the length is the byte at this offset */
	vmc__masklist wmask, w1cmask, cmask_clear;
	/* PCI Express ports: applied when the capability says so */
	vmc__masklist slot_wmask, slot_pcp_wmask, slot_w1cmask, root_wmask;
	const char *source;
} vmc__pci_capmask;

typedef struct vmc__pci_rules {
	const char *source;
	vmc__pci_region *regs;
	size_t nregs;
	vmc__masklist cmask, wmask, w1cmask;     /* header */
	uint16_t writable_from;
	vmc__masklist bridge_wmask, bridge_cmask;
	vmc__pci_capmask *caps;
	size_t ncaps;
	uint16_t ext_default_length;
	vmc__pci_capmask *ext;
	size_t next;
} vmc__pci_rules;

typedef struct vmc__catalog {
	vmc__arena arena;
	vmc__check_def *checks;
	size_t nchecks;
	vmc__resizeable *resizeable;
	size_t nresizeable;
	vmc__pci_rules pci;
} vmc__catalog;

int vmc__catalog_load(vmc__catalog *cat, vmc_ctx *ctx);
/* The catalog parsed once per context (lib/ctx.h caches). */
int vmc__catalog_get(const vmc__catalog **out, vmc_ctx *ctx);
void vmc__catalog_fini(vmc__catalog *cat);
/* The definition of a rule id; NULL if the data lacks it (a bug: the
 * catalog test checks every id the code uses). */
const vmc__check_def *vmc__catalog_check(const vmc__catalog *cat, const char *id);
const vmc__resizeable *vmc__catalog_resizeable(const vmc__catalog *cat, const char *block);

/* Fill a template: {subject} {src} {dst} {detail} (NULL values print as
 * "?").  Returns out. */
char *vmc__template_fill(char *out, size_t cap, const char *tmpl, const char *subject,
			 const char *src, const char *dst, const char *detail);

#endif
