/*
 * virtio_facts.c - derived facts for virtio-pci device sections.
 *
 * Stage: facts (after vmstate decode, before rules/verdicts).  Called once
 * per FULL section by parsers/framing.c (vmc__virtio_facts_compute).
 * Input: the section's vmsd name, its decoded field tree and body bytes,
 * and rules/virtio-families.yaml (embedded at build time, lib/data.h).
 * Output: sec->facts, a tree rooted at a STRUCT named "virtio"
 * (docs/decode-json.md "facts", docs/pci-config.md).
 *
 * What is derived, and from what:
 *  - the family: the section's vmsd name (e.g. virtio-console) in the rules;
 *  - the PCI identity, BARs and capabilities: the config space at offset 4
 *    of the blob (vmc__pci_config_decode);
 *  - the mode (legacy / transitional / modern-only): the first rules
 *    `modes` entry whose conditions (device ID, revision, I/O BAR0, virtio
 *    vendor capabilities) the config meets;
 *  - qom_types: the rules `qom_types` entries of that mode (and of this
 *    config's PCI Express-ness), with the family's QOM names filled in;
 *  - MSI-X, config_vector, status, isr, queue_sel, guest_features (low 32
 *    bits), config_len and the queues: items 1-12 of the blob, whose
 *    layout is fixed by the transport (virtio_save, hw/virtio/virtio.c;
 *    virtio_pci_save_config / _save_queue, hw/virtio/virtio-pci.c;
 *    stream-format.md §10.2):
 *
 *      OFFSET        SIZE        FIELD
 *      0             4           be32 PCIDevice version_id (2)
 *      4             C           config space, C = 256 or 4096
 *      4+C           16          irq_state: 4 x be32, each 0 or 1
 *      20+C          16 n        MSI-X table (n = MSI-X table size; 0 if none)
 *      ..            ceil(n/8)   MSI-X PBA
 *      ..            2           be16 config_vector (only with MSI-X)
 *      ..            1           status
 *      ..            1           isr
 *      ..            2           be16 queue_sel
 *      ..            4           be32 guest_features, bits 0-31
 *      ..            4           be32 config_len L
 *      ..            L           device config
 *      ..            4           be32 number of queues Q
 *      ..            Q x 14(+2)  be32 num, be64 desc, be16 last_avail_idx
 *                                (+ be16 vector with MSI-X)
 *      ..            ...         device part, then the "virtio" subsections
 *
 *    C is 4096 exactly when the device is PCI Express, which for a
 *    virtio-pci function shows as a PCI Express capability in the first
 *    256 bytes (virtio_pci_realize adds it exactly then);
 *  - subsections and the 64-bit guest features: the decoded tree, when the
 *    "virtio" field has been expanded (docs/virtio-blob.md); otherwise a
 *    note says they are not available.
 *
 * Invariants: never reads outside body[0..len); a blob that ends early, or
 * a config whose capability list is malformed, gives facts with an error
 * string, never a failure.  Only ENOMEM / ELIMIT (and ESCHEMA for broken
 * built-in rules) fail.  No strcmp on device names: every device-specific
 * value comes from the rules.
 */
#include "virtio_facts.h"

#include "../lib/data.h"
#include "../parsers/yaml.h"
#include "pci_config.h"

#include <stdio.h>
#include <string.h>

/* ---- rules ---------------------------------------------------------------- */

typedef struct family {
	const char *name;
	const char *vmsd;
	uint32_t virtio_id;
	int has_legacy_id;
	uint32_t legacy_device_id;
	uint32_t class_code;
	int legacy_allowed;
	const char *qom[3]; /* generic, transitional, non-transitional (or NULL) */
} family;

static const char *const qom_keys[3] = {"generic", "transitional", "non-transitional"};

#define DEV_ANY 0
#define DEV_LEGACY 1
#define DEV_MODERN 2

typedef struct mode_rule {
	const char *name;
	int device_id;       /* DEV_*                              */
	int has_revision_min;
	uint64_t revision_min;
	int io_bar0;         /* -1 = either                        */
	int virtio_caps;     /* -1 = either                        */
} mode_rule;

typedef struct qom_rule {
	const char *mode;
	int express;         /* -1 = either                        */
	const char *type;    /* template                           */
} qom_rule;

typedef struct bitname {
	uint64_t bit;
	const char *name;
} bitname;

struct vmc__virtio_rules {
	const char *section_prefix;
	uint64_t vendor_id, subsystem_vendor_id, modern_subsystem_id;
	uint64_t legacy_ids[2], modern_ids[2], modern_base;
	uint64_t pcidevice_version;
	family *families;
	size_t nfamilies;
	mode_rule *modes;
	size_t nmodes;
	qom_rule *qom;
	size_t nqom;
	bitname *status;
	size_t nstatus;
	bitname *features;
	size_t nfeatures;
	const char *features64_subsection;
};

static int seq(vmc_ctx *ctx, const vmc__ynode *map, const char *key, const vmc__ynode **out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	if (!n)
		return vmc__yaml_fail(ctx, map, "expected key '%s', found none", key);
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SEQ, key));
	*out = n;
	return VMC_OK;
}

static int range2(vmc_ctx *ctx, const vmc__ynode *map, const char *key, uint64_t out[2])
{
	const vmc__ynode *n;

	VMC_TRY(seq(ctx, map, key, &n));
	if (n->len != 2)
		return vmc__yaml_fail(ctx, n, "expected '%s' to be [low, high], found %zu items",
				      key, n->len);
	VMC_TRY(vmc__yaml_scalar_u64(ctx, n->items[0], &out[0]));
	VMC_TRY(vmc__yaml_scalar_u64(ctx, n->items[1], &out[1]));
	if (out[0] > out[1] || out[1] > 0xffff)
		return vmc__yaml_fail(ctx, n, "expected '%s' to be a range of device IDs", key);
	return VMC_OK;
}

static int load_bitnames(vmc_ctx *ctx, vmc__arena *a, const vmc__ynode *root, const char *key,
			 uint64_t max_bit, bitname **out, size_t *n_out)
{
	static const char *const keys[] = {"bit", "name", "source", NULL};
	const vmc__ynode *s;
	bitname *v;
	size_t i;

	VMC_TRY(seq(ctx, root, key, &s));
	v = vmc__arena_alloc(a, (s->len ? s->len : 1) * sizeof(*v));
	if (!v)
		return VMC_ENOMEM;
	for (i = 0; i < s->len; i++) {
		VMC_TRY(vmc__yaml_check_keys(ctx, s->items[i], keys));
		VMC_TRY(vmc__yaml_u64(ctx, s->items[i], "bit", 1, &v[i].bit));
		VMC_TRY(vmc__yaml_str(ctx, s->items[i], "name", 1, &v[i].name));
		if (v[i].bit > max_bit)
			return vmc__yaml_fail(ctx, s->items[i], "expected bit <= %llu, found %llu",
					      (unsigned long long)max_bit,
					      (unsigned long long)v[i].bit);
	}
	*out = v;
	*n_out = s->len;
	return VMC_OK;
}

