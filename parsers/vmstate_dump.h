/*
 * vmstate_dump.h - private: the JSON QEMU writes with -dump-vmstate FILE:
 * every VMStateDescription of one QEMU binary (name, version_id,
 * minimum_version_id, fields, nested descriptions, subsections).  It tells
 * what a destination's saved stream cannot: which subsections its vmsds
 * know, and their minimum versions.
 */
#ifndef VMC_PARSERS_VMSTATE_DUMP_H
#define VMC_PARSERS_VMSTATE_DUMP_H

#include "../lib/ctx.h"

struct vmc_vmstate {
	vmc_ctx *ctx;
	vmc__arena arena;
	const char *machine;     /* "vmschkmachine" Name, or NULL           */
	struct vmc__vmsd_entry {
		const char *name;    /* vmsd name (Description.name)            */
		uint32_t version, minimum_version;
	} *vmsds;                /* sorted by name                           */
	size_t nvmsds;
	struct vmc__sub_entry {
		const char *vmsd;    /* top-level vmsd name                      */
		const char *sub;     /* a subsection it knows, at any depth      */
	} *subs;                 /* sorted by (vmsd, sub)                    */
	size_t nsubs;
};

/* The entry of a top-level vmsd name, or NULL. */
const struct vmc__vmsd_entry *vmc__vmstate_vmsd(const vmc_vmstate *v, const char *name);
/* 1 if top-level vmsd `vmsd` knows subsection `sub` (at any depth). */
int vmc__vmstate_knows(const vmc_vmstate *v, const char *vmsd, const char *sub);

#endif
