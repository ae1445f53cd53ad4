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

typedef struct vmc__catalog {
	vmc__arena arena;
	vmc__check_def *checks;
	size_t nchecks;
	vmc__resizeable *resizeable;
	size_t nresizeable;
} vmc__catalog;

int vmc__catalog_load(vmc__catalog *cat, vmc_ctx *ctx);
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