static int load_families(vmc_ctx *ctx, vmc__arena *a, const vmc__ynode *root,
			 vmc__virtio_rules *r)
{
	static const char *const keys[] = {"name", "vmsd", "virtio_id", "legacy_device_id",
					   "class", "legacy_allowed", "qom", "source", NULL};
	static const char *const qkeys[] = {"generic", "transitional", "non-transitional", NULL};
	const vmc__ynode *s;
	size_t i, j, k;

	VMC_TRY(seq(ctx, root, "families", &s));
	r->families = vmc__arena_alloc(a, (s->len ? s->len : 1) * sizeof(family));
	if (!r->families)
		return VMC_ENOMEM;
	for (i = 0; i < s->len; i++) {
		const vmc__ynode *e = s->items[i], *q;
		family *f = &r->families[i];
		uint64_t v;
		const char *src;

		VMC_TRY(vmc__yaml_check_keys(ctx, e, keys));
		VMC_TRY(vmc__yaml_str(ctx, e, "name", 1, &f->name));
		VMC_TRY(vmc__yaml_str(ctx, e, "vmsd", 1, &f->vmsd));
		VMC_TRY(vmc__yaml_str(ctx, e, "source", 1, &src));
		VMC_TRY(vmc__yaml_u64(ctx, e, "virtio_id", 1, &v));
		if (v == 0 || v > r->modern_ids[1] - r->modern_base)
			return vmc__yaml_fail(ctx, e, "expected virtio_id 1..%llu, found %llu",
					      (unsigned long long)(r->modern_ids[1] - r->modern_base),
					      (unsigned long long)v);
		f->virtio_id = (uint32_t)v;
		f->has_legacy_id = vmc__yaml_u64(ctx, e, "legacy_device_id", 0, &v);
		VMC_TRY(f->has_legacy_id);
		if (f->has_legacy_id) {
			if (v < r->legacy_ids[0] || v > r->legacy_ids[1])
				return vmc__yaml_fail(ctx, e,
						      "expected legacy_device_id in the legacy range, "
						      "found 0x%llx",
						      (unsigned long long)v);
			f->legacy_device_id = (uint32_t)v;
		}
		VMC_TRY(vmc__yaml_u64(ctx, e, "class", 1, &v));
		if (v > 0xffffff)
			return vmc__yaml_fail(ctx, e, "expected a 24-bit class code, found 0x%llx",
					      (unsigned long long)v);
		f->class_code = (uint32_t)v;
		VMC_TRY(vmc__yaml_bool(ctx, e, "legacy_allowed", 1, &f->legacy_allowed));
		q = vmc__yaml_get(e, "qom");
		if (!q)
			return vmc__yaml_fail(ctx, e, "expected key 'qom', found none");
		VMC_TRY(vmc__yaml_check_keys(ctx, q, qkeys));
		for (k = 0; k < 3; k++)
			VMC_TRY(vmc__yaml_str(ctx, q, qom_keys[k], k == 0, &f->qom[k]));
		for (j = 0; j < i; j++)
			if (strcmp(r->families[j].vmsd, f->vmsd) == 0 ||
			    strcmp(r->families[j].name, f->name) == 0)
				return vmc__yaml_fail(ctx, e, "expected a unique family, found '%s' "
							      "(vmsd '%s') twice",
						      f->name, f->vmsd);
	}
	r->nfamilies = s->len;
	return VMC_OK;
}

static int tristate(vmc_ctx *ctx, const vmc__ynode *e, const char *key, int *out)
{
	int v = -1, rc = vmc__yaml_bool(ctx, e, key, 0, &v);

	VMC_TRY(rc);
	*out = rc ? v : -1;
	return VMC_OK;
}

static int load_modes(vmc_ctx *ctx, vmc__arena *a, const vmc__ynode *root, vmc__virtio_rules *r)
{
	static const char *const keys[] = {"name",        "device_id",   "revision_min",
					   "io_bar0",     "virtio_caps", "source", NULL};
	const vmc__ynode *s;
	size_t i;

	VMC_TRY(seq(ctx, root, "modes", &s));
	r->modes = vmc__arena_alloc(a, (s->len ? s->len : 1) * sizeof(mode_rule));
	if (!r->modes)
		return VMC_ENOMEM;
	for (i = 0; i < s->len; i++) {
		const vmc__ynode *e = s->items[i];
		mode_rule *m = &r->modes[i];
		const char *dev = "any", *src;
		int rc;

		VMC_TRY(vmc__yaml_check_keys(ctx, e, keys));
		VMC_TRY(vmc__yaml_str(ctx, e, "name", 1, &m->name));
		VMC_TRY(vmc__yaml_str(ctx, e, "source", 1, &src));
		VMC_TRY(vmc__yaml_str(ctx, e, "device_id", 0, &dev));
		if (strcmp(dev, "legacy") == 0)
			m->device_id = DEV_LEGACY;
		else if (strcmp(dev, "modern") == 0)
			m->device_id = DEV_MODERN;
		else if (strcmp(dev, "any") == 0)
			m->device_id = DEV_ANY;
		else
			return vmc__yaml_fail(ctx, e,
					      "expected device_id legacy, modern or any, found '%s'",
					      dev);
		rc = vmc__yaml_u64(ctx, e, "revision_min", 0, &m->revision_min);
		VMC_TRY(rc);
		m->has_revision_min = rc;
		VMC_TRY(tristate(ctx, e, "io_bar0", &m->io_bar0));
		VMC_TRY(tristate(ctx, e, "virtio_caps", &m->virtio_caps));
	}
	r->nmodes = s->len;
	return VMC_OK;
}

static int load_qom(vmc_ctx *ctx, vmc__arena *a, const vmc__ynode *root, vmc__virtio_rules *r)
{
	static const char *const keys[] = {"mode", "express", "type", "source", NULL};
	const vmc__ynode *s;
	size_t i, j;

	VMC_TRY(seq(ctx, root, "qom_types", &s));
	r->qom = vmc__arena_alloc(a, (s->len ? s->len : 1) * sizeof(qom_rule));
	if (!r->qom)
		return VMC_ENOMEM;
	for (i = 0; i < s->len; i++) {
		const vmc__ynode *e = s->items[i];
		qom_rule *q = &r->qom[i];
		const char *src, *open;
		int known = 0;

		VMC_TRY(vmc__yaml_check_keys(ctx, e, keys));
		VMC_TRY(vmc__yaml_str(ctx, e, "mode", 1, &q->mode));
		VMC_TRY(vmc__yaml_str(ctx, e, "type", 1, &q->type));
		VMC_TRY(vmc__yaml_str(ctx, e, "source", 1, &src));
		VMC_TRY(tristate(ctx, e, "express", &q->express));
		for (j = 0; j < r->nmodes; j++)
			known |= strcmp(r->modes[j].name, q->mode) == 0;
		if (!known)
			return vmc__yaml_fail(ctx, e, "expected a mode listed under 'modes', found '%s'",
					      q->mode);
		/* At most one {placeholder}, naming a qom key. */
		open = strchr(q->type, '{');
		if (open) {
			const char *close = strchr(open, '}');
			int ok = 0;
			size_t k;

			for (k = 0; close && k < 3; k++)
				ok |= strlen(qom_keys[k]) == (size_t)(close - open - 1) &&
				      strncmp(open + 1, qom_keys[k], (size_t)(close - open - 1)) == 0;
			if (!ok || strchr(close, '{'))
				return vmc__yaml_fail(ctx, e,
						      "expected one {generic}, {transitional} or "
						      "{non-transitional} in type, found '%s'",
						      q->type);
		}
	}
	r->nqom = s->len;
	return VMC_OK;
}

