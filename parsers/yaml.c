/*
 * yaml.c - YAML data files into an immutable tree (see yaml.h).
 *
 * Stage: bytes in (data files, not streams).  Uses libyaml's document
 * loader, then copies the document into arena nodes so that callers never
 * see libyaml types and the libyaml document is freed at once.
 * Invariants: every node has file and line; MAP keys are scalars (a
 * non-scalar key is an error); duplicate keys are an error.
 */
#include "yaml.h"

#include "../lib/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct conv {
	vmc_ctx *ctx;
	vmc__arena *arena;
	yaml_document_t *doc;
	const char *file;
} conv;

int vmc__yaml_fail(vmc_ctx *ctx, const vmc__ynode *n, const char *fmt, ...)
{
	char path[VMC_ERROR_PATH_MAX];
	va_list ap;
	int rc;

	snprintf(path, sizeof(path), "%s:%u", n && n->file ? n->file : "?", n ? n->line : 0);
	va_start(ap, fmt);
	rc = vmc__failv(ctx, VMC_ESCHEMA, VMC_NO_OFFSET, path, __FILE__, __LINE__, fmt, ap);
	va_end(ap);
	return rc;
}

static int convert(conv *c, yaml_node_t *yn, unsigned depth, const vmc__ynode **out)
{
	vmc__ynode *n;
	size_t i;

	if (depth > c->ctx->limits.max_json_depth)
		return VMC_FAIL_AT(c->ctx, VMC_ELIMIT, VMC_NO_OFFSET, c->file,
				   "limit max_json_depth exceeded: YAML nested deeper than %u at "
				   "line %lu",
				   c->ctx->limits.max_json_depth,
				   (unsigned long)yn->start_mark.line + 1);
	n = vmc__arena_alloc(c->arena, sizeof(*n));
	if (!n)
		return VMC_ENOMEM;
	n->file = c->file;
	n->line = (uint32_t)yn->start_mark.line + 1;
	switch (yn->type) {
	case YAML_SCALAR_NODE:
		n->kind = VMC_YAML_SCALAR;
		n->scalar = vmc__arena_strndup(c->arena, (const char *)yn->data.scalar.value,
					       yn->data.scalar.length);
		if (!n->scalar)
			return VMC_ENOMEM;
		n->len = yn->data.scalar.length;
		n->quoted = yn->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
			    yn->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		break;
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it = yn->data.sequence.items.start;
		n->kind = VMC_YAML_SEQ;
		n->len = (size_t)(yn->data.sequence.items.top - it);
		n->items = vmc__arena_alloc(c->arena, sizeof(*n->items) * (n->len ? n->len : 1));
		if (!n->items)
			return VMC_ENOMEM;
		for (i = 0; i < n->len; i++)
			VMC_TRY(convert(c, yaml_document_get_node(c->doc, it[i]), depth + 1,
					&n->items[i]));
		break;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p = yn->data.mapping.pairs.start;
		n->kind = VMC_YAML_MAP;
		n->len = (size_t)(yn->data.mapping.pairs.top - p);
		n->items = vmc__arena_alloc(c->arena, sizeof(*n->items) * (n->len ? n->len : 1));
		n->keys = vmc__arena_alloc(c->arena, sizeof(*n->keys) * (n->len ? n->len : 1));
		if (!n->items || !n->keys)
			return VMC_ENOMEM;
		for (i = 0; i < n->len; i++) {
			yaml_node_t *k = yaml_document_get_node(c->doc, p[i].key);
			size_t j;

			if (!k || k->type != YAML_SCALAR_NODE)
				return vmc__yaml_fail(c->ctx, n,
						      "expected scalar mapping keys, found a %s",
						      k ? "collection" : "missing key");
			n->keys[i] = vmc__arena_strndup(c->arena, (const char *)k->data.scalar.value,
							k->data.scalar.length);
			if (!n->keys[i])
				return VMC_ENOMEM;
			for (j = 0; j < i; j++)
				if (strcmp(n->keys[j], n->keys[i]) == 0)
					return vmc__yaml_fail(c->ctx, n,
							      "expected unique keys, found '%s' "
							      "twice",
							      n->keys[i]);
			VMC_TRY(convert(c, yaml_document_get_node(c->doc, p[i].value), depth + 1,
					&n->items[i]));
		}
		break;
	}
	default:
		return vmc__yaml_fail(c->ctx, n, "expected a YAML node, found an empty one");
	}
	*out = n;
	return VMC_OK;
}

