/*
 * profile_select.c - which emulator profile answers for a QEMU version, and
 * what a report says about it (docs/prove.md "Which QEMU").
 *
 * Stage: rules (before the models are built).  Input: per side, a QEMU
 * version string, or a profile the caller loaded (a cached harvest, a
 * file), and a one-line reason from the caller.  Output: the vmc__profile
 * the prove engine uses, and the VMC_QEMU_* keys of the report.
 *
 * Release lines.  QEMU names machine types and freezes migration formats
 * per MAJOR.MINOR release (hw/core/machine.c hw_compat_X_Y, one
 * pc-*-X.Y machine per release); stable releases X.Y.Z only backport fixes.
 * So:
 *   1. a bundled profile of the same MAJOR.MINOR answers ("exact" when the
 *      micro version matches or none was asked, "release-line" otherwise,
 *      and the note says which profile stands for which version);
 *   2. else the bundled profile of the same MAJOR with the nearest MINOR
 *      (ties: the older) is a "stand-in": the proof runs with it, plus an
 *      `unknown` prove.profile finding, so that no `compatible` is answered
 *      for a QEMU no profile describes;
 *   3. else there is no profile: an `unknown` prove.profile finding only.
 * NULL version: the newest bundled profile ("newest").
 *
 * The library never runs QEMU and reads no environment: finding the
 * emulator on PATH, harvesting and caching are the CLI's (cli/qemu_version.c),
 * which passes a version or a loaded profile in.
 *
 * Bundled profiles are parsed once per context (VMC__CACHE_PROFILES).
 */
#include "profile_select.h"
#include "check.h"
#include "../lib/data.h"
#include "../lib/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bundled profiles, parsed once per context ------------------------- */

#define CACHED_PROFILES 8

typedef struct profile_cache {
	char version[CACHED_PROFILES][16];
	vmc__profile *p[CACHED_PROFILES];
} profile_cache;

static void free_profiles(vmc_ctx *ctx, void *data)
{
	profile_cache *pc = data;
	size_t i;

	for (i = 0; i < CACHED_PROFILES; i++)
		vmc__profile_free(pc->p[i]);
	vmc__free(ctx, pc);
}

/* The bundled profile called name ("7.2"), borrowed from the ctx cache. */
static int bundled(const vmc__profile **out, vmc_ctx *ctx, const char *name)
{
	profile_cache *pc = ctx->cache[VMC__CACHE_PROFILES];
	size_t i;

	if (!pc) {
		pc = vmc__calloc(ctx, 1, sizeof(*pc));
		if (!pc)
			return VMC_OOM(ctx);
		ctx->cache[VMC__CACHE_PROFILES] = pc;
		ctx->cache_free[VMC__CACHE_PROFILES] = free_profiles;
	}
	for (i = 0; i < CACHED_PROFILES && pc->p[i]; i++)
		if (strcmp(pc->version[i], name) == 0) {
			*out = pc->p[i];
			return VMC_OK;
		}
	VMC_FAIL_IF(i == CACHED_PROFILES || strlen(name) >= sizeof(pc->version[0]), ctx,
		    VMC_EINVAL, VMC_NO_OFFSET, "expected at most %d bundled profiles, found more",
		    CACHED_PROFILES);
	VMC_TRY(vmc__profile_load_embedded(&pc->p[i], ctx, name));
	snprintf(pc->version[i], sizeof(pc->version[i]), "%s", name);
	*out = pc->p[i];
	return VMC_OK;
}

/* ---- versions ------------------------------------------------------------ */

typedef struct qver {
	unsigned major, minor, micro;
	int has_micro;
} qver;

/* "X.Y" or "X.Y.Z", decimal, each at most 5 digits; 0 if not one. */
static int parse_version(qver *v, const char *s)
{
	unsigned part[3] = {0, 0, 0};
	int n = 0, digits = 0;

	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			if (++digits > 5)
				return 0;
			part[n] = part[n] * 10 + (unsigned)(*s - '0');
		} else if ((*s == '.' || *s == '\0') && digits) {
			n++;
			digits = 0;
			if (*s == '\0' || n == 3)
				break;
		} else {
			return 0;
		}
	}
	if (n < 2 || *s != '\0')
		return 0;
	v->major = part[0];
	v->minor = part[1];
	v->micro = part[2];
	v->has_micro = n == 3;
	return 1;
}