int vmc__virtio_rules_load(const vmc__virtio_rules **out, vmc__arena *arena, const char *name,
			   const uint8_t *data, size_t len)
{
	static const char *const keys[] = {"source",   "section_prefix", "transport",
					   "families", "modes",          "qom_types",
					   "status_flags", "features",   "features64_subsection",
					   NULL};
	static const char *const tkeys[] = {"vendor_id",          "subsystem_vendor_id",
					    "modern_subsystem_id", "legacy_device_ids",
					    "modern_device_id_base", "modern_device_ids",
					    "pcidevice_version",  "source", NULL};
	vmc_ctx *ctx = arena->ctx;
	const vmc__ynode *root, *t;
	vmc__virtio_rules *r;
	const char *src;

	VMC_TRY(vmc__yaml_parse(&root, arena, name, data, len));
	VMC_TRY(vmc__yaml_check_keys(ctx, root, keys));
	r = vmc__arena_alloc(arena, sizeof(*r));
	if (!r)
		return VMC_ENOMEM;
	VMC_TRY(vmc__yaml_str(ctx, root, "source", 1, &src));
	VMC_TRY(vmc__yaml_str(ctx, root, "section_prefix", 1, &r->section_prefix));
	VMC_TRY(vmc__yaml_str(ctx, root, "features64_subsection", 1, &r->features64_subsection));
	t = vmc__yaml_get(root, "transport");
	if (!t)
		return vmc__yaml_fail(ctx, root, "expected key 'transport', found none");
	VMC_TRY(vmc__yaml_check_keys(ctx, t, tkeys));
	VMC_TRY(vmc__yaml_str(ctx, t, "source", 1, &src));
	VMC_TRY(vmc__yaml_u64(ctx, t, "vendor_id", 1, &r->vendor_id));
	VMC_TRY(vmc__yaml_u64(ctx, t, "subsystem_vendor_id", 1, &r->subsystem_vendor_id));
	VMC_TRY(vmc__yaml_u64(ctx, t, "modern_subsystem_id", 1, &r->modern_subsystem_id));
	VMC_TRY(vmc__yaml_u64(ctx, t, "modern_device_id_base", 1, &r->modern_base));
	VMC_TRY(vmc__yaml_u64(ctx, t, "pcidevice_version", 1, &r->pcidevice_version));
	VMC_TRY(range2(ctx, t, "legacy_device_ids", r->legacy_ids));
	VMC_TRY(range2(ctx, t, "modern_device_ids", r->modern_ids));
	if (r->modern_base != r->modern_ids[0])
		return vmc__yaml_fail(ctx, t, "expected modern_device_id_base to start "
					      "modern_device_ids");
	VMC_TRY(load_families(ctx, arena, root, r));
	VMC_TRY(load_modes(ctx, arena, root, r));
	VMC_TRY(load_qom(ctx, arena, root, r));
	VMC_TRY(load_bitnames(ctx, arena, root, "status_flags", 0x80, &r->status, &r->nstatus));
	VMC_TRY(load_bitnames(ctx, arena, root, "features", 63, &r->features, &r->nfeatures));
	*out = r;
	return VMC_OK;
}

/* ---- facts tree builder ----------------------------------------------------- */

/*
 * Facts are built as a linked tree in a scratch arena (children are not
 * known in advance), then frozen into vmc_field nodes with contiguous
 * children in the stream's arena.
 */
typedef struct fnode fnode;
struct fnode {
	const char *name;
	uint32_t kind;         /* VMC_FIELD_STRUCT / ARRAY / UINT / BOOL / STRING */
	uint64_t u;
	const char *str;
	fnode *first, *last, *next;
	size_t n;
};

typedef struct builder {
	vmc__arena *tmp;       /* scratch: fnodes, formatted strings       */
	int oom;               /* an allocation failed (recorded)          */
} builder;

static fnode *add(builder *b, fnode *parent, const char *name, uint32_t kind)
{
	fnode *n;

	if (b->oom)
		return NULL;
	n = vmc__arena_alloc(b->tmp, sizeof(*n));
	if (!n) {
		b->oom = 1;
		return NULL;
	}
	n->name = name;
	n->kind = kind;
	if (parent) {
		if (parent->last)
			parent->last->next = n;
		else
			parent->first = n;
		parent->last = n;
		parent->n++;
	}
	return n;
}

static void add_uint(builder *b, fnode *p, const char *name, uint64_t v)
{
	fnode *n = add(b, p, name, VMC_FIELD_UINT);
	if (n)
		n->u = v;
}

static void add_bool(builder *b, fnode *p, const char *name, int v)
{
	fnode *n = add(b, p, name, VMC_FIELD_BOOL);
	if (n)
		n->u = v != 0;
}

static void add_str(builder *b, fnode *p, const char *name, const char *s)
{
	fnode *n = add(b, p, name, VMC_FIELD_STRING);
	if (n)
		n->str = s;
}

static void add_fmt(builder *b, fnode *p, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_fmt(builder *b, fnode *p, const char *name, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(buf))
		n = (int)sizeof(buf) - 1;
	{
		char *s = b->oom ? NULL : vmc__arena_strndup(b->tmp, buf, (size_t)n);
		if (!s)
			b->oom = 1;
		else
			add_str(b, p, name, s);
	}
}

