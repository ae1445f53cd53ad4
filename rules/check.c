/*
 * check.c - `check`: would a destination load this stream?
 *
 * Stage: rules.  Input: two decoded streams, the source (SRC) and the
 * destination's own saved stream (DST_REF), plus the rule data
 * (rules/checks.yaml, rules/ramblocks.yaml).  Output: a vmc_report with
 * every finding, not only the first one QEMU would hit.
 *
 * The rules mirror QEMU's load path, in its order (qemu_loadvm_state,
 * migration/savevm.c): configuration section, then each section looked up
 * by (idstr, instance) with its version, then each section's layout and
 * checked values; RAM blocks from the RAM section's block list.  Where the
 * destination's behaviour depends on something its saved stream cannot
 * show (its minimum_version_id, the subsections it knows, capabilities set
 * at migration time) the finding is UNKNOWN, never a guess.
 *
 * The PCI config rule is in rules/check_pci.c.
 */
#include "check.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int vmc__check_emit(vmc__checker *c, const char *id, uint32_t status, const char *subject,
		    const char *src, const char *dst, const char *detail)
{
	return vmc__check_emit_range(c, id, status, subject, src, dst, detail, 0, 0, 0);
}

/* One finding of rule id, its texts filled from rules/checks.yaml. */
static int emit(vmc_report *report, vmc_ctx *ctx, const vmc__catalog *cat, const char *id,
		uint32_t status, const char *subject, const char *src, const char *dst,
		const char *detail, int has_range, uint64_t offset, uint64_t length,
		const char *condition)
{
	const vmc__check_def *d = vmc__catalog_check(cat, id);
	char expl[1024], qerr[1024];
	vmc__finding_spec f;

	if (!d)
		return VMC_FAIL(ctx, VMC_ESCHEMA, VMC_NO_OFFSET,
				"expected rule '%s' in rules/checks.yaml, found none", id);
	memset(&f, 0, sizeof(f));
	f.check = id;
	f.status = status;
	f.subject = subject;
	f.src_value = src;
	f.dst_value = dst;
	f.has_range = has_range;
	f.offset = offset;
	f.length = length;
	f.source = d->source;
	f.condition = condition;
	f.explanation = vmc__template_fill(expl, sizeof(expl), d->explanation, subject, src, dst,
					   detail);
	if (d->qemu_error && (status == VMC_FINDING_REFUTED || status == VMC_FINDING_UNKNOWN))
		f.qemu_error = vmc__template_fill(qerr, sizeof(qerr), d->qemu_error, subject, src,
						  dst, detail);
	return vmc__report_add(report, &f);
}

int vmc__check_emit_range(vmc__checker *c, const char *id, uint32_t status, const char *subject,
			  const char *src, const char *dst, const char *detail, int has_range,
			  uint64_t offset, uint64_t length)
{
	return emit(c->report, c->ctx, c->cat, id, status, subject, src, dst, detail, has_range,
		    offset, length, NULL);
}

/* ---- configuration section (§3) -------------------------------------- */

static int check_configuration(vmc__checker *c)
{
	const vmc_stream *s = c->src, *d = c->dst;
	size_t i;

	if (!d->machine_type)
		return VMC_OK; /* destination expects none (machine types <= 2.3) */
	if (!s->machine_type)
		return vmc__check_emit(c, "config.missing", VMC_FINDING_REFUTED, "configuration",
				       NULL, d->machine_type, NULL);
	/* QEMU compares over the received length only (strncmp). */
	VMC_TRY(vmc__check_emit(c, "config.machine-type",
				strncmp(s->machine_type, d->machine_type, strlen(s->machine_type))
					? VMC_FINDING_REFUTED
					: VMC_FINDING_PROVED,
				"machine type", s->machine_type, d->machine_type, NULL));
	if (s->target_page_bits != d->target_page_bits) {
		char a[16], b[16];
		snprintf(a, sizeof(a), "%u", s->target_page_bits);
		snprintf(b, sizeof(b), "%u", d->target_page_bits);
		VMC_TRY(vmc__check_emit(c, "config.target-page-bits", VMC_FINDING_REFUTED,
					"target page bits", a, b, NULL));
	}
	for (i = 0; i < s->ncaps; i++)
		VMC_TRY(vmc__check_emit(c, "config.capabilities", VMC_FINDING_UNKNOWN, s->caps[i],
					"on", "set at migration time", NULL));
	if (s->has_uuid)
		VMC_TRY(vmc__check_emit(c, "config.uuid", VMC_FINDING_UNKNOWN, "uuid", "present",
					"set at migration time", NULL));
	return VMC_OK;
}