/* Release-line order of a profile against (major, minor). */
static int cmp_line(const vmc__prof_qemu *q, unsigned major, unsigned minor)
{
	if (q->major != major)
		return q->major < major ? -1 : 1;
	if (q->minor != minor)
		return q->minor < minor ? -1 : 1;
	return 0;
}

static size_t bundled_count(void)
{
	const char *const *v = vmc__profile_embedded_versions();
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/* "5.2, 7.2, 10.0, 11.1" */
static void bundled_list(char *out, size_t cap)
{
	const char *const *v = vmc__profile_embedded_versions();
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; v[i] && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? ", " : "", v[i]);
}

/* ---- what the report says ------------------------------------------------- */

static int set_key(vmc_report *r, uint32_t side, uint32_t key, const char *value)
{
	if (!value) {
		r->qemu[side][key] = NULL;
		return VMC_OK;
	}
	r->qemu[side][key] = vmc__report_printf(r, "%s", value);
	return r->qemu[side][key] ? VMC_OK : VMC_ENOMEM;
}

/* The rule data a proof uses: every embedded rules/ YAML file that is not a
 * profile, and a fingerprint of their bytes (FNV-1a, 64 bits: it changes
 * whenever a rule file does, which is all a report reader needs). */
static int set_rules(vmc_report *r, uint32_t side)
{
	const vmc__data_file *f;
	char names[512];
	uint64_t h = 0xcbf29ce484222325u;
	size_t o = 0, i;

	names[0] = '\0';
	for (f = vmc__data_files; f->path; f++) {
		const char *base;
		if (strncmp(f->path, "rules/", 6) != 0 || strncmp(f->path, "rules/profiles/", 15) == 0)
			continue;
		base = f->path + 6;
		if (o < sizeof(names))
			o += (size_t)snprintf(names + o, sizeof(names) - o, "%s%s", o ? ", " : "",
					      base);
		for (i = 0; i < f->len; i++) {
			h ^= f->data[i];
			h *= 0x100000001b3u;
		}
	}
	r->qemu[side][VMC_QEMU_RULES] =
		vmc__report_printf(r, "vmcompat %s embedded rules/ (%s; fnv1a64 %016llx)",
				   VMC_VERSION_STRING, names, (unsigned long long)h);
	return r->qemu[side][VMC_QEMU_RULES] ? VMC_OK : VMC_ENOMEM;
}

static const char *side_name(uint32_t side)
{
	return side == VMC_SIDE_SOURCE ? "source" : "destination";
}

static int record(vmc_report *r, uint32_t side, const vmc__profile *p, const char *profile,
		  const char *origin, const char *match, const char *note)
{
	const vmc__prof_qemu *q = p ? vmc__profile_qemu(p) : NULL;

	VMC_TRY(set_key(r, side, VMC_QEMU_MATCH, match));
	VMC_TRY(set_key(r, side, VMC_QEMU_NOTE, note));
	VMC_TRY(set_key(r, side, VMC_QEMU_PROFILE, profile));
	VMC_TRY(set_key(r, side, VMC_QEMU_ORIGIN, origin));
	VMC_TRY(set_key(r, side, VMC_QEMU_VERSION, q ? q->version : NULL));
	VMC_TRY(set_key(r, side, VMC_QEMU_PACKAGE, q ? q->package : NULL));
	VMC_TRY(set_key(r, side, VMC_QEMU_BINARY, q ? q->binary : NULL));
	return set_rules(r, side);
}

/* ---- choosing ---------------------------------------------------------------- */

/* A finding whose value belongs to one side (the other side's is NULL). */
static int emit_side(vmc_report *r, vmc_ctx *ctx, const char *id, uint32_t status,
		     const char *subject, uint32_t side, const char *value, const char *detail)
{
	return vmc__check_emit_to(r, ctx, id, status, subject,
				  side == VMC_SIDE_SOURCE ? value : NULL,
				  side == VMC_SIDE_SOURCE ? NULL : value, detail, NULL);
}