static int freeze(vmc_field *dst, const fnode *src, vmc__arena *arena, uint32_t *budget)
{
	const fnode *c;
	size_t i;

	dst->name = vmc__arena_strndup(arena, src->name, strlen(src->name));
	if (!dst->name)
		return VMC_ENOMEM;
	dst->kind = src->kind;
	dst->u = src->u;
	switch (src->kind) {
	case VMC_FIELD_STRUCT:
		dst->type = "facts";
		break;
	case VMC_FIELD_ARRAY:
		dst->type = "list";
		break;
	case VMC_FIELD_BOOL:
		dst->type = "bool";
		break;
	case VMC_FIELD_STRING:
		dst->type = "string";
		dst->str = vmc__arena_strndup(arena, src->str, strlen(src->str));
		if (!dst->str)
			return VMC_ENOMEM;
		break;
	default:
		dst->type = "uint64";
		break;
	}
	if (!src->n)
		return VMC_OK;
	dst->children = vmc__fields_alloc(arena, src->n, budget);
	if (!dst->children)
		return arena->ctx->err.code ? arena->ctx->err.code : VMC_ENOMEM;
	dst->nchildren = src->n;
	for (c = src->first, i = 0; c; c = c->next, i++)
		VMC_TRY(freeze(&dst->children[i], c, arena, budget));
	return VMC_OK;
}

/* ---- the blob, items 1-12 ---------------------------------------------------- */

typedef struct vq {
	uint32_t num;
	uint64_t desc;
	uint16_t last_avail_idx;
	uint16_t vector;
} vq;

typedef struct blob {
	const uint8_t *p;
	size_t len, pos;
	char error[200];       /* "" while everything parsed          */
	uint32_t pci_version;
	const uint8_t *cfg;
	size_t cfg_len;
	uint32_t irq_state[4];
	uint32_t msix_n;       /* MSI-X table size (0: no MSI-X)      */
	int has_core;          /* items 5-12 parsed                   */
	uint16_t config_vector;
	uint8_t status, isr;
	uint16_t queue_sel;
	uint32_t features_lo, config_len, nqueues;
	vq *queues;
} blob;

static int take(blob *b, size_t n, const char *what, const uint8_t **out)
{
	if (b->error[0])
		return 0;
	if (n > b->len - b->pos) {
		snprintf(b->error, sizeof(b->error),
			 "the virtio blob ends at byte %zu, inside %s (%zu bytes needed at %zu)",
			 b->len, what, n, b->pos);
		return 0;
	}
	*out = b->p + b->pos;
	b->pos += n;
	return 1;
}

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static int get(blob *b, size_t n, const char *what, uint64_t *v)
{
	const uint8_t *q;

	if (!take(b, n, what, &q))
		return 0;
	*v = be(q, n);
	return 1;
}

static int parse_blob(blob *b, const vmc__virtio_rules *r, const vmc__pci_config *pc,
		      vmc__arena *tmp, uint32_t max_queues)
{
	const uint8_t *q;
	uint64_t v;
	size_t i;

	/* Items 1b-4: irq_state, MSI-X table and PBA, config_vector. */
	for (i = 0; i < 4; i++) {
		if (!get(b, 4, "PCIDevice irq_state", &v))
			return VMC_OK;
		b->irq_state[i] = (uint32_t)v;
		if (v > 1) {
			snprintf(b->error, sizeof(b->error),
				 "irq_state[%zu] is %llu (must be 0 or 1): the config space "
				 "size (%zu) is probably wrong",
				 i, (unsigned long long)v, b->cfg_len);
			return VMC_OK;
		}
	}
	if (b->msix_n) {
		if (!take(b, (size_t)b->msix_n * 16, "the MSI-X table", &q) ||
		    !take(b, (b->msix_n + 7) / 8, "the MSI-X PBA", &q) ||
		    !get(b, 2, "config_vector", &v))
			return VMC_OK;
		b->config_vector = (uint16_t)v;
	}
	/* Items 5-12 (virtio_save). */
	if (!get(b, 1, "status", &v))
		return VMC_OK;
	b->status = (uint8_t)v;
	if (!get(b, 1, "isr", &v))
		return VMC_OK;
	b->isr = (uint8_t)v;
	if (!get(b, 2, "queue_sel", &v))
		return VMC_OK;
	b->queue_sel = (uint16_t)v;
	if (!get(b, 4, "guest_features", &v))
		return VMC_OK;
	b->features_lo = (uint32_t)v;
	if (!get(b, 4, "config_len", &v) || !take(b, (size_t)v, "the device config", &q))
		return VMC_OK;
	b->config_len = (uint32_t)v;
	if (!get(b, 4, "the number of queues", &v))
		return VMC_OK;
	if (v > max_queues) {
		snprintf(b->error, sizeof(b->error),
			 "%llu queues: more than max_queues (%u); queues not listed",
			 (unsigned long long)v, max_queues);
		return VMC_OK;
	}
	b->queues = vmc__arena_alloc(tmp, (v ? (size_t)v : 1) * sizeof(vq));
	if (!b->queues)
		return VMC_ENOMEM;
	for (i = 0; i < v; i++) {
		vq *e = &b->queues[i];
		uint64_t num, desc, idx, vec = 0xffff;

		if (!get(b, 4, "vring.num", &num) || !get(b, 8, "vring.desc", &desc) ||
		    !get(b, 2, "last_avail_idx", &idx) ||
		    (b->msix_n && !get(b, 2, "the queue vector", &vec)))
			break;
		e->num = (uint32_t)num;
		e->desc = desc;
		e->last_avail_idx = (uint16_t)idx;
		e->vector = (uint16_t)vec;
		b->nqueues = (uint32_t)(i + 1);
	}
	b->has_core = 1;
	(void)r;
	return VMC_OK;
}

/* ---- facts ------------------------------------------------------------------- */

typedef struct facts_in {
	const vmc__virtio_rules *r;
	const family *fam;
	const char *name;
	const vmc_field *virtio;   /* the "virtio" field, or NULL      */
} facts_in;

static const family *family_by_vmsd(const vmc__virtio_rules *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfamilies; i++)
		if (strcmp(r->families[i].vmsd, name) == 0)
			return &r->families[i];
	return NULL;
}

static const family *family_by_device_id(const vmc__virtio_rules *r, uint32_t id)
{
	size_t i;

	for (i = 0; i < r->nfamilies; i++) {
		const family *f = &r->families[i];
		if ((f->has_legacy_id && f->legacy_device_id == id) ||
		    r->modern_base + f->virtio_id == id)
			return f;
	}
	return NULL;
}

static uint64_t pow2ceil(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p)
		p <<= 1;
	return p;
}

/* The decoded body of a capability, as a child struct named after its
 * kind ("msix", "virtio", "pcie", "pm"). */
