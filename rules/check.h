/*
 * check.h - private: state shared by the check modules (check.c for the
 * stream, sections and RAM; check_pci.c and check_virtio.c for devices).
 */
#ifndef VMC_RULES_CHECK_H
#define VMC_RULES_CHECK_H

#include "../lib/stream.h"
#include "catalog.h"
#include "report.h"
#include "../parsers/vmstate_dump.h"

typedef struct vmc__checker {
	vmc_ctx *ctx;
	vmc_report *report;
	const vmc__catalog *cat; /* cached in the ctx */
	const vmc_stream *src; /* the stream to load               */
	const vmc_stream *dst; /* the destination's own saved stream */
	const vmc_vmstate *dv; /* the destination binary's vmstate table, or NULL */
} vmc__checker;

/* Add a finding for rule id (texts from rules/checks.yaml). */
int vmc__check_emit(vmc__checker *c, const char *id, uint32_t status, const char *subject,
		    const char *src, const char *dst, const char *detail);
int vmc__check_emit_range(vmc__checker *c, const char *id, uint32_t status, const char *subject,
			  const char *src, const char *dst, const char *detail, int has_range,
			  uint64_t offset, uint64_t length);

/* All the rules on a pair of streams, appending to report (not finished).
 * dv: the destination binary's vmstate table, or NULL. */
int vmc__check_run(vmc_report *report, vmc_ctx *ctx, const vmc_stream *src,
		   const vmc_stream *dst, const vmc_vmstate *dv);
/* Add a finding of rule id to a report outside a check run (prove). */
int vmc__check_emit_to(vmc_report *report, vmc_ctx *ctx, const char *id, uint32_t status,
		       const char *subject, const char *src, const char *dst, const char *detail,
		       const char *condition);

/* check_pci.c: the PCI config space rule for a section pair. */
int vmc__check_pci(vmc__checker *c, const vmc_section *src, const vmc_section *dst);

/* check_virtio.c: virtio rules on the decoded virtio blob of a pair. */
int vmc__check_virtio(vmc__checker *c, const vmc_section *src, const vmc_section *dst);

#endif
