/*
 * catalog.c - load rules/checks.yaml and rules/ramblocks.yaml.
 *
 * Stage: rules (data).  Input: embedded YAML.  Output: immutable tables for
 * rules/check.c.  Every file is validated on load: unknown keys, missing
 * keys and duplicate ids are VMC_ESCHEMA with file:line.
 */
#include "catalog.h"

#include "../lib/data.h"

#include <string.h>

static int load_file(vmc__catalog *cat, const char *path, const vmc__ynode **root)
{
	const vmc__data_file *f = vmc__data_find(path);

	if (!f)
		return VMC_FAIL_AT(cat->arena.ctx, VMC_ESCHEMA, VMC_NO_OFFSET, path,
				   "expected embedded data file '%s', found none", path);
	return vmc__yaml_parse(root, &cat->arena, path, f->data, f->len);
}

static int load_checks(vmc__catalog *cat, vmc_ctx *ctx)
{
	static const char *const top_keys[] = {"checks", NULL};
	static const char *const keys[] = {"id", "source", "qemu_error", "explanation", NULL};
	const vmc__ynode *root, *list;
	size_t i, j;

	VMC_TRY(load_file(cat, "rules/checks.yaml", &root));
	VMC_TRY(vmc__yaml_check_keys(ctx, root, top_keys));
	list = vmc__yaml_get(root, "checks");
	if (!list)
		return vmc__yaml_fail(ctx, root, "expected key 'checks', found none");
	VMC_TRY(vmc__yaml_expect(ctx, list, VMC_YAML_SEQ, "checks"));
	cat->checks = vmc__arena_alloc(&cat->arena, sizeof(*cat->checks) * (list->len + 1));
	if (!cat->checks)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i];
		vmc__check_def *d = &cat->checks[i];

		VMC_TRY(vmc__yaml_check_keys(ctx, e, keys));
		VMC_TRY(vmc__yaml_str(ctx, e, "id", 1, &d->id));
		VMC_TRY(vmc__yaml_str(ctx, e, "source", 1, &d->source));
		VMC_TRY(vmc__yaml_str(ctx, e, "explanation", 1, &d->explanation));
		VMC_TRY(vmc__yaml_str(ctx, e, "qemu_error", 0, &d->qemu_error));
		for (j = 0; j < i; j++)
			if (strcmp(cat->checks[j].id, d->id) == 0)
				return vmc__yaml_fail(ctx, e, "expected unique check ids, found '%s' twice",
						      d->id);
	}
	cat->nchecks = list->len;
	return VMC_OK;
}

static int load_ramblocks(vmc__catalog *cat, vmc_ctx *ctx)
{
	static const char *const top_keys[] = {"resizeable", NULL};
	static const char *const keys[] = {"name", "max_length", "source", NULL};
	const vmc__ynode *root, *list;
	size_t i;

	VMC_TRY(load_file(cat, "rules/ramblocks.yaml", &root));
	VMC_TRY(vmc__yaml_check_keys(ctx, root, top_keys));
	list = vmc__yaml_get(root, "resizeable");
	if (!list)
		return vmc__yaml_fail(ctx, root, "expected key 'resizeable', found none");
	VMC_TRY(vmc__yaml_expect(ctx, list, VMC_YAML_SEQ, "resizeable"));
	cat->resizeable = vmc__arena_alloc(&cat->arena, sizeof(*cat->resizeable) * (list->len + 1));
	if (!cat->resizeable)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i];
		vmc__resizeable *r = &cat->resizeable[i];

		VMC_TRY(vmc__yaml_check_keys(ctx, e, keys));
		VMC_TRY(vmc__yaml_str(ctx, e, "name", 1, &r->name));
		VMC_TRY(vmc__yaml_u64(ctx, e, "max_length", 1, &r->max_length));
		VMC_TRY(vmc__yaml_str(ctx, e, "source", 1, &r->source));
	}
	cat->nresizeable = list->len;
	return VMC_OK;
}

/* {OFFSET: MASK, ...} with numeric keys. */
static int load_masks(vmc__catalog *cat, vmc_ctx *ctx, const vmc__ynode *map, const char *key,
		      vmc__masklist *out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);
	size_t i;

	out->m = NULL;
	out->n = 0;
	if (!n)
		return VMC_OK;
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_MAP, key));
	out->m = vmc__arena_alloc(&cat->arena, sizeof(*out->m) * (n->len + 1));
	if (!out->m)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		vmc__ynode k = *n->items[i];
		uint64_t off, mask;

		k.scalar = n->keys[i];
		VMC_TRY(vmc__yaml_scalar_u64(ctx, &k, &off));
		VMC_TRY(vmc__yaml_scalar_u64(ctx, n->items[i], &mask));
		if (off >= 4096 || mask > 0xff)
			return vmc__yaml_fail(ctx, n->items[i],
					      "expected an offset below 4096 and a byte mask, found "
					      "0x%llx: 0x%llx",
					      (unsigned long long)off, (unsigned long long)mask);
		out->m[i].offset = (uint16_t)off;
		out->m[i].mask = (uint8_t)mask;
	}
	out->n = n->len;
	return VMC_OK;
}

