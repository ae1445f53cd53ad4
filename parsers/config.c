/*
 * config.c - a VM configuration as users have it: the parts shared by the
 * two input forms, and the dispatch between them.
 *
 * Stage: input (beside containers; feeds `prove`, not the stream decoder).
 * Inputs: a QEMU command line (config_qemu.c) or a libvirt domain XML
 * (config_xml.c), as text held by the caller.  Output: one vmc__config
 * (parsers/config.h) whose strings and arrays all live in its own arena, so
 * that vmc__config_free releases everything at once and an OOM in the middle
 * of a parse frees the partial object in one call.
 *
 * Memory layout: the vmc__config struct comes from the ctx allocator; every
 * array and string below it comes from cfg->arena.  Arrays grow by
 * doubling inside the arena (the old copy is left behind, so at most half of
 * an array's bytes are waste); their capacity is implied by their length
 * (0, 4, 8, 16, ...), which keeps capacity fields out of the header.
 *
 * Invariants guaranteed: every pointer in a returned vmc__config is
 * non-NULL except where config.h says "or NULL"; n-counts match arrays;
 * nothing is resolved (aliases, defaults, topology): that is the profile's
 * business.  docs/config-input.md documents both input forms.
 *
 * Bounds: the input text (command-line bytes, XML bytes) is limited by
 * limits.max_libvirt_xml (the bound on the libvirt XML in a save image),
 * and every object here is at most linear in it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

int vmc__config_new(vmc__config **out, vmc_ctx *ctx, const char *origin)
{
	vmc__config *cfg = vmc__calloc(ctx, 1, sizeof(*cfg));

	if (!cfg)
		return VMC_ENOMEM;
	vmc__arena_init(&cfg->arena, ctx);
	cfg->origin = vmc__config_strdup(cfg, origin ? origin : "configuration");
	if (!cfg->origin) {
		vmc__config_free(cfg);
		return VMC_ENOMEM;
	}
	*out = cfg;
	return VMC_OK;
}

void vmc__config_free(vmc__config *cfg)
{
	vmc_ctx *ctx;

	if (!cfg)
		return;
	ctx = cfg->arena.ctx;
	vmc__arena_free(&cfg->arena);
	vmc__free(ctx, cfg);
}

char *vmc__config_strdup(vmc__config *cfg, const char *s)
{
	return vmc__arena_strndup(&cfg->arena, s, strlen(s));
}

char *vmc__config_printf(vmc__config *cfg, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		VMC_FAIL(cfg->arena.ctx, VMC_ERROR, VMC_NO_OFFSET, "vsnprintf failed");
		return NULL;
	}
	if ((size_t)n < sizeof(small))
		return vmc__arena_strndup(&cfg->arena, small, (size_t)n);
	p = vmc__arena_alloc(&cfg->arena, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * Room for element n (0-based) of an arena array of elem-sized elements
 * holding n now: capacity is 4 for n < 4, else the power of two >= n, so a
 * new block is needed exactly when n is 0 or a power of two >= 4.
 */
static void *grow(vmc__config *cfg, void *arr, size_t n, size_t elem)
{
	size_t cap, bytes;
	void *p;

	if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
		return arr;
	cap = n ? n * 2 : 4;
	if (cap < n || !vmc__mul_size(cap, elem, &bytes)) {
		VMC_OOM(cfg->arena.ctx);
		return NULL;
	}
	p = vmc__arena_alloc(&cfg->arena, bytes);
	if (p && n)
		memcpy(p, arr, n * elem);
	return p;
}

int vmc__config_kv_add(vmc__config *cfg, vmc__kv **kv, size_t *n, const char *key,
		       const char *value)
{
	vmc__kv *arr = grow(cfg, *kv, *n, sizeof(**kv));
	char *k, *v;

	if (!arr)
		return VMC_ENOMEM;
	*kv = arr;
	k = vmc__config_strdup(cfg, key);
	v = k ? vmc__config_strdup(cfg, value) : NULL;
	if (!v)
		return VMC_ENOMEM;
	arr[*n].key = k;
	arr[*n].value = v;
	(*n)++;
	return VMC_OK;
}