static void cap_body(builder *b, fnode *parent, const vmc__pci_cap *c)
{
	static const char *const kinds[] = {"", "msix", "virtio", "pcie", "pm", ""};
	fnode *o;

	if (c->body == VMC_PCI_BODY_SHORT) {
		add_str(b, parent, "error", "the capability runs past the end of the config header");
		return;
	}
	if (c->body == VMC_PCI_BODY_NONE || c->body >= sizeof(kinds) / sizeof(kinds[0]))
		return;
	o = add(b, parent, kinds[c->body], VMC_FIELD_STRUCT);
	switch (c->body) {
	case VMC_PCI_BODY_MSIX: {
		const vmc__pci_msix *m = &c->u.msix;
		add_uint(b, o, "table_size", m->table_size);
		add_uint(b, o, "table_bar", m->table_bar);
		add_uint(b, o, "table_offset", m->table_offset);
		add_uint(b, o, "pba_bar", m->pba_bar);
		add_uint(b, o, "pba_offset", m->pba_offset);
		add_bool(b, o, "enabled", m->enabled);
		add_bool(b, o, "function_mask", m->function_mask);
		break;
	}
	case VMC_PCI_BODY_VIRTIO: {
		const vmc__pci_virtio_cap *v = &c->u.virtio;
		add_uint(b, o, "cap_len", v->cap_len);
		add_uint(b, o, "cfg_type", v->cfg_type);
		add_str(b, o, "cfg_type_name", vmc__pci_virtio_cfg_type_name(v->cfg_type));
		add_uint(b, o, "bar", v->bar);
		add_uint(b, o, "offset", v->offset);
		add_uint(b, o, "length", v->length);
		if (v->has_multiplier)
			add_uint(b, o, "notify_off_multiplier", v->notify_off_multiplier);
		break;
	}
	case VMC_PCI_BODY_PCIE: {
		const vmc__pci_pcie *e = &c->u.pcie;
		add_uint(b, o, "version", e->version);
		add_uint(b, o, "port_type", e->port_type);
		add_str(b, o, "port_type_name", vmc__pci_port_type_name(e->port_type));
		add_bool(b, o, "slot_implemented", e->slot);
		add_uint(b, o, "devcap", e->devcap);
		add_uint(b, o, "max_payload", 128u << e->max_payload);
		add_bool(b, o, "flr", e->flr);
		add_uint(b, o, "devctl", e->devctl);
		add_uint(b, o, "devsta", e->devsta);
		add_uint(b, o, "lnkcap", e->lnkcap);
		add_uint(b, o, "link_max_speed", e->lnkcap & 0xfu);
		add_uint(b, o, "link_max_width", (e->lnkcap >> 4) & 0x3fu);
		add_uint(b, o, "lnkctl", e->lnkctl);
		add_uint(b, o, "lnksta", e->lnksta);
		add_uint(b, o, "link_speed", e->lnksta & 0xfu);
		add_uint(b, o, "link_width", (e->lnksta >> 4) & 0x3fu);
		if (e->has_v2)
			add_uint(b, o, "devcap2", e->devcap2);
		break;
	}
	case VMC_PCI_BODY_PM:
		add_uint(b, o, "pmc", c->u.pm.pmc);
		add_uint(b, o, "pm_version", c->u.pm.pmc & 7u);
		add_uint(b, o, "pmcsr", c->u.pm.pmcsr);
		add_uint(b, o, "power_state", c->u.pm.pmcsr & 3u);
		add_bool(b, o, "no_soft_reset", (c->u.pm.pmcsr >> 3) & 1u);
		break;
	default:
		break;
	}
}

/* Which capability regions fall in BAR `bar`: names into `used`, and the
 * end of the furthest one (a lower bound of the BAR size before rounding). */
static uint64_t bar_users(builder *b, fnode *used, const vmc__pci_config *pc, unsigned bar)
{
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < pc->ncaps; i++) {
		const vmc__pci_cap *c = &pc->caps[i];

		if (c->body == VMC_PCI_BODY_MSIX) {
			const vmc__pci_msix *m = &c->u.msix;
			uint64_t e;
			if (m->table_bar == bar) {
				add_str(b, used, "", "msix-table");
				e = (uint64_t)m->table_offset + 16u * m->table_size;
				end = e > end ? e : end;
			}
			if (m->pba_bar == bar) {
				add_str(b, used, "", "msix-pba");
				e = (uint64_t)m->pba_offset + (m->table_size + 7u) / 8u;
				end = e > end ? e : end;
			}
		} else if (c->body == VMC_PCI_BODY_VIRTIO && c->u.virtio.bar == bar &&
			   c->u.virtio.cfg_type != 5) {
			/* The PCI_CFG access window (type 5) names no BAR region. */
			uint64_t e = (uint64_t)c->u.virtio.offset + c->u.virtio.length;
			add_fmt(b, used, "", "virtio-%s",
				vmc__pci_virtio_cfg_type_name(c->u.virtio.cfg_type));
			end = e > end ? e : end;
		}
	}
	return end;
}

static fnode *pci_facts(builder *b, fnode *root, const vmc__pci_config *pc)
{
	fnode *pci = add(b, root, "pci", VMC_FIELD_STRUCT), *arr;
	size_t i;

	add_uint(b, pci, "vendor_id", pc->vendor_id);
	add_uint(b, pci, "device_id", pc->device_id);
	add_uint(b, pci, "revision", pc->revision);
	add_uint(b, pci, "class", pc->class_code);
	add_uint(b, pci, "prog_if", pc->prog_if);
	add_uint(b, pci, "subsystem_vendor_id", pc->subsystem_vendor_id);
	add_uint(b, pci, "subsystem_id", pc->subsystem_id);
	add_uint(b, pci, "command", pc->command);
	add_uint(b, pci, "status", pc->status);
	add_uint(b, pci, "header_type", pc->header_type);
	add_uint(b, pci, "interrupt_pin", pc->interrupt_pin);
	add_uint(b, pci, "interrupt_line", pc->interrupt_line);
	add_uint(b, pci, "capability_pointer", pc->cap_ptr);
	add_uint(b, pci, "config_size", pc->size);
	add_bool(b, pci, "express", pc->express);

	arr = add(b, pci, "bars", VMC_FIELD_ARRAY);
	for (i = 0; i < pc->nbars; i++) {
		const vmc__pci_bar *bar = &pc->bars[i];
		fnode *o, *used;
		uint64_t end;

		if (bar->kind == VMC_PCI_BAR_MEM64_HI)
			continue;
		o = add(b, arr, "", VMC_FIELD_STRUCT);
		add_uint(b, o, "index", bar->index);
		add_uint(b, o, "offset", bar->offset);
		add_str(b, o, "type", vmc__pci_bar_kind_name(bar->kind));
		add_bool(b, o, "prefetchable", bar->prefetchable);
		add_uint(b, o, "raw", bar->raw);
		add_uint(b, o, "address", bar->address);
		if (bar->size_known)
			add_uint(b, o, "size", bar->size);
		else
			add_str(b, o, "size", "unknown");
		if (bar->size_max)
			add_uint(b, o, "size_max", bar->size_max);
		used = add(b, o, "used_by", VMC_FIELD_ARRAY);
		end = bar_users(b, used, pc, bar->index);
		if (end)
			add_uint(b, o, "min_size", pow2ceil(end));
	}
	if (pc->rom_offset) {
		fnode *o = add(b, pci, "rom_bar", VMC_FIELD_STRUCT);
		add_uint(b, o, "offset", pc->rom_offset);
		add_uint(b, o, "raw", pc->rom_raw);
		add_uint(b, o, "address", pc->rom_raw & 0xfffff800u);
		add_bool(b, o, "enabled", pc->rom_raw & 1u);
	}

	arr = add(b, pci, "capabilities", VMC_FIELD_ARRAY);
	for (i = 0; i < pc->ncaps; i++) {
		const vmc__pci_cap *c = &pc->caps[i];
		fnode *o = add(b, arr, "", VMC_FIELD_STRUCT);
		const char *name = vmc__pci_cap_name(c->id);

		add_uint(b, o, "offset", c->offset);
		add_uint(b, o, "id", c->id);
		if (c->body == VMC_PCI_BODY_VIRTIO)
			add_fmt(b, o, "name", "VNDR (virtio %s)",
				vmc__pci_virtio_cfg_type_name(c->u.virtio.cfg_type));
		else
			add_str(b, o, "name", name);
		add_uint(b, o, "next", c->next);
		cap_body(b, o, c);
	}
	if (pc->caps_error[0])
		add_fmt(b, pci, "capabilities_error", "%s", pc->caps_error);
	if (pc->has_ext) {
		arr = add(b, pci, "extended_capabilities", VMC_FIELD_ARRAY);
		for (i = 0; i < pc->next_caps; i++) {
			const vmc__pci_ext_cap *x = &pc->ext_caps[i];
			fnode *o = add(b, arr, "", VMC_FIELD_STRUCT);
			add_uint(b, o, "offset", x->offset);
			add_uint(b, o, "id", x->id);
			add_str(b, o, "name", vmc__pci_ext_cap_name(x->id));
			add_uint(b, o, "version", x->version);
			add_uint(b, o, "next", x->next);
		}
		if (pc->ext_caps_error[0])
			add_fmt(b, pci, "extended_capabilities_error", "%s", pc->ext_caps_error);
	}
	return pci;
}