static int load_capmasks(vmc__catalog *cat, vmc_ctx *ctx, const vmc__ynode *list,
			 vmc__pci_capmask **out, size_t *n)
{
	static const char *const keys[] = {"id",         "name",           "length",
					   "length_v1",  "length_byte",    "wmask",
					   "w1cmask",    "cmask_clear",    "slot_wmask",
					   "slot_pcp_wmask", "slot_w1cmask", "root_wmask",
					   "source",     NULL};
	size_t i;

	VMC_TRY(vmc__yaml_expect(ctx, list, VMC_YAML_SEQ, "capabilities"));
	*out = vmc__arena_alloc(&cat->arena, sizeof(**out) * (list->len + 1));
	if (!*out)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		const vmc__ynode *e = list->items[i];
		vmc__pci_capmask *cm = &(*out)[i];
		uint64_t v = 0;
		int rc;

		VMC_TRY(vmc__yaml_check_keys(ctx, e, keys));
		VMC_TRY(vmc__yaml_u64(ctx, e, "id", 1, &v));
		cm->id = (uint16_t)v;
		VMC_TRY(vmc__yaml_str(ctx, e, "name", 1, &cm->name));
		VMC_TRY(vmc__yaml_str(ctx, e, "source", 1, &cm->source));
		cm->length_byte = -1;
		if ((rc = vmc__yaml_u64(ctx, e, "length", 0, &v)) < 0)
			return rc;
		if (rc)
			cm->length = (uint16_t)v;
		if ((rc = vmc__yaml_u64(ctx, e, "length_v1", 0, &v)) < 0)
			return rc;
		if (rc)
			cm->length_v1 = (uint16_t)v;
		if ((rc = vmc__yaml_u64(ctx, e, "length_byte", 0, &v)) < 0)
			return rc;
		if (rc)
			cm->length_byte = (int)v;
		if (!cm->length && cm->length_byte < 0)
			return vmc__yaml_fail(ctx, e, "expected length or length_byte, found neither");
		VMC_TRY(load_masks(cat, ctx, e, "wmask", &cm->wmask));
		VMC_TRY(load_masks(cat, ctx, e, "w1cmask", &cm->w1cmask));
		VMC_TRY(load_masks(cat, ctx, e, "cmask_clear", &cm->cmask_clear));
		VMC_TRY(load_masks(cat, ctx, e, "slot_wmask", &cm->slot_wmask));
		VMC_TRY(load_masks(cat, ctx, e, "slot_pcp_wmask", &cm->slot_pcp_wmask));
		VMC_TRY(load_masks(cat, ctx, e, "slot_w1cmask", &cm->slot_w1cmask));
		VMC_TRY(load_masks(cat, ctx, e, "root_wmask", &cm->root_wmask));
	}
	*n = list->len;
	return VMC_OK;
}

static int load_pci(vmc__catalog *cat, vmc_ctx *ctx)
{
	static const char *const top[] = {"source", "registers", "header", "bridge",
					  "capabilities", "extended", NULL};
	static const char *const hdr_keys[] = {"cmask", "wmask", "w1cmask", "writable_from", NULL};
	static const char *const br_keys[] = {"cmask", "wmask", NULL};
	static const char *const reg_keys[] = {"offset", "length", "name", NULL};
	static const char *const ext_keys[] = {"default_length", "capabilities", NULL};
	vmc__pci_rules *p = &cat->pci;
	const vmc__ynode *root, *n;
	uint64_t v;
	size_t i;

	VMC_TRY(load_file(cat, "rules/pci-masks.yaml", &root));
	VMC_TRY(vmc__yaml_check_keys(ctx, root, top));
	VMC_TRY(vmc__yaml_str(ctx, root, "source", 1, &p->source));
	n = vmc__yaml_get(root, "registers");
	if (!n)
		return vmc__yaml_fail(ctx, root, "expected key 'registers', found none");
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SEQ, "registers"));
	p->regs = vmc__arena_alloc(&cat->arena, sizeof(*p->regs) * (n->len + 1));
	if (!p->regs)
		return VMC_ENOMEM;
	for (i = 0; i < n->len; i++) {
		VMC_TRY(vmc__yaml_check_keys(ctx, n->items[i], reg_keys));
		VMC_TRY(vmc__yaml_u64(ctx, n->items[i], "offset", 1, &v));
		p->regs[i].offset = (uint16_t)v;
		VMC_TRY(vmc__yaml_u64(ctx, n->items[i], "length", 1, &v));
		p->regs[i].length = (uint16_t)v;
		VMC_TRY(vmc__yaml_str(ctx, n->items[i], "name", 1, &p->regs[i].name));
	}
	p->nregs = n->len;
	n = vmc__yaml_get(root, "header");
	if (!n)
		return vmc__yaml_fail(ctx, root, "expected key 'header', found none");
	VMC_TRY(vmc__yaml_check_keys(ctx, n, hdr_keys));
	VMC_TRY(load_masks(cat, ctx, n, "cmask", &p->cmask));
	VMC_TRY(load_masks(cat, ctx, n, "wmask", &p->wmask));
	VMC_TRY(load_masks(cat, ctx, n, "w1cmask", &p->w1cmask));
	VMC_TRY(vmc__yaml_u64(ctx, n, "writable_from", 1, &v));
	p->writable_from = (uint16_t)v;
	n = vmc__yaml_get(root, "bridge");
	if (n) {
		VMC_TRY(vmc__yaml_check_keys(ctx, n, br_keys));
		VMC_TRY(load_masks(cat, ctx, n, "wmask", &p->bridge_wmask));
		VMC_TRY(load_masks(cat, ctx, n, "cmask", &p->bridge_cmask));
	}
	n = vmc__yaml_get(root, "capabilities");
	if (!n)
		return vmc__yaml_fail(ctx, root, "expected key 'capabilities', found none");
	VMC_TRY(load_capmasks(cat, ctx, n, &p->caps, &p->ncaps));
	n = vmc__yaml_get(root, "extended");
	if (!n)
		return vmc__yaml_fail(ctx, root, "expected key 'extended', found none");
	VMC_TRY(vmc__yaml_check_keys(ctx, n, ext_keys));
	VMC_TRY(vmc__yaml_u64(ctx, n, "default_length", 1, &v));
	p->ext_default_length = (uint16_t)v;
	if (!vmc__yaml_get(n, "capabilities"))
		return vmc__yaml_fail(ctx, n, "expected key 'capabilities', found none");
	return load_capmasks(cat, ctx, vmc__yaml_get(n, "capabilities"), &p->ext, &p->next);
}

