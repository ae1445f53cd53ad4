/*
 * report.c - findings, their order, the verdict, and the public getters.
 *
 * Stage: verdict (after the rules).  The verdict is derived, never stored:
 * any REFUTED finding makes the pair incompatible; otherwise any UNKNOWN
 * makes it unknown ("never guess"); otherwise it is compatible.
 */
#include "report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vmc__report_new(vmc_report **out, vmc_ctx *ctx, uint32_t flags)
{
	vmc_report *r = vmc__calloc(ctx, 1, sizeof(*r));

	if (!r)
		return VMC_ENOMEM;
	r->ctx = ctx;
	r->flags = flags;
	vmc__arena_init(&r->arena, ctx);
	*out = r;
	return VMC_OK;
}

void vmc_report_free(vmc_report *r)
{
	if (!r)
		return;
	vmc__arena_free(&r->arena);
	vmc__free(r->ctx, r->findings);
	vmc__free(r->ctx, r);
}

const char *vmc__report_printf(vmc_report *r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return vmc__arena_strndup(&r->arena, buf, strlen(buf));
}

static const char *dup(vmc_report *r, const char *s, int *oom)
{
	const char *d;

	if (!s)
		return NULL;
	d = vmc__arena_strndup(&r->arena, s, strlen(s));
	if (!d)
		*oom = 1;
	return d;
}

int vmc__report_add(vmc_report *r, const vmc__finding_spec *spec)
{
	struct vmc_finding *f;
	int oom = 0;

	if (spec->status == VMC_FINDING_PROVED && !(r->flags & VMC_CHECK_KEEP_PROVED))
		return VMC_OK;
	if (r->n == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 32;
		struct vmc_finding *p = vmc__reallocarray(r->ctx, r->findings, ncap, sizeof(*p));
		if (!p)
			return VMC_ENOMEM;
		r->findings = p;
		r->cap = ncap;
	}
	f = &r->findings[r->n];
	memset(f, 0, sizeof(*f));
	f->check = dup(r, spec->check, &oom);
	f->status = spec->status;
	f->subject = dup(r, spec->subject, &oom);
	f->has_range = spec->has_range;
	f->offset = spec->offset;
	f->length = spec->length;
	f->src_value = dup(r, spec->src_value, &oom);
	f->dst_value = dup(r, spec->dst_value, &oom);
	f->explanation = dup(r, spec->explanation, &oom);
	f->qemu_error = dup(r, spec->qemu_error, &oom);
	f->source = dup(r, spec->source, &oom);
	f->condition = dup(r, spec->condition, &oom);
	f->seq = r->n;
	if (oom)
		return VMC_ENOMEM;
	r->n++;
	return VMC_OK;
}

static int rank(uint32_t status)
{
	switch (status) {
	case VMC_FINDING_REFUTED:
		return 0;
	case VMC_FINDING_UNKNOWN:
		return 1;
	case VMC_FINDING_WARNING:
		return 2;
	default:
		return 3;
	}
}

static int compare(const void *a, const void *b)
{
	const struct vmc_finding *x = a, *y = b;
	int d = rank(x->status) - rank(y->status);

	if (d)
		return d;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void vmc__report_finish(vmc_report *r)
{
	if (r->n > 1) /* qsort's base must not be NULL, even for 0 elements */
		qsort(r->findings, r->n, sizeof(*r->findings), compare);
}

uint32_t vmc_report_verdict(const vmc_report *r)
{
	uint32_t v = VMC_VERDICT_COMPATIBLE;
	size_t i;

	if (!r)
		return VMC_VERDICT_UNKNOWN;
	for (i = 0; i < r->n; i++) {
		if (r->findings[i].status == VMC_FINDING_REFUTED)
			return VMC_VERDICT_INCOMPATIBLE;
		if (r->findings[i].status == VMC_FINDING_UNKNOWN)
			v = VMC_VERDICT_UNKNOWN;
	}
	return v;
}

const char *vmc_verdict_name(uint32_t verdict)
{
	switch (verdict) {
	case VMC_VERDICT_COMPATIBLE:
		return "compatible";
	case VMC_VERDICT_INCOMPATIBLE:
		return "incompatible";
	default:
		return "unknown";
	}
}

size_t vmc_report_finding_count(const vmc_report *r)
{
	return r ? r->n : 0;
}

const vmc_finding *vmc_report_finding(const vmc_report *r, size_t i)
{
	if (!r || i >= r->n)
		return NULL;
	return &r->findings[i];
}

const char *vmc_finding_check(const vmc_finding *f)
{
	return f ? f->check : NULL;
}

uint32_t vmc_finding_status(const vmc_finding *f)
{
	return f ? f->status : VMC_FINDING_UNKNOWN;
}

const char *vmc_finding_status_name(uint32_t status)
{
	switch (status) {
	case VMC_FINDING_REFUTED:
		return "refuted";
	case VMC_FINDING_PROVED:
		return "proved";
	case VMC_FINDING_WARNING:
		return "warning";
	default:
		return "unknown";
	}
}

const char *vmc_finding_subject(const vmc_finding *f)
{
	return f ? f->subject : NULL;
}

int vmc_finding_range(const vmc_finding *f, uint64_t *offset, uint64_t *length)
{
	if (!f || !f->has_range)
		return 0;
	if (offset)
		*offset = f->offset;
	if (length)
		*length = f->length;
	return 1;
}

const char *vmc_finding_source_value(const vmc_finding *f)
{
	return f ? f->src_value : NULL;
}

const char *vmc_finding_destination_value(const vmc_finding *f)
{
	return f ? f->dst_value : NULL;
}

const char *vmc_finding_explanation(const vmc_finding *f)
{
	return f ? f->explanation : NULL;
}

const char *vmc_finding_qemu_error(const vmc_finding *f)
{
	return f ? f->qemu_error : NULL;
}

const char *vmc_finding_source(const vmc_finding *f)
{
	return f ? f->source : NULL;
}

const char *vmc_finding_condition(const vmc_finding *f)
{
	return f ? f->condition : NULL;
}
