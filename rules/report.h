/*
 * report.h - private: the findings of a check and the verdict they imply.
 *
 * A vmc_report owns its strings (arena), so it outlives the streams it was
 * made from.  Findings are added in stream order by the checks and sorted
 * once when the check completes (vmc__report_finish): refuted, unknown,
 * warning, proved; then the report is immutable and may be read from any
 * thread.
 */
#ifndef VMC_RULES_REPORT_H
#define VMC_RULES_REPORT_H

#include "../lib/ctx.h"

struct vmc_finding {
	const char *check;       /* rule id                                  */
	uint32_t status;         /* VMC_FINDING_*                            */
	const char *subject;     /* QEMU's name for the thing                */
	int has_range;
	uint64_t offset, length; /* byte range, when has_range               */
	const char *src_value;   /* text or NULL                             */
	const char *dst_value;
	const char *explanation;
	const char *qemu_error;  /* QEMU's message, or NULL                  */
	const char *source;      /* QEMU file/function the rule encodes      */
	const char *condition;   /* guest state it depends on, or NULL        */
	size_t seq;              /* insertion order                          */
};

struct vmc_report {
	vmc_ctx *ctx;
	vmc__arena arena;
	uint32_t flags;          /* VMC_CHECK_*                              */
	struct vmc_finding *findings;
	size_t n, cap;
	/* which QEMU each side is answered for (vmc_report_qemu), in arena */
	const char *qemu[2][VMC_QEMU_KEY_COUNT];
};

int vmc__report_new(vmc_report **out, vmc_ctx *ctx, uint32_t flags);

/* A finding being built: fill with vmc__finding_* then vmc__report_add. */
typedef struct vmc__finding_spec {
	const char *check;
	uint32_t status;
	const char *subject;
	int has_range;
	uint64_t offset, length;
	const char *src_value, *dst_value;
	const char *explanation;
	const char *qemu_error;
	const char *source;
	const char *condition;
} vmc__finding_spec;

/* Copy spec into the report (PROVED findings are dropped unless the report
 * keeps them).  VMC_OK or VMC_ENOMEM. */
int vmc__report_add(vmc_report *r, const vmc__finding_spec *spec);
/* Sort the findings into report order; call once, last. */
void vmc__report_finish(vmc_report *r);
/* printf into the report's arena (for values and messages). */
const char *vmc__report_printf(vmc_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