int vmc__catalog_load(vmc__catalog *cat, vmc_ctx *ctx)
{
	int rc;

	memset(cat, 0, sizeof(*cat));
	vmc__arena_init(&cat->arena, ctx);
	rc = load_checks(cat, ctx);
	if (rc == VMC_OK)
		rc = load_ramblocks(cat, ctx);
	if (rc == VMC_OK)
		rc = load_pci(cat, ctx);
	if (rc < 0)
		vmc__catalog_fini(cat);
	return rc;
}

static void free_cached(vmc_ctx *ctx, void *data)
{
	vmc__catalog_fini(data);
	vmc__free(ctx, data);
}

int vmc__catalog_get(const vmc__catalog **out, vmc_ctx *ctx)
{
	vmc__catalog *cat = ctx->cache[VMC__CACHE_CATALOG];

	if (!cat) {
		int rc;
		cat = vmc__malloc(ctx, sizeof(*cat));
		if (!cat)
			return VMC_ENOMEM;
		rc = vmc__catalog_load(cat, ctx);
		if (rc < 0) {
			vmc__free(ctx, cat);
			return rc;
		}
		ctx->cache[VMC__CACHE_CATALOG] = cat;
		ctx->cache_free[VMC__CACHE_CATALOG] = free_cached;
	}
	*out = cat;
	return VMC_OK;
}

void vmc__catalog_fini(vmc__catalog *cat)
{
	vmc__arena_free(&cat->arena);
	cat->checks = NULL;
	cat->resizeable = NULL;
	cat->nchecks = cat->nresizeable = 0;
}

const vmc__check_def *vmc__catalog_check(const vmc__catalog *cat, const char *id)
{
	size_t i;

	for (i = 0; i < cat->nchecks; i++)
		if (strcmp(cat->checks[i].id, id) == 0)
			return &cat->checks[i];
	return NULL;
}

const vmc__resizeable *vmc__catalog_resizeable(const vmc__catalog *cat, const char *block)
{
	size_t i;

	for (i = 0; i < cat->nresizeable; i++)
		if (strcmp(cat->resizeable[i].name, block) == 0)
			return &cat->resizeable[i];
	return NULL;
}

char *vmc__template_fill(char *out, size_t cap, const char *tmpl, const char *subject,
			 const char *src, const char *dst, const char *detail)
{
	static const char *const names[] = {"{subject}", "{src}", "{dst}", "{detail}"};
	const char *values[4];
	size_t o = 0;

	values[0] = subject;
	values[1] = src;
	values[2] = dst;
	values[3] = detail;
	if (cap == 0)
		return out;
	while (*tmpl && o + 1 < cap) {
		size_t k, hit = 4;

		if (*tmpl == '{')
			for (k = 0; k < 4 && hit == 4; k++)
				if (strncmp(tmpl, names[k], strlen(names[k])) == 0)
					hit = k;
		if (hit < 4) {
			const char *v = values[hit] ? values[hit] : "?";
			size_t n = strlen(v);
			if (n > cap - 1 - o)
				n = cap - 1 - o;
			memcpy(out + o, v, n);
			o += n;
			tmpl += strlen(names[hit]);
		} else {
			out[o++] = *tmpl++;
		}
	}
	out[o] = '\0';
	return out;
}