/* ---- sections and versions (§4.3, §5, §7.8) ------------------------- */

static const vmc_section *find_section(const vmc_stream *s, const vmc_section *like)
{
	size_t i;

	for (i = 0; i < s->nsections; i++)
		if (s->sections[i].instance_id == like->instance_id &&
		    s->sections[i].iterative == like->iterative &&
		    strcmp(s->sections[i].idstr, like->idstr) == 0)
			return &s->sections[i];
	return NULL;
}

/*
 * Bytes the destination's loader reads for a description's fields, leaving
 * out subsections (self-identifying, compared by name below) and
 * schema-decoded blobs (read by QEMU code, checked by check_virtio.c and
 * check_pci.c).  Names and the split into fields do not matter on the
 * wire: QEMU 10.0 describes globalstate's 100-byte runstate buffer as four
 * fields and 7.2 as one, and each loads the other's stream.
 */
static uint64_t field_bytes(const vmc_field *f)
{
	uint64_t n = 0;
	size_t i;

	if (f->expanded || f->kind == VMC_FIELD_SUBSECTION)
		return 0;
	if (!f->nchildren)
		return f->size;
	for (i = 0; i < f->nchildren; i++)
		n += field_bytes(&f->children[i]);
	return n;
}

/*
 * Every subsection of a (at any depth) that b, the destination's own
 * description, does not have: the destination did not send it, which does
 * not say whether it knows it.  Its vmstate table (-dump-vmstate) does.
 */
static int check_unsent(vmc__checker *c, const vmc_section *sec, const vmc_field *a,
			const vmc_field *b)
{
	size_t i;

	if (a->expanded)
		return VMC_OK;
	for (i = 0; i < a->nchildren; i++) {
		const vmc_field *x = &a->children[i];
		const vmc_field *y = !b                          ? NULL
				     : a->kind == VMC_FIELD_ARRAY ? (i < b->nchildren ? &b->children[i] : NULL)
								  : vmc_field_find(b, x->name);

		if (x->kind == VMC_FIELD_SUBSECTION && !y) {
			char inst[16];
			uint32_t status = VMC_FINDING_UNKNOWN;
			const char *dv = "not sent";

			if (c->dv && sec->vmsd_name && vmc__vmstate_vmsd(c->dv, sec->vmsd_name)) {
				int known = vmc__vmstate_knows(c->dv, sec->vmsd_name, x->name);
				status = known ? VMC_FINDING_PROVED : VMC_FINDING_REFUTED;
				dv = known ? "known (vmstate table)" : "unknown (vmstate table)";
			}
			snprintf(inst, sizeof(inst), "%x", sec->instance_id);
			VMC_TRY(vmc__check_emit(c, "section.subsection", status, sec->idstr, x->name,
						dv, inst));
			continue;
		}
		VMC_TRY(check_unsent(c, sec, x, y));
	}
	return VMC_OK;
}

/* 1 (and why) when the destination would read a different number of bytes
 * for the fields, here or in a subsection both sides have. */
static int layout_differs(const vmc_field *a, const vmc_field *b, char *why, size_t cap)
{
	uint64_t x = field_bytes(a), y = field_bytes(b);
	size_t i;

	if (x != y) {
		snprintf(why, cap, "the fields of '%s' are %" PRIu64 " bytes in the stream, %" PRIu64
				   " on the destination",
			 a->name, x, y);
		return 1;
	}
	for (i = 0; i < a->nchildren; i++) {
		const vmc_field *s = &a->children[i];
		const vmc_field *t = s->kind == VMC_FIELD_SUBSECTION ? vmc_field_find(b, s->name)
								     : NULL;
		if (t && layout_differs(s, t, why, cap))
			return 1;
	}
	return 0;
}

/* 1 if f or a descendant is loaded with a value check (_equal, int32 le).
 * Array elements share one shape, so the first element answers for all:
 * the 1024-entry queue arrays are then skipped in one step. */
static int has_checked_value(const vmc_field *f)
{
	size_t i;

	if (f->kind == VMC_FIELD_UINT || f->kind == VMC_FIELD_INT)
		return strstr(f->type, "equal") != NULL || strcmp(f->type, "int32 le") == 0;
	if (f->kind == VMC_FIELD_ARRAY)
		return f->nchildren && has_checked_value(&f->children[0]);
	for (i = 0; i < f->nchildren; i++)
		if (has_checked_value(&f->children[i]))
			return 1;
	return 0;
}