int vmc__profile_choose(const vmc__profile **out, vmc_report *r, vmc_ctx *ctx, uint32_t side,
			const char *version, const vmc_profile *given, const char *reason,
			int inherited)
{
	const char *const *names = vmc__profile_embedded_versions();
	size_t n = bundled_count(), i, best = n;
	const vmc__profile *p = NULL;
	char note[512], list[128];
	qver v;

	*out = NULL;
	VMC_TRY(set_key(r, side, VMC_QEMU_REQUESTED, given ? NULL : version));
	VMC_TRY(set_key(r, side, VMC_QEMU_REASON, reason));
	bundled_list(list, sizeof(list));
	if (given) {
		snprintf(note, sizeof(note), "profile %s (%s) of QEMU %s", given->name,
			 given->origin, vmc__profile_qemu(given->p)->version);
		*out = given->p;
		return record(r, side, given->p, given->name, given->origin, "profile", note);
	}
	VMC_FAIL_IF(!n, ctx, VMC_EUNSUPPORTED, VMC_NO_OFFSET,
		    "expected a bundled emulator profile, found none");
	if (!version) {
		VMC_TRY(bundled(&p, ctx, names[n - 1]));
		snprintf(note, sizeof(note),
			 "no QEMU version given: the newest bundled profile, %s (QEMU %s)",
			 names[n - 1], vmc__profile_qemu(p)->version);
		*out = p;
		return record(r, side, p, names[n - 1], "bundled", "newest", note);
	}
	VMC_FAIL_IF(!parse_version(&v, version), ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "expected a QEMU version such as 7.2 or 7.2.22, found '%.64s'", version);

	/* 1. the same release line */
	for (i = 0; i < n; i++) {
		qver b;
		if (parse_version(&b, names[i]) && b.major == v.major && b.minor == v.minor)
			break;
	}
	if (i < n) {
		const vmc__prof_qemu *q;
		VMC_TRY(bundled(&p, ctx, names[i]));
		q = vmc__profile_qemu(p);
		*out = p;
		if (!v.has_micro || v.micro == q->micro) {
			snprintf(note, sizeof(note), "QEMU %s: bundled profile %s (QEMU %s)", version,
				 names[i], q->version);
			return record(r, side, p, names[i], "bundled", "exact", note);
		}
		snprintf(note, sizeof(note),
			 "QEMU %s has no profile of its own: bundled profile %s (QEMU %s) is of the "
			 "same release line, %u.%u (stable releases keep its machine types and, but "
			 "for fixes, its migration formats)",
			 version, names[i], q->version, v.major, v.minor);
		return record(r, side, p, names[i], "bundled", "release-line", note);
	}

	/* 2. the same major version, nearest minor (ties: the older) */
	for (i = 0; i < n; i++) {
		qver b, c;
		if (!parse_version(&b, names[i]) || b.major != v.major)
			continue;
		if (best == n)
			best = i;
		else if (parse_version(&c, names[best]) &&
			 (b.minor > v.minor ? b.minor - v.minor : v.minor - b.minor) <
				 (c.minor > v.minor ? c.minor - v.minor : v.minor - c.minor))
			best = i;
	}
	if (best < n) {
		char detail[512];
		const vmc__prof_qemu *q;

		VMC_TRY(bundled(&p, ctx, names[best]));
		q = vmc__profile_qemu(p);
		snprintf(note, sizeof(note),
			 "QEMU %s: no bundled profile of release line %u.%u; bundled profile %s "
			 "(QEMU %s), the nearest of major version %u, stands in",
			 version, v.major, v.minor, names[best], q->version, v.major);
		VMC_TRY(record(r, side, p, names[best], "bundled", "stand-in", note));
		*out = p;
		if (inherited)
			return VMC_OK; /* the source's finding says it */
		snprintf(detail, sizeof(detail),
			 "it is the %s's; the answers below are those of QEMU %s, the nearest "
			 "bundled profile of major version %u (bundled: %s), and may differ for %s; "
			 "harvest that binary for an exact answer (vmcompat harvest, or its path as "
			 "--source-qemu/--target-qemu)",
			 side_name(side), q->version, v.major, list, version);
		return emit_side(r, ctx, "prove.profile", VMC_FINDING_UNKNOWN, version, side,
				 vmc__report_printf(r, "profile %s (QEMU %s) stands in", names[best],
						    q->version),
				 detail);
	}

	/* 3. none */
	{
		char detail[512];
		snprintf(note, sizeof(note), "QEMU %s: no bundled profile of major version %u",
			 version, v.major);
		VMC_TRY(record(r, side, NULL, NULL, NULL, "none", note));
		if (inherited)
			return VMC_OK;
		snprintf(detail, sizeof(detail),
			 "it is the %s's, and no bundled profile has major version %u (bundled: %s), "
			 "so nothing was compared; harvest that binary (vmcompat harvest, or its path "
			 "as --source-qemu/--target-qemu)",
			 side_name(side), v.major, list);
		return emit_side(r, ctx, "prove.profile", VMC_FINDING_UNKNOWN, version, side,
				 "no profile", detail);
	}
}