int vmc__yaml_parse(const vmc__ynode **out, vmc__arena *arena, const char *name,
		    const uint8_t *data, size_t len)
{
	vmc_ctx *ctx = arena->ctx;
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	conv c;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return VMC_OOM(ctx);
	yaml_parser_set_input_string(&parser, data, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = VMC_FAIL_AT(ctx, VMC_ESCHEMA, (int64_t)parser.problem_offset, name,
				 "expected valid YAML, found %s at line %lu column %lu",
				 parser.problem ? parser.problem : "an error",
				 (unsigned long)parser.problem_mark.line + 1,
				 (unsigned long)parser.problem_mark.column + 1);
		yaml_parser_delete(&parser);
		return rc;
	}
	c.ctx = ctx;
	c.arena = arena;
	c.doc = &doc;
	c.file = vmc__arena_strndup(arena, name, strlen(name));
	root = yaml_document_get_root_node(&doc);
	if (!c.file)
		rc = VMC_ENOMEM;
	else if (!root)
		rc = VMC_FAIL_AT(ctx, VMC_ESCHEMA, VMC_NO_OFFSET, name,
				 "expected a YAML document, found an empty file");
	else
		rc = convert(&c, root, 0, out);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int vmc__yaml_load_file(const vmc__ynode **out, vmc__arena *arena, const char *path)
{
	vmc_ctx *ctx = arena->ctx;
	uint8_t *buf;
	size_t len;
	int rc;

	VMC_TRY(vmc__read_file(ctx, path, ctx->limits.max_vmdesc_size, "max_vmdesc_size", &buf,
			       &len));
	rc = vmc__yaml_parse(out, arena, path, buf, len);
	vmc__free(ctx, buf);
	return rc;
}

const vmc__ynode *vmc__yaml_get(const vmc__ynode *map, const char *key)
{
	size_t i;

	if (!map || map->kind != VMC_YAML_MAP)
		return NULL;
	for (i = 0; i < map->len; i++)
		if (strcmp(map->keys[i], key) == 0)
			return map->items[i];
	return NULL;
}

static const char *kind_name(uint32_t kind)
{
	return kind == VMC_YAML_SCALAR ? "a scalar" : kind == VMC_YAML_SEQ ? "a list" : "a mapping";
}

int vmc__yaml_expect(vmc_ctx *ctx, const vmc__ynode *n, uint32_t kind, const char *what)
{
	if (n->kind != kind)
		return vmc__yaml_fail(ctx, n, "expected %s to be %s, found %s", what,
				      kind_name(kind), kind_name(n->kind));
	return VMC_OK;
}

int vmc__yaml_check_keys(vmc_ctx *ctx, const vmc__ynode *map, const char *const *allowed)
{
	size_t i;

	VMC_TRY(vmc__yaml_expect(ctx, map, VMC_YAML_MAP, "this entry"));
	for (i = 0; i < map->len; i++) {
		const char *const *a;
		int ok = 0;
		for (a = allowed; *a && !ok; a++)
			ok = strcmp(*a, map->keys[i]) == 0;
		if (!ok)
			return vmc__yaml_fail(ctx, map->items[i], "expected a known key, found '%s'",
					      map->keys[i]);
	}
	return VMC_OK;
}

int vmc__yaml_str(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		  const char **out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	if (!n) {
		if (required)
			return vmc__yaml_fail(ctx, map, "expected key '%s', found none", key);
		return 0;
	}
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SCALAR, key));
	*out = n->scalar;
	return 1;
}

int vmc__yaml_scalar_u64(vmc_ctx *ctx, const vmc__ynode *n, uint64_t *out)
{
	const char *s;
	char *end;
	unsigned long long v;
	int base = 10;

	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SCALAR, "a number"));
	s = n->scalar;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
		base = 2, s += 2;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return vmc__yaml_fail(ctx, n, "expected an unsigned number, found '%s'", n->scalar);
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return vmc__yaml_fail(ctx, n, "expected an unsigned number, found '%s'", n->scalar);
	*out = v;
	return VMC_OK;
}

int vmc__yaml_u64(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		  uint64_t *out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	if (!n) {
		if (required)
			return vmc__yaml_fail(ctx, map, "expected key '%s', found none", key);
		return 0;
	}
	VMC_TRY(vmc__yaml_scalar_u64(ctx, n, out));
	return 1;
}

int vmc__yaml_bool(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		   int *out)
{
	const vmc__ynode *n = vmc__yaml_get(map, key);

	if (!n) {
		if (required)
			return vmc__yaml_fail(ctx, map, "expected key '%s', found none", key);
		return 0;
	}
	VMC_TRY(vmc__yaml_expect(ctx, n, VMC_YAML_SCALAR, key));
	if (strcmp(n->scalar, "true") == 0 || strcmp(n->scalar, "on") == 0)
		*out = 1;
	else if (strcmp(n->scalar, "false") == 0 || strcmp(n->scalar, "off") == 0)
		*out = 0;
	else
		return vmc__yaml_fail(ctx, n, "expected true or false for '%s', found '%s'", key,
				      n->scalar);
	return 1;
}
