/*
 * check_virtio.c - virtio rules of `check`, on the decoded virtio blob
 * (docs/virtio-blob.md names) of a source section and the destination's.
 *
 * Stage: rules.  Mirrors virtio_load (hw/virtio/virtio.c) and the virtio-pci
 * transport hooks virtio_pci_load_config / virtio_pci_load_queue
 * (hw/virtio/virtio-pci.c), QEMU 7.2:
 *   - PCI irq_state entries must be 0 or 1 (get_pci_irq_state);
 *   - the destination reads ITS OWN MSI-X table size, and a config or queue
 *     vector must be below its vector count (or 0xffff);
 *   - negotiated features must be a subset of the destination's host
 *     features, which a saved stream does not carry: UNKNOWN unless the
 *     guest negotiated nothing;
 *   - queue counts, ring sizes and device config length may differ: QEMU
 *     accepts them silently, so they are warnings (guest-visible).
 * The config space itself is check_pci.c's.
 */
#include "check.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NO_VECTOR 0xffffu

static const vmc_field *child(const vmc_field *f, const char *name)
{
	return vmc_field_find(f, name);
}

static const vmc_field *blob(const vmc_section *s)
{
	const vmc_field *v = s->fields ? child(s->fields, "virtio") : NULL;
	return v && v->expanded ? v : NULL;
}

static uint64_t msix_vectors(const vmc_field *v)
{
	const vmc_field *t = child(v, "msix_table");
	return t ? t->nchildren : 0;
}

static int vector_rule(vmc__checker *c, const vmc_section *sec, const char *what,
		       uint64_t vector, uint64_t dst_vectors)
{
	char sv[32], dv[32], detail[300];
	int bad = vector != NO_VECTOR && vector >= dst_vectors;

	if (!bad)
		return VMC_OK;
	snprintf(sv, sizeof(sv), "%" PRIu64, vector);
	snprintf(dv, sizeof(dv), "%" PRIu64, dst_vectors);
	snprintf(detail, sizeof(detail), "%s", what);
	return vmc__check_emit(c, "virtio.vector-range", VMC_FINDING_REFUTED, sec->idstr, sv, dv,
			       detail);
}

static int check_vectors(vmc__checker *c, const vmc_section *sec, const vmc_field *s,
			 const vmc_field *d)
{
	uint64_t ns = msix_vectors(s), nd = msix_vectors(d);
	const vmc_field *cv = child(s, "config_vector"), *vq = child(s, "vq");
	char sv[32], dv[32];
	size_t i;

	if (ns != nd) {
		snprintf(sv, sizeof(sv), "%" PRIu64, ns);
		snprintf(dv, sizeof(dv), "%" PRIu64, nd);
		VMC_TRY(vmc__check_emit(c, "virtio.msix-table-size", VMC_FINDING_REFUTED,
					sec->idstr, sv, dv, NULL));
	}
	if (!nd)
		return VMC_OK;
	if (cv)
		VMC_TRY(vector_rule(c, sec, "config_vector", cv->u, nd));
	for (i = 0; vq && i < vq->nchildren; i++) {
		const vmc_field *v = child(&vq->children[i], "vector");
		char what[32];
		snprintf(what, sizeof(what), "vq[%zu].vector", i);
		if (v)
			VMC_TRY(vector_rule(c, sec, what, v->u, nd));
	}
	return VMC_OK;
}

static int check_irq_state(vmc__checker *c, const vmc_section *sec, const vmc_field *s)
{
	const vmc_field *pci = child(s, "pci"), *irq = pci ? child(pci, "irq_state") : NULL;
	size_t i;

	for (i = 0; irq && i < irq->nchildren; i++) {
		char sv[32], detail[32];
		if (irq->children[i].u <= 1)
			continue;
		snprintf(sv, sizeof(sv), "%" PRIu64, irq->children[i].u);
		snprintf(detail, sizeof(detail), "%zu", i);
		VMC_TRY(vmc__check_emit(c, "virtio.irq-state", VMC_FINDING_REFUTED, sec->idstr, sv,
					"0 or 1", detail));
	}
	return VMC_OK;
}

/* Negotiated features: the 64-bit subsection when sent, else 32 bits. */
static uint64_t guest_features(const vmc_field *v)
{
	const vmc_field *sub = child(v, "virtio/64bit_features"), *f;

	if (sub && (f = child(sub, "guest_features")) != NULL)
		return f->u;
	f = child(v, "guest_features");
	return f ? f->u : 0;
}

static int check_features(vmc__checker *c, const vmc_section *sec, const vmc_field *s)
{
	uint64_t g = guest_features(s);
	char sv[32];

	snprintf(sv, sizeof(sv), "%" PRIx64, g);
	/* virtio_set_features_nocheck accepts any subset of host_features;
	 * with nothing negotiated the check cannot fail. */
	return vmc__check_emit(c, "virtio.features",
			       g ? VMC_FINDING_UNKNOWN : VMC_FINDING_PROVED, sec->idstr, sv,
			       "not in a saved stream", NULL);
}

static int check_guest_visible(vmc__checker *c, const vmc_section *sec, const vmc_field *s,
			       const vmc_field *d)
{
	const vmc_field *qs = child(s, "vq"), *qd = child(d, "vq");
	const vmc_field *ls = child(s, "config_len"), *ld = child(d, "config_len");
	size_t ns = qs ? qs->nchildren : 0, nd = qd ? qd->nchildren : 0, i;
	char sv[32], dv[32], detail[64];

	/* a model (prove) without recorded queues has no "vq": nothing to
	 * compare */
	if (qs && qd && ns != nd) {
		snprintf(sv, sizeof(sv), "%zu", ns);
		snprintf(dv, sizeof(dv), "%zu", nd);
		VMC_TRY(vmc__check_emit(c, "virtio.queue-count", VMC_FINDING_WARNING, sec->idstr,
					sv, dv, NULL));
	}
	for (i = 0; i < ns && i < nd; i++) {
		const vmc_field *a = child(&qs->children[i], "num");
		const vmc_field *b = child(&qd->children[i], "num");
		if (!a || !b || a->u == b->u)
			continue;
		snprintf(sv, sizeof(sv), "%" PRIu64, a->u);
		snprintf(dv, sizeof(dv), "%" PRIu64, b->u);
		snprintf(detail, sizeof(detail), "%zu", i);
		VMC_TRY(vmc__check_emit(c, "virtio.ring-size", VMC_FINDING_WARNING, sec->idstr, sv,
					dv, detail));
	}
	if (ls && ld && ls->u != ld->u) {
		snprintf(sv, sizeof(sv), "%" PRIu64, ls->u);
		snprintf(dv, sizeof(dv), "%" PRIu64, ld->u);
		VMC_TRY(vmc__check_emit(c, "virtio.config-len", VMC_FINDING_WARNING, sec->idstr, sv,
					dv, NULL));
	}
	return VMC_OK;
}

int vmc__check_virtio(vmc__checker *c, const vmc_section *src, const vmc_section *dst)
{
	const vmc_field *s = blob(src), *d = blob(dst);

	if (!s || !d)
		return VMC_OK;
	VMC_TRY(check_irq_state(c, src, s));
	VMC_TRY(check_vectors(c, src, s, d));
	VMC_TRY(check_features(c, src, s));
	return check_guest_visible(c, src, s, d);
}