/* ---- a machine type the chosen QEMU does not have -------------------------- */

int vmc__profile_machine_missing(vmc_report *r, vmc_ctx *ctx, const vmc__profile *prof,
				 uint32_t side, const char *machine)
{
	const char *const *names = vmc__profile_embedded_versions();
	const vmc__prof_qemu *cur = vmc__profile_qemu(prof);
	const char *match = r->qemu[side][VMC_QEMU_MATCH];
	int standin = match && strcmp(match, "stand-in") == 0;
	size_t n = bundled_count(), i, o = 0;
	const vmc__prof_qemu *last_with = NULL, *first_without_after = NULL, *next_with = NULL;
	char have[128], detail[768];
	int rc;

	have[0] = '\0';
	for (i = 0; i < n; i++) {
		const vmc__profile *b;
		const vmc__prof_qemu *q;
		int has;

		VMC_TRY(bundled(&b, ctx, names[i]));
		q = vmc__profile_qemu(b);
		has = vmc__profile_find_machine(b, machine) != NULL;
		if (has && o < sizeof(have))
			o += (size_t)snprintf(have + o, sizeof(have) - o, "%s%s", o ? ", " : "",
					      names[i]);
		if (cmp_line(q, cur->major, cur->minor) < 0) {
			if (has) {
				last_with = q;
				first_without_after = NULL;
			} else if (last_with && !first_without_after) {
				first_without_after = q;
			}
		} else if (cmp_line(q, cur->major, cur->minor) > 0 && has && !next_with) {
			next_with = q;
		}
	}
	o = (size_t)snprintf(detail, sizeof(detail), "the %s's QEMU, %s, does not have it, so "
			     "that side cannot start with it; ", side_name(side), cur->version);
	if (!have[0]) {
		char list[128];
		bundled_list(list, sizeof(list));
		snprintf(detail + o, sizeof(detail) - o, "no bundled profile has it (bundled: %s)",
			 list);
	} else if (last_with && !next_with) {
		unsigned maj = first_without_after ? first_without_after->major : cur->major;
		unsigned min = first_without_after ? first_without_after->minor : cur->minor;
		snprintf(detail + o, sizeof(detail) - o,
			 "%s was removed after QEMU %u.%u (%u.%u does not have it); bundled "
			 "profiles that have it: %s",
			 machine, last_with->major, last_with->minor, maj, min, have);
	} else if (next_with && !last_with) {
		snprintf(detail + o, sizeof(detail) - o,
			 "%s is newer than QEMU %u.%u (first in bundled profile %u.%u); bundled "
			 "profiles that have it: %s",
			 machine, cur->major, cur->minor, next_with->major, next_with->minor, have);
	} else {
		snprintf(detail + o, sizeof(detail) - o, "bundled profiles that have it: %s", have);
	}
	if (standin && strlen(detail) + 120 < sizeof(detail))
		snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
			 "; the profile only stands in for QEMU %s, whose machine types are not "
			 "known",
			 r->qemu[side][VMC_QEMU_REQUESTED] ? r->qemu[side][VMC_QEMU_REQUESTED]
							   : "?");
	rc = emit_side(r, ctx, "prove.machine-type",
		       standin ? VMC_FINDING_UNKNOWN : VMC_FINDING_REFUTED, machine, side,
		       vmc__report_printf(r, "not in QEMU %s", cur->version), detail);
	return rc < 0 ? rc : 1;
}