/* _equal and "int32 le" fields: the values the destination checks. */
static int check_values(vmc__checker *c, const vmc_section *sec, const vmc_field *a,
			const vmc_field *b)
{
	size_t i;

	if (a->kind == VMC_FIELD_UINT || a->kind == VMC_FIELD_INT) {
		char sv[32], dv[32], detail[300];
		int equal = strstr(a->type, "equal") != NULL;

		if (!equal && strcmp(a->type, "int32 le") != 0)
			return VMC_OK; /* most fields: nothing to compare */
		snprintf(detail, sizeof(detail), "'%s' of %s", a->name, sec->idstr);
		if (equal) {
			snprintf(sv, sizeof(sv), "%" PRIx64, a->kind == VMC_FIELD_INT ? (uint64_t)a->i : a->u);
			snprintf(dv, sizeof(dv), "%" PRIx64, b->kind == VMC_FIELD_INT ? (uint64_t)b->i : b->u);
			VMC_TRY(vmc__check_emit(c, "field.equal",
						strcmp(sv, dv) ? VMC_FINDING_REFUTED
							       : VMC_FINDING_PROVED,
						sec->idstr, sv, dv, detail));
		} else if (strcmp(a->type, "int32 le") == 0) {
			int refuted = a->i < 0 || a->i > b->i;
			snprintf(sv, sizeof(sv), "%" PRId64, a->i);
			snprintf(dv, sizeof(dv), "%" PRId64, b->i);
			VMC_TRY(vmc__check_emit(c, "field.positive-le",
						refuted ? VMC_FINDING_REFUTED : VMC_FINDING_PROVED,
						sec->idstr, sv, dv, detail));
		}
		return VMC_OK;
	}
	if (a->kind == VMC_FIELD_ARRAY && !has_checked_value(a))
		return VMC_OK;
	for (i = 0; i < a->nchildren; i++) {
		const vmc_field *bc = a->kind == VMC_FIELD_ARRAY
					      ? (i < b->nchildren ? &b->children[i] : NULL)
					      : vmc_field_find(b, a->children[i].name);
		if (bc)
			VMC_TRY(check_values(c, sec, &a->children[i], bc));
	}
	return VMC_OK;
}

static int check_section(vmc__checker *c, const vmc_section *sec)
{
	const vmc_section *dsec = find_section(c->dst, sec);
	char sv[32], dv[32], why[512];

	if (!dsec) {
		snprintf(sv, sizeof(sv), "%u", sec->instance_id);
		return vmc__check_emit(c, "section.unknown", VMC_FINDING_REFUTED, sec->idstr, sv,
				       "absent", NULL);
	}
	snprintf(sv, sizeof(sv), "%u", sec->version_id);
	snprintf(dv, sizeof(dv), "%u", dsec->version_id);
	if (sec->version_id > dsec->version_id)
		return vmc__check_emit(c, "section.version-too-new", VMC_FINDING_REFUTED,
				       sec->idstr, sv, dv, NULL);
	if (sec->version_id < dsec->version_id) {
		const struct vmc__vmsd_entry *e =
			sec->vmsd_name ? vmc__vmstate_vmsd(c->dv, sec->vmsd_name) : NULL;
		if (e) {
			snprintf(dv, sizeof(dv), "%u", e->minimum_version);
			VMC_TRY(vmc__check_emit(c, "section.version-too-old",
						sec->version_id < e->minimum_version
							? VMC_FINDING_REFUTED
							: VMC_FINDING_PROVED,
						sec->idstr, sv, dv, NULL));
		} else {
			VMC_TRY(vmc__check_emit(c, "section.version-too-old", VMC_FINDING_UNKNOWN,
						sec->idstr, sv, "unknown (not in the saved stream)",
						NULL));
		}
	}
	if (sec->iterative || !sec->fields || !dsec->fields)
		return VMC_OK;
	/* The destination reads with its own layout.  A difference may come
	 * from state (field_exists tests, variable arrays) rather than from the
	 * configuration, so it is not proof of rejection on its own. */
	VMC_TRY(check_unsent(c, sec, sec->fields, dsec->fields));
	if (layout_differs(sec->fields, dsec->fields, why, sizeof(why)))
		VMC_TRY(vmc__check_emit(c, "section.layout", VMC_FINDING_UNKNOWN, sec->idstr,
					NULL, NULL, why));
	else
		VMC_TRY(check_values(c, sec, sec->fields, dsec->fields));
	VMC_TRY(vmc__check_pci(c, sec, dsec));
	return vmc__check_virtio(c, sec, dsec);
}