static const vmc__pci_cap *find_cap(const vmc__pci_config *pc, uint32_t body)
{
	size_t i;

	for (i = 0; i < pc->ncaps; i++)
		if (pc->caps[i].body == body)
			return &pc->caps[i];
	return NULL;
}

/* Mode: the first rule the config meets.  *why describes the config. */
static const mode_rule *pick_mode(builder *b, fnode *root, const vmc__virtio_rules *r,
				  const family *f, const vmc__pci_config *pc)
{
	int io0 = pc->nbars > 0 && pc->bars[0].kind == VMC_PCI_BAR_IO;
	int vcaps = find_cap(pc, VMC_PCI_BODY_VIRTIO) != NULL;
	int legacy_id = f ? f->has_legacy_id && pc->device_id == f->legacy_device_id
			  : pc->device_id >= r->legacy_ids[0] && pc->device_id <= r->legacy_ids[1];
	int modern_id = f ? pc->device_id == r->modern_base + f->virtio_id
			  : pc->device_id >= r->modern_ids[0] && pc->device_id <= r->modern_ids[1];
	size_t i;

	add_fmt(b, root, "mode_basis",
		"device ID 0x%04x (%s), revision %u, BAR0 %s, %s virtio vendor capabilities",
		pc->device_id, legacy_id ? "legacy" : modern_id ? "modern" : "neither",
		pc->revision, io0 ? "I/O" : "not I/O", vcaps ? "with" : "no");
	for (i = 0; i < r->nmodes; i++) {
		const mode_rule *m = &r->modes[i];

		if ((m->device_id == DEV_LEGACY && !legacy_id) ||
		    (m->device_id == DEV_MODERN && !modern_id))
			continue;
		if (m->has_revision_min && pc->revision < m->revision_min)
			continue;
		if ((m->io_bar0 >= 0 && m->io_bar0 != io0) ||
		    (m->virtio_caps >= 0 && m->virtio_caps != vcaps))
			continue;
		return m;
	}
	return NULL;
}

static void qom_types(builder *b, fnode *root, const vmc__virtio_rules *r, const family *f,
		      const mode_rule *m, int express)
{
	fnode *arr = add(b, root, "qom_types", VMC_FIELD_ARRAY);
	size_t i, k;

	if (!m || !f)
		return;
	for (i = 0; i < r->nqom; i++) {
		const qom_rule *q = &r->qom[i];
		const char *open = strchr(q->type, '{'), *close, *name = NULL;

		if (strcmp(q->mode, m->name) != 0 || (q->express >= 0 && q->express != express))
			continue;
		if (!open) {
			add_str(b, arr, "", q->type);
			continue;
		}
		close = strchr(open, '}');
		for (k = 0; k < 3; k++)
			if (strlen(qom_keys[k]) == (size_t)(close - open - 1) &&
			    strncmp(open + 1, qom_keys[k], (size_t)(close - open - 1)) == 0)
				name = f->qom[k];
		if (!name)
			continue; /* the family does not register this flavour */
		add_fmt(b, arr, "", "%.*s%s%s", (int)(open - q->type), q->type, name, close + 1);
	}
}

static void bit_names(builder *b, fnode *o, const bitname *t, size_t n, uint64_t v,
		      const char *list, const char *rest)
{
	fnode *arr = add(b, o, list, VMC_FIELD_ARRAY);
	uint64_t known = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		/* status_flags hold masks, features hold bit numbers. */
		uint64_t mask = rest[0] == 's' ? t[i].bit : (uint64_t)1 << t[i].bit;
		known |= mask;
		if (v & mask)
			add_str(b, arr, "", t[i].name);
	}
	add_uint(b, o, rest, v & ~known);
}

/* Subsections of the decoded "virtio" tree (names, in order), and the
 * value of the 64-bit features subsection when present. */
static void tree_subsections(builder *b, fnode *arr, const vmc_field *f, unsigned depth,
			     const char *f64, int *has64, uint64_t *v64)
{
	size_t i;

	if (!f || depth > 8)
		return;
	for (i = 0; i < f->nchildren; i++) {
		const vmc_field *c = &f->children[i];

		if (c->kind == VMC_FIELD_SUBSECTION) {
			add_str(b, arr, "", c->name);
			if (strcmp(c->name, f64) == 0 && c->nchildren &&
			    c->children[0].kind == VMC_FIELD_UINT) {
				*has64 = 1;
				*v64 = c->children[0].u;
			}
		}
		if (c->nchildren)
			tree_subsections(b, arr, c, depth + 1, f64, has64, v64);
	}
}

/* One value of the decoded tree (docs/virtio-blob.md names), by path
 * "a/b" under the "virtio" node; 0 when absent. */
static int tree_uint(const vmc_field *v, const char *a, const char *b_, size_t idx,
		     uint64_t *out)
{
	const vmc_field *f = vmc_field_find(v, a);

	if (f && f->kind == VMC_FIELD_ARRAY)
		f = idx < f->nchildren ? &f->children[idx] : NULL;
	if (f && b_)
		f = vmc_field_find(f, b_);
	if (!f || (f->kind != VMC_FIELD_UINT && f->kind != VMC_FIELD_BOOL))
		return 0;
	*out = f->u;
	return 1;
}