/* ---- the public handle ------------------------------------------------------- */

const char *const *vmc_profile_bundled_names(void)
{
	return vmc__profile_embedded_versions();
}

static int wrap(vmc_profile **out, vmc_ctx *ctx, vmc__profile *p, const char *name,
		const char *origin)
{
	vmc_profile *h = vmc__calloc(ctx, 1, sizeof(*h));

	if (h) {
		h->ctx = ctx;
		h->p = p;
		h->name = vmc__strndup(ctx, name, strlen(name));
		h->origin = vmc__strndup(ctx, origin, strlen(origin));
	}
	if (!h || !h->name || !h->origin) {
		vmc_profile_free(h);
		if (!h)
			vmc__profile_free(p);
		return VMC_OOM(ctx);
	}
	*out = h;
	return VMC_OK;
}

int vmc_profile_bundled(vmc_profile **out, vmc_ctx *ctx, const char *name)
{
	vmc__profile *p;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !name, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	vmc_error_clear(ctx);
	VMC_TRY(vmc__profile_load_embedded(&p, ctx, name));
	return wrap(out, ctx, p, name, "bundled");
}

int vmc_profile_read_path(vmc_profile **out, vmc_ctx *ctx, const char *path, const char *origin)
{
	vmc__profile *p;
	uint8_t *data;
	size_t len;
	int rc;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !path, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	vmc_error_clear(ctx);
	/* same bound as a decompressed profile (parsers/profile.c) */
	VMC_TRY(vmc__read_file(ctx, path, 32u << 20, "profile size", &data, &len));
	rc = vmc__profile_load_buffer(&p, ctx, path, data, len);
	vmc__free(ctx, data);
	VMC_TRY(rc);
	return wrap(out, ctx, p, path, origin ? origin : "file");
}

void vmc_profile_free(vmc_profile *h)
{
	if (!h)
		return;
	vmc__profile_free(h->p);
	vmc__free(h->ctx, h->name);
	vmc__free(h->ctx, h->origin);
	vmc__free(h->ctx, h);
}

const char *vmc_profile_name(const vmc_profile *h)
{
	return h ? h->name : NULL;
}

const char *vmc_profile_origin(const vmc_profile *h)
{
	return h ? h->origin : NULL;
}

const char *vmc_profile_version(const vmc_profile *h)
{
	return h ? vmc__profile_qemu(h->p)->version : NULL;
}

const char *vmc_profile_package(const vmc_profile *h)
{
	return h ? vmc__profile_qemu(h->p)->package : NULL;
}

const char *vmc_profile_binary(const vmc_profile *h)
{
	return h ? vmc__profile_qemu(h->p)->binary : NULL;
}

size_t vmc_profile_machine_count(const vmc_profile *h)
{
	return h ? vmc__profile_machine_count(h->p) : 0;
}

static const vmc__prof_machine *machine_at(const vmc_profile *h, size_t i)
{
	return h && i < vmc__profile_machine_count(h->p) ? vmc__profile_machine(h->p, i) : NULL;
}

const char *vmc_profile_machine_name(const vmc_profile *h, size_t i)
{
	const vmc__prof_machine *m = machine_at(h, i);
	return m ? m->name : NULL;
}

const char *vmc_profile_machine_alias(const vmc_profile *h, size_t i)
{
	const vmc__prof_machine *m = machine_at(h, i);
	return m ? m->alias : NULL;
}

int vmc_profile_machine_is_default(const vmc_profile *h, size_t i)
{
	const vmc__prof_machine *m = machine_at(h, i);
	return m ? m->is_default : 0;
}

const char *vmc_report_qemu(const vmc_report *r, uint32_t side, uint32_t key)
{
	if (!r || side > VMC_SIDE_DESTINATION || key >= VMC_QEMU_KEY_COUNT)
		return NULL;
	return r->qemu[side][key];
}