/* NULL stays NULL; anything else is copied into the arena. */
static int dup_opt(vmc__config *cfg, const char **out, const char *s)
{
	*out = NULL;
	if (!s)
		return VMC_OK;
	*out = vmc__config_strdup(cfg, s);
	return *out ? VMC_OK : VMC_ENOMEM;
}

int vmc__config_device_add(vmc__cfg_device **out, vmc__config *cfg, const char *driver,
			   const char *id, const char *origin)
{
	vmc__cfg_device *arr = grow(cfg, cfg->devices, cfg->ndevices, sizeof(*arr));
	vmc__cfg_device *d;

	if (!arr)
		return VMC_ENOMEM;
	cfg->devices = arr;
	d = &arr[cfg->ndevices];
	memset(d, 0, sizeof(*d));
	VMC_TRY(dup_opt(cfg, &d->driver, driver));
	VMC_TRY(dup_opt(cfg, &d->id, id));
	VMC_TRY(dup_opt(cfg, &d->origin, origin));
	cfg->ndevices++;
	*out = d;
	return VMC_OK;
}

int vmc__config_backend_add(vmc__cfg_backend **out, vmc__config *cfg, const char *kind,
			    const char *type, const char *id)
{
	vmc__cfg_backend *arr = grow(cfg, cfg->backends, cfg->nbackends, sizeof(*arr));
	vmc__cfg_backend *b;

	if (!arr)
		return VMC_ENOMEM;
	cfg->backends = arr;
	b = &arr[cfg->nbackends];
	memset(b, 0, sizeof(*b));
	VMC_TRY(dup_opt(cfg, &b->kind, kind));
	VMC_TRY(dup_opt(cfg, &b->type, type));
	VMC_TRY(dup_opt(cfg, &b->id, id));
	cfg->nbackends++;
	*out = b;
	return VMC_OK;
}

static int note_add(vmc__config *cfg, const char ***list, size_t *n, const char *what)
{
	const char **arr = grow(cfg, (void *)*list, *n, sizeof(**list));
	const char *s;

	if (!arr)
		return VMC_ENOMEM;
	*list = arr;
	s = vmc__config_strdup(cfg, what);
	if (!s)
		return VMC_ENOMEM;
	arr[(*n)++] = s;
	return VMC_OK;
}

int vmc__config_note_ignored(vmc__config *cfg, const char *what)
{
	return note_add(cfg, &cfg->ignored, &cfg->nignored, what);
}

int vmc__config_note_unmapped(vmc__config *cfg, const char *what)
{
	return note_add(cfg, &cfg->unmapped, &cfg->nunmapped, what);
}

const char *vmc__kv_get(const vmc__kv *kv, size_t n, const char *key)
{
	size_t i;

	for (i = n; i > 0; i--)
		if (strcmp(kv[i - 1].key, key) == 0)
			return kv[i - 1].value;
	return NULL;
}

int vmc__config_parse(vmc__config **out, vmc_ctx *ctx, const char *text, size_t len,
		      const char *origin)
{
	size_t i = 0;
	char *copy;
	int rc;

	if (!out || !ctx || (!text && len))
		return ctx ? VMC_FAIL(ctx, VMC_EINVAL, VMC_NO_OFFSET,
				      "expected out, ctx and text, found NULL")
			   : VMC_EINVAL;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
			   text[i] == '\r'))
		i++;
	if (i < len && text[i] == '<')
		return vmc__config_parse_domain_xml(out, ctx, text, len, origin);

	/* The shell splitter wants a C string; a NUL inside the text would
	 * silently end it. */
	if (!origin)
		origin = "command line";
	if (memchr(text, '\0', len))
		return VMC_FAIL_AT(ctx, VMC_EMALFORMED,
				   (const char *)memchr(text, '\0', len) - text, origin,
				   "expected a command line without NUL bytes, found a NUL byte");
	if (len > ctx->limits.max_libvirt_xml)
		return VMC_FAIL_AT(ctx, VMC_ELIMIT, VMC_NO_OFFSET, origin,
				   "a command line of %zu bytes exceeds max_libvirt_xml (%llu "
				   "bytes)",
				   len, (unsigned long long)ctx->limits.max_libvirt_xml);
	copy = vmc__strndup(ctx, text, len);
	if (!copy)
		return VMC_ENOMEM;
	rc = vmc__config_parse_string(out, ctx, copy, origin);
	vmc__free(ctx, copy);
	return rc;
}