/*
 * With the decoded tree present, the transport values are read from it
 * (status, features, queues ...).  They must equal what the fixed layout
 * gives; a difference is reported as a note (one of the two is wrong).
 */
static void cross_check(builder *b, fnode *notes, const vmc_field *v, const blob *bl)
{
	static const char *const names[] = {"status",     "isr",        "queue_sel",
					    "guest_features", "config_len", "num_queues",
					    "config_vector"};
	uint64_t raw[7], t;
	size_t i;

	raw[0] = bl->status;
	raw[1] = bl->isr;
	raw[2] = bl->queue_sel;
	raw[3] = bl->features_lo;
	raw[4] = bl->config_len;
	raw[5] = bl->nqueues;
	raw[6] = bl->config_vector;
	for (i = 0; i < 7; i++) {
		if (i == 6 && !bl->msix_n)
			break;
		if (!tree_uint(v, names[i], NULL, 0, &t))
			add_fmt(b, notes, "", "the decoded tree has no '%s'", names[i]);
		else if (t != raw[i])
			add_fmt(b, notes, "",
				"the decoded tree and the transport layout disagree on %s: %llu vs "
				"%llu",
				names[i], (unsigned long long)t, (unsigned long long)raw[i]);
	}
	for (i = 0; i < bl->nqueues; i++) {
		const vq *q = &bl->queues[i];
		uint64_t num = 0, desc = 0, idx = 0;

		if (!tree_uint(v, "vq", "num", i, &num) || !tree_uint(v, "vq", "desc", i, &desc) ||
		    !tree_uint(v, "vq", "last_avail_idx", i, &idx) || num != q->num ||
		    desc != q->desc || idx != q->last_avail_idx) {
			add_fmt(b, notes, "",
				"the decoded tree and the transport layout disagree on vq[%zu]", i);
			break;
		}
	}
}

static int build(builder *b, fnode *root, const facts_in *in, const uint8_t *body, size_t len,
		 uint32_t max_queues)
{
	const vmc__virtio_rules *r = in->r;
	const family *f = in->fam;
	vmc__pci_config pc;
	const vmc__pci_cap *msix;
	const mode_rule *m;
	blob bl;
	fnode *o, *arr;
	int has64 = 0, tree = in->virtio && in->virtio->nchildren > 0;
	uint64_t v64 = 0;
	size_t i;

	memset(&bl, 0, sizeof(bl));
	bl.p = body;
	bl.len = len;
	add_str(b, root, "vmsd", in->name);
	if (!get(&bl, 4, "the PCIDevice version", &v64) || v64 != r->pcidevice_version) {
		add_str(b, root, "family", f ? f->name : "unknown");
		if (!bl.error[0])
			snprintf(bl.error, sizeof(bl.error),
				 "the blob does not start with PCIDevice version %llu (found %llu): "
				 "not a virtio-pci device",
				 (unsigned long long)r->pcidevice_version, (unsigned long long)v64);
		add_fmt(b, root, "error", "%s", bl.error);
		return VMC_OK;
	}
	v64 = 0;
	bl.pci_version = 2;
	if (len - bl.pos < VMC_PCI_CONFIG_SIZE) {
		add_str(b, root, "family", f ? f->name : "unknown");
		add_fmt(b, root, "error", "the virtio blob (%zu bytes) is too short for a PCI "
					  "config space",
			len);
		return VMC_OK;
	}
	bl.cfg = body + bl.pos;
	bl.cfg_len = vmc__pci_config_has_express(bl.cfg, VMC_PCI_CONFIG_SIZE)
			     ? VMC_PCIE_CONFIG_SIZE
			     : VMC_PCI_CONFIG_SIZE;
	if (len - bl.pos < bl.cfg_len) {
		/* Decode what there is of the header; report the rest. */
		snprintf(bl.error, sizeof(bl.error),
			 "the virtio blob ends at byte %zu, inside the %zu-byte config space "
			 "of a PCI Express function",
			 len, bl.cfg_len);
		bl.cfg_len = VMC_PCI_CONFIG_SIZE;
		bl.pos = len;
	} else {
		bl.pos += bl.cfg_len;
	}
	/* Vendor-specific capabilities are virtio's when the vendor is. */
	vmc__pci_config_decode(&pc, bl.cfg, bl.cfg_len,
			       (uint32_t)(bl.cfg[0] | bl.cfg[1] << 8) == r->vendor_id
				       ? VMC_PCI_DECODE_VIRTIO_CAPS
				       : 0);
	if (!f)
		f = family_by_device_id(r, pc.device_id);
	add_str(b, root, "family", f ? f->name : "unknown");
	if (f)
		add_uint(b, root, "virtio_device_id", f->virtio_id);
	m = pick_mode(b, root, r, f, &pc);
	add_str(b, root, "mode", m ? m->name : "unknown");
	pci_facts(b, root, &pc);

	msix = find_cap(&pc, VMC_PCI_BODY_MSIX);
	bl.msix_n = msix ? msix->u.msix.table_size : 0;
	o = add(b, root, "msix", VMC_FIELD_STRUCT);
	add_uint(b, o, "vectors", bl.msix_n);
	if (msix) {
		add_uint(b, o, "offset", msix->offset);
		add_uint(b, o, "table_bar", msix->u.msix.table_bar);
		add_uint(b, o, "table_offset", msix->u.msix.table_offset);
		add_uint(b, o, "pba_bar", msix->u.msix.pba_bar);
		add_uint(b, o, "pba_offset", msix->u.msix.pba_offset);
		add_bool(b, o, "enabled", msix->u.msix.enabled);
		add_bool(b, o, "function_mask", msix->u.msix.function_mask);
	}
	VMC_TRY(parse_blob(&bl, r, &pc, b->tmp, max_queues));
	if (msix && bl.has_core)
		add_uint(b, o, "config_vector", bl.config_vector);

	if (bl.has_core) {
		o = add(b, root, "status", VMC_FIELD_STRUCT);
		add_uint(b, o, "value", bl.status);
		bit_names(b, o, r->status, r->nstatus, bl.status, "flags", "status_other_bits");
		add_uint(b, root, "isr", bl.isr);
		add_uint(b, root, "queue_sel", bl.queue_sel);
		add_uint(b, root, "config_len", bl.config_len);
	}
	arr = add(b, root, "subsections", VMC_FIELD_ARRAY);
	if (tree)
		tree_subsections(b, arr, in->virtio, 0, r->features64_subsection, &has64, &v64);
	if (bl.has_core) {
		o = add(b, root, "guest_features", VMC_FIELD_STRUCT);
		add_uint(b, o, "value", has64 ? v64 : bl.features_lo);
		add_uint(b, o, "bits", has64 ? 64 : 32);
		add_str(b, o, "source", has64 ? r->features64_subsection : "guest_features (low 32 bits)");
		bit_names(b, o, r->features, r->nfeatures, has64 ? v64 : bl.features_lo, "names",
			  "other_bits");
		arr = add(b, root, "queues", VMC_FIELD_ARRAY);
		for (i = 0; i < bl.nqueues; i++) {
			const vq *q = &bl.queues[i];
			fnode *e = add(b, arr, "", VMC_FIELD_STRUCT);
			add_uint(b, e, "index", i);
			add_uint(b, e, "num", q->num);
			add_uint(b, e, "desc", q->desc);
			add_uint(b, e, "last_avail_idx", q->last_avail_idx);
			if (bl.msix_n)
				add_uint(b, e, "vector", q->vector);
		}
	}
	qom_types(b, root, r, f, m, pc.express);
	if (bl.error[0])
		add_fmt(b, root, "error", "%s", bl.error);
	arr = add(b, root, "notes", VMC_FIELD_ARRAY);
	if (tree && bl.has_core)
		cross_check(b, arr, in->virtio, &bl);
	if (!tree)
		add_fmt(b, arr, "",
			"subsections and the 64-bit guest features need the decoded virtio blob "
			"(docs/virtio-blob.md); guest_features has bits 0-31 only");
	if (!m)
		add_str(b, arr, "", "the config matches no mode in the rules: qom_types is empty");
	else if (f && !f->legacy_allowed && strcmp(m->name, "modern-only") != 0)
		add_str(b, arr, "",
			"this family is modern-only in QEMU (virtio_legacy_allowed): legacy mode "
			"needs x-disable-legacy-check (machine types < 5.1)");
	return VMC_OK;
}