static int check_sections(vmc__checker *c)
{
	size_t i;

	for (i = 0; i < c->src->nsections; i++)
		VMC_TRY(check_section(c, &c->src->sections[i]));
	for (i = 0; i < c->dst->nsections; i++) {
		const vmc_section *d = &c->dst->sections[i];
		if (!find_section(c->src, d))
			VMC_TRY(vmc__check_emit(c, "section.only-on-destination",
						VMC_FINDING_WARNING, d->idstr, "absent", "present",
						NULL));
	}
	return VMC_OK;
}

/* ---- RAM blocks (§9.3) ----------------------------------------------- */

static const vmc_ramblock *find_block(const vmc_stream *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nramblocks; i++)
		if (strcmp(s->ramblocks[i].name, name) == 0)
			return &s->ramblocks[i];
	return NULL;
}

static int check_ram(vmc__checker *c)
{
	size_t i;

	for (i = 0; i < c->src->nramblocks; i++) {
		const vmc_ramblock *b = &c->src->ramblocks[i];
		const vmc_ramblock *d = find_block(c->dst, b->name);
		const vmc__resizeable *rz;
		char sv[32], dv[32];

		if (!d) {
			VMC_TRY(vmc__check_emit(c, "ram.unknown-block", VMC_FINDING_REFUTED, b->name,
						"present", "absent", NULL));
			continue;
		}
		if (b->used_length == d->used_length)
			continue;
		snprintf(sv, sizeof(sv), "%" PRIx64, b->used_length);
		rz = vmc__catalog_resizeable(c->cat, b->name);
		if (!rz) {
			snprintf(dv, sizeof(dv), "%" PRIx64, d->used_length);
			VMC_TRY(vmc__check_emit(c, "ram.size-mismatch", VMC_FINDING_REFUTED, b->name,
						sv, dv, NULL));
		} else if (b->used_length > rz->max_length) {
			snprintf(dv, sizeof(dv), "%" PRIx64, rz->max_length);
			VMC_TRY(vmc__check_emit(c, "ram.size-too-large", VMC_FINDING_REFUTED,
						b->name, sv, dv, NULL));
		} else {
			VMC_TRY(vmc__check_emit(c, "ram.resizeable", VMC_FINDING_WARNING, b->name, sv,
						"within it", rz->source));
		}
	}
	for (i = 0; i < c->dst->nramblocks; i++) {
		const vmc_ramblock *d = &c->dst->ramblocks[i];
		if (!find_block(c->src, d->name))
			VMC_TRY(vmc__check_emit(c, "ram.only-on-destination", VMC_FINDING_WARNING,
						d->name, "absent", "present", NULL));
	}
	return VMC_OK;
}

/* ---- entry point ---------------------------------------------------------- */

int vmc__check_run(vmc_report *report, vmc_ctx *ctx, const vmc_stream *src,
		   const vmc_stream *dst, const vmc_vmstate *dv)
{
	vmc__checker c;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.src = src;
	c.dst = dst;
	c.dv = dv;
	c.report = report;
	VMC_TRY(vmc__catalog_get(&c.cat, ctx));
	VMC_TRY(check_configuration(&c));
	VMC_TRY(check_sections(&c));
	return check_ram(&c);
}

int vmc__check_emit_to(vmc_report *report, vmc_ctx *ctx, const char *id, uint32_t status,
		       const char *subject, const char *src, const char *dst, const char *detail,
		       const char *condition)
{
	const vmc__catalog *cat;

	VMC_TRY(vmc__catalog_get(&cat, ctx));
	return emit(report, ctx, cat, id, status, subject, src, dst, detail, 0, 0, 0, condition);
}

int vmc_check_streams(vmc_report **out, vmc_ctx *ctx, const vmc_stream *src,
		      const vmc_stream *dst, const vmc_check_options *opts)
{
	vmc_check_options o = VMC_CHECK_OPTIONS_INIT;
	vmc_report *r;
	int rc;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !src || !dst, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	if (opts) {
		VMC_FAIL_IF(opts->version != VMC_CHECK_OPTIONS_VERSION, ctx, VMC_EINVAL,
			    VMC_NO_OFFSET, "expected check options version %u, found %u",
			    VMC_CHECK_OPTIONS_VERSION, opts->version);
		o = *opts;
	}
	vmc_error_clear(ctx);
	VMC_TRY(vmc__report_new(&r, ctx, o.flags));
	rc = vmc__check_run(r, ctx, src, dst, o.dst_vmstate);
	if (rc < 0) {
		vmc_report_free(r);
		return rc;
	}
	vmc__report_finish(r);
	*out = r;
	return VMC_OK;
}
