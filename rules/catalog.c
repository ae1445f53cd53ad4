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

int vmc__catalog_load(vmc__catalog *cat, vmc_ctx *ctx)
{
	int rc;

	memset(cat, 0, sizeof(*cat));
	vmc__arena_init(&cat->arena, ctx);
	rc = load_checks(cat, ctx);
	if (rc == VMC_OK)
		rc = load_ramblocks(cat, ctx);
	if (rc < 0)
		vmc__catalog_fini(cat);
	return rc;
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