/* ---- entry points -------------------------------------------------------------- */

int vmc__virtio_facts_build(vmc_field **out, vmc__arena *arena, uint32_t *budget,
			    const vmc__virtio_rules *r, const char *name,
			    const vmc_field *fields, const uint8_t *body, size_t len)
{
	vmc_ctx *ctx = arena->ctx;
	const char *tail = strrchr(name, '/');
	facts_in in;
	vmc__arena tmp;
	builder b;
	fnode *root;
	vmc_field *f;
	int rc;

	*out = NULL;
	tail = tail ? tail + 1 : name;
	memset(&in, 0, sizeof(in));
	in.r = r;
	in.name = name;
	in.fam = family_by_vmsd(r, tail);
	if (!in.fam && strncmp(tail, r->section_prefix, strlen(r->section_prefix)) != 0)
		return VMC_OK;
	if (fields) {
		/* The device vmsd has one field, "virtio" (VMSTATE_VIRTIO_DEVICE);
		 * its bytes start where the first field's do. */
		in.virtio = vmc_field_find(fields, "virtio");
		if (!in.virtio || !fields->nchildren ||
		    in.virtio->offset < fields->children[0].offset)
			return VMC_OK;
		if (in.virtio->offset - fields->children[0].offset > len)
			return VMC_OK;
		body += in.virtio->offset - fields->children[0].offset;
		len -= (size_t)(in.virtio->offset - fields->children[0].offset);
		if (in.virtio->size < len)
			len = (size_t)in.virtio->size;
	}
	vmc__arena_init(&tmp, ctx);
	b.tmp = &tmp;
	b.oom = 0;
	root = add(&b, NULL, "virtio", VMC_FIELD_STRUCT);
	rc = root ? build(&b, root, &in, body ? body : (const uint8_t *)"", body ? len : 0,
			  ctx->limits.max_queues)
		  : VMC_ENOMEM;
	if (rc == VMC_OK && b.oom)
		rc = VMC_ENOMEM;
	if (rc == VMC_OK) {
		f = vmc__fields_alloc(arena, 1, budget);
		rc = f ? freeze(f, root, arena, budget) : (ctx->err.code ? ctx->err.code : VMC_ENOMEM);
		if (rc == VMC_OK)
			*out = f;
	}
	vmc__arena_free(&tmp);
	if (rc == VMC_ENOMEM && ctx->err.code == VMC_OK)
		VMC_OOM(ctx);
	return rc;
}

/* The rules, parsed once per context (lib/ctx.h caches). */
typedef struct cached_rules {
	vmc__arena arena;
	const vmc__virtio_rules *r;
} cached_rules;

static void free_rules(vmc_ctx *ctx, void *data)
{
	cached_rules *c = data;

	vmc__arena_free(&c->arena);
	vmc__free(ctx, c);
}

static int rules_for(const vmc__virtio_rules **out, vmc_ctx *ctx)
{
	cached_rules *c = ctx->cache[VMC__CACHE_VIRTIO_RULES];
	const uint8_t *text;
	size_t len;
	int rc;

	if (!c) {
		text = vmc__virtio_rules_builtin(&len);
		if (!text)
			return VMC_FAIL_AT(ctx, VMC_ESCHEMA, VMC_NO_OFFSET, VMC_VIRTIO_RULES_PATH,
					   "expected %s to be embedded in the library, found nothing",
					   VMC_VIRTIO_RULES_PATH);
		c = vmc__calloc(ctx, 1, sizeof(*c));
		if (!c)
			return VMC_ENOMEM;
		vmc__arena_init(&c->arena, ctx);
		rc = vmc__virtio_rules_load(&c->r, &c->arena, VMC_VIRTIO_RULES_PATH, text, len);
		if (rc < 0) {
			free_rules(ctx, c);
			return rc;
		}
		ctx->cache[VMC__CACHE_VIRTIO_RULES] = c;
		ctx->cache_free[VMC__CACHE_VIRTIO_RULES] = free_rules;
	}
	*out = c->r;
	return VMC_OK;
}

int vmc__virtio_facts_stream(vmc_stream *s)
{
	const vmc__virtio_rules *r = NULL;
	size_t i;
	int rc;

	rc = rules_for(&r, s->ctx);
	for (i = 0; rc == VMC_OK && i < s->nsections; i++) {
		vmc_section *sec = &s->sections[i];

		if (sec->iterative || !sec->data)
			continue;
		rc = vmc__virtio_facts_build(&sec->facts, &s->arena, &s->field_budget, r,
					     sec->vmsd_name ? sec->vmsd_name : sec->idstr,
					     sec->fields, sec->data, sec->data_len);
		if (rc < 0)
			vmc__error_set_path(s->ctx, sec->idstr);
	}
	return rc;
}

/* The rules embedded at build time (cmake/embed_data.cmake, lib/data.h). */
const uint8_t *vmc__virtio_rules_builtin(size_t *len)
{
	const vmc__data_file *f = vmc__data_find(VMC_VIRTIO_RULES_PATH);

	*len = f ? f->len : 0;
	return f ? f->data : NULL;
}
