/*
 * prove.c - `prove`: decide a migration between two configurations, for
 * every guest state, without any stream.
 *
 * Stage: rules.  Input: two parsed configurations (parsers/config.h), the
 * bundled emulator profiles (parsers/profile.h: what one QEMU binary was
 * observed to do) and the rule data (topology, virtio-pci layout, checks).
 * Output: the same report `check` gives for two real streams.
 *
 * How: each configuration becomes the model of the stream its QEMU would
 * write (rules/synth.c): the machine's own sections and RAM blocks from the
 * profile's device-less guest, each PCI device placed by the topology rules
 * (pci path -> section idstr, option ROM block name), each virtio-pci
 * device's config space built by the layout rules (rules/pci_build.c) for
 * whatever properties it has, recorded or not.  Then the check rules run on
 * the two models with the destination profile's vmstate table.  What
 * depends on the guest's state is added with a condition: features the
 * source offers and the destination does not fail once a guest negotiates
 * them.  Devices neither the profile nor the rules describe make the answer
 * unknown, never a guess.
 */
#include "check.h"
#include "pci_build.h"
#include "profile_select.h"
#include "synth.h"
#include "topology.h"
#include "../lib/data.h"
#include "../parsers/profile.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct vmc_config {
	vmc__config *cfg;
};

int vmc_config_parse(vmc_config **out, vmc_ctx *ctx, const char *text, size_t len,
		     const char *origin)
{
	vmc_config *c;
	int rc;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || (!text && len), ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	vmc_error_clear(ctx);
	c = vmc__calloc(ctx, 1, sizeof(*c));
	if (!c)
		return VMC_ENOMEM;
	rc = vmc__config_parse(&c->cfg, ctx, text ? text : "", len, origin ? origin : "config");
	if (rc < 0) {
		vmc__free(ctx, c);
		return rc;
	}
	*out = c;
	return VMC_OK;
}

void vmc_config_free(vmc_config *c)
{
	vmc_ctx *ctx;

	if (!c)
		return;
	ctx = c->cfg->arena.ctx;
	vmc__config_free(c->cfg);
	vmc__free(ctx, c);
}

/* ---- the model of one configuration ----------------------------------- */

typedef struct family {
	const char *name, *vmsd;
} family;

/* The rule data prove needs, parsed once per context (lib/ctx.h caches). */
typedef struct prove_rules {
	vmc__arena arena;
	const vmc__topology *topo;
	const vmc__vpci_layout *layout;
	family *families;
	size_t nfamilies;
} prove_rules;

typedef struct prover {
	vmc_ctx *ctx;
	vmc__arena arena;          /* everything of this call */
	const vmc__topology *topo;
	const vmc__vpci_layout *layout;
	const family *families;
	size_t nfamilies;
	vmc_report *report;
} prover;

typedef struct model {
	const char *side;          /* "source" / "destination" */
	uint32_t side_id;          /* VMC_SIDE_* */
	const vmc__config *cfg;
	const vmc__profile *prof;
	const char *machine;       /* resolved */
	vmc_stream *stream;
	vmc__synth_vdev *vdevs;
	size_t nvdevs;
	const char **vdev_types;   /* QOM type of each vdev */
	const vmc__vpci_params **vdev_params;
} model;

static int load_families(prove_rules *pr, vmc_ctx *ctx)
{
	const vmc__data_file *f = vmc__data_find("rules/virtio-families.yaml");
	const vmc__ynode *doc, *list;
	size_t i;

	if (!f)
		return VMC_FAIL(ctx, VMC_ESCHEMA, VMC_NO_OFFSET,
				"expected the embedded rules/virtio-families.yaml, found none");
	VMC_TRY(vmc__yaml_parse(&doc, &pr->arena, f->path, f->data, f->len));
	list = vmc__yaml_get(doc, "families");
	if (!list || list->kind != VMC_YAML_SEQ)
		return vmc__yaml_fail(ctx, doc, "expected a list 'families', found none");
	pr->families = vmc__arena_alloc(&pr->arena, sizeof(*pr->families) * (list->len + 1));
	if (!pr->families)
		return VMC_ENOMEM;
	for (i = 0; i < list->len; i++) {
		VMC_TRY(vmc__yaml_str(ctx, list->items[i], "name", 1, &pr->families[i].name));
		VMC_TRY(vmc__yaml_str(ctx, list->items[i], "vmsd", 1, &pr->families[i].vmsd));
	}
	pr->nfamilies = list->len;
	return VMC_OK;
}

static void free_prove_rules(vmc_ctx *ctx, void *data)
{
	prove_rules *pr = data;

	vmc__arena_free(&pr->arena);
	vmc__free(ctx, pr);
}

static int prove_rules_get(const prove_rules **out, vmc_ctx *ctx)
{
	prove_rules *pr = ctx->cache[VMC__CACHE_PROVE_RULES];
	int rc;

	if (!pr) {
		pr = vmc__calloc(ctx, 1, sizeof(*pr));
		if (!pr)
			return VMC_ENOMEM;
		vmc__arena_init(&pr->arena, ctx);
		rc = vmc__topology_load(&pr->topo, &pr->arena);
		if (rc == VMC_OK)
			rc = vmc__vpci_layout_builtin(&pr->layout, &pr->arena);
		if (rc == VMC_OK)
			rc = load_families(pr, ctx);
		if (rc < 0) {
			free_prove_rules(ctx, pr);
			return rc;
		}
		ctx->cache[VMC__CACHE_PROVE_RULES] = pr;
		ctx->cache_free[VMC__CACHE_PROVE_RULES] = free_prove_rules;
	}
	*out = pr;
	return VMC_OK;
}

static const char *family_vmsd(const prover *pv, const char *name)
{
	size_t i;

	for (i = 0; i < pv->nfamilies; i++)
		if (strcmp(pv->families[i].name, name) == 0)
			return pv->families[i].vmsd;
	return NULL;
}

/* is_pci callback for the topology: a virtio-pci type the layout knows. */
typedef struct pci_probe {
	prover *pv;
	const model *m;
} pci_probe;

static int is_virtio_pci(void *payload, const char *driver)
{
	pci_probe *pp = payload;
	vmc__vpci_params params;
	int rc;

	rc = vmc__vpci_resolve(&params, pp->pv->ctx, pp->pv->layout, driver, NULL, 0, NULL, 0,
			       VMC_VPCI_BUS_PCI, pp->m->machine, 1);
	vmc_error_clear(pp->pv->ctx);
	return rc == VMC_OK;
}

static uint32_t vpci_bus(uint32_t bus_kind)
{
	switch (bus_kind) {
	case VMC_BUS_PCIE_ROOT:
		return VMC_VPCI_BUS_PCIE_ROOT;
	case VMC_BUS_PCIE_PORT:
		return VMC_VPCI_BUS_PCIE_PORT;
	default:
		return VMC_VPCI_BUS_PCI;
	}
}

static const char *bus_name(uint32_t bus_kind)
{
	static const char *const names[] = {"pci-root", "pcie-root", "pcie-root-port",
					    "pci-bridge"};
	return bus_kind < 4 ? names[bus_kind] : "?";
}

static int unknown(prover *pv, const char *id, const char *subject, const char *src,
		   const char *dst, const char *detail)
{
	return vmc__check_emit_to(pv->report, pv->ctx, id, VMC_FINDING_UNKNOWN, subject, src, dst,
				  detail, NULL);
}

/* The version of a backend's section as a reference guest recorded it. */
static int backend_version(const vmc__profile *prof, const char *section, uint32_t *out)
{
	size_t i, j;

	for (i = 0; i < vmc__profile_ref_count(prof); i++) {
		const vmc__prof_ref *r = vmc__profile_ref(prof, i);
		for (j = 0; j < r->nother_sections; j++)
			if (strcmp(r->other_sections[j].idstr, section) == 0) {
				*out = r->other_sections[j].version;
				return 1;
			}
	}
	return 0;
}

/* Section version of vmsd in the profile's vmstate table. */
static int vmsd_version(const vmc_vmstate *vs, const char *vmsd, uint32_t *out)
{
	const struct vmc__vmsd_entry *e = vmc__vmstate_vmsd(vs, vmsd);

	if (!e)
		return 0;
	*out = e->version;
	return 1;
}

static int build_model(prover *pv, model *m)
{
	vmc_ctx *ctx = pv->ctx;
	const vmc__config *cfg = m->cfg;
	const vmc__prof_machine *pm = cfg->machine ? vmc__profile_find_machine(m->prof, cfg->machine)
						   : vmc__profile_default_machine(m->prof);
	const vmc__prof_base *base;
	vmc__synth_section *secs;
	vmc__synth_block *blocks;
	vmc_vmstate *vs = NULL;
	vmc__placed *placed;
	uint8_t used[32];
	size_t nsecs = 0, nblocks = 0, nplaced, i;
	uint64_t default_ram;
	const char *main_ram;
	pci_probe pp;
	int rc;

	if (!pm && cfg->machine) /* a finding, not an error (rules/profile_select.c) */
		return vmc__profile_machine_missing(pv->report, ctx, m->prof, m->side_id,
						    cfg->machine);
	if (!pm)
		return VMC_FAIL_AT(ctx, VMC_EUNSUPPORTED, VMC_NO_OFFSET, cfg->origin,
				   "expected a default machine type in the profile of QEMU %s, "
				   "found none",
				   vmc__profile_qemu(m->prof)->version);
	m->machine = pm->name;
	base = vmc__profile_find_base(m->prof, pm->name);
	if (!base || base->error) {
		/* another member of the family: machine types of one family have
		 * the same device-less sections in the versions profiled */
		size_t k;
		base = NULL;
		for (k = 0; k < vmc__profile_base_count(m->prof) && !base; k++) {
			const vmc__prof_base *b = vmc__profile_base(m->prof, k);
			if (!b->error && b->family && pm->family && strcmp(b->family, pm->family) == 0)
				base = b;
		}
		if (!base)
			return VMC_FAIL_AT(ctx, VMC_EUNSUPPORTED, VMC_NO_OFFSET, cfg->origin,
					   "expected the profile of QEMU %s to describe machine '%s', "
					   "found nothing for its family",
					   vmc__profile_qemu(m->prof)->version, pm->name);
	}
	/* Section versions and subsections belong to the binary, not to the
	 * machine type: any table of the same profile serves. */
	rc = vmc__profile_vmstate(&vs, ctx, m->prof, pm->name);
	if (rc < 0 && base->machine)
		rc = vmc__profile_vmstate(&vs, ctx, m->prof, base->machine);
	if (rc < 0 && vmc__profile_default_machine(m->prof))
		rc = vmc__profile_vmstate(&vs, ctx, m->prof,
					  vmc__profile_default_machine(m->prof)->name);
	if (rc < 0) {
		vmc_error_clear(ctx);
		vs = NULL;
	}

	secs = vmc__arena_alloc(&pv->arena, sizeof(*secs) * (base->nsections + 2 * cfg->ndevices +
							     cfg->nbackends + 1));
	blocks = vmc__arena_alloc(&pv->arena,
				  sizeof(*blocks) * (base->nramblocks + cfg->ndevices + 1));
	m->vdevs = vmc__arena_alloc(&pv->arena, sizeof(*m->vdevs) * (cfg->ndevices + 1));
	m->vdev_types = vmc__arena_alloc(&pv->arena, sizeof(*m->vdev_types) * (cfg->ndevices + 1));
	m->vdev_params = vmc__arena_alloc(&pv->arena, sizeof(*m->vdev_params) * (cfg->ndevices + 1));
	if (!secs || !blocks || !m->vdevs || !m->vdev_types || !m->vdev_params) {
		vmc_vmstate_free(vs);
		return VMC_ENOMEM;
	}
	memset(used, 0, sizeof(used));
	for (i = 0; i < base->nsections; i++) {
		const vmc__prof_section *ps = &base->sections[i];
		unsigned slot, fn;
		secs[nsecs].idstr = ps->idstr;
		secs[nsecs].instance = ps->instance;
		secs[nsecs].version = ps->version;
		secs[nsecs].vmsd = NULL;
		nsecs++;
		if (sscanf(ps->idstr, "0000:00:%2x.%1x/", &slot, &fn) == 2 && slot < 32)
			used[slot] = 1;
	}
	main_ram = vmc__topology_main_ram(pv->topo, &default_ram);
	for (i = 0; i < base->nramblocks; i++) {
		blocks[nblocks].name = base->ramblocks[i].name;
		blocks[nblocks].size = base->ramblocks[i].used;
		if (strcmp(base->ramblocks[i].name, main_ram) == 0)
			blocks[nblocks].size = cfg->ram_bytes ? cfg->ram_bytes : default_ram;
		nblocks++;
	}

	/* Backends with a section of their own (-netdev user: "slirp"). */
	for (i = 0; i < cfg->nbackends; i++) {
		const vmc__cfg_backend *be = &cfg->backends[i];
		const char *sec = vmc__topology_backend_section(pv->topo, be->kind, be->type);
		uint32_t inst = 0, version = 0;
		size_t k;

		if (!sec)
			continue;
		for (k = 0; k < nsecs; k++)
			inst += strcmp(secs[k].idstr, sec) == 0;
		if (!backend_version(m->prof, sec, &version)) {
			vmc_vmstate_free(vs);
			return unknown(pv, "prove.unmodeled", sec, m->side,
				       "no section version in the profile", be->kind);
		}
		secs[nsecs].idstr = sec;
		secs[nsecs].instance = inst;
		secs[nsecs].version = version;
		secs[nsecs].vmsd = NULL;
		nsecs++;
	}

	pp.pv = pv;
	pp.m = m;
	rc = vmc__topology_place(&placed, &nplaced, &pv->arena, pv->topo, cfg, m->machine, used,
				 is_virtio_pci, &pp);
	for (i = 0; rc == VMC_OK && i < nplaced; i++) {
		const vmc__placed *p = &placed[i];
		const vmc__cfg_device *d = p->dev;
		char idstr[160];
		uint32_t version = 0;

		if (p->bridge_vmsd) {
			/* its secondary bus registers a bus section (instance: the
			 * buses before it, the root's included) */
			const char *bs = vmc__topology_bus_section(pv->topo);
			uint32_t inst = 0, bver = 0;
			size_t k;
			int have = 0;

			for (k = 0; k < nsecs; k++)
				if (strcmp(secs[k].idstr, bs) == 0) {
					inst++;
					bver = secs[k].version;
					have = 1;
				}
			if (!have && !(vs && vmsd_version(vs, bs, &bver)))
				rc = unknown(pv, "prove.unmodeled", bs, m->side,
					     "no section version in the profile", d->driver);
			secs[nsecs].idstr = bs;
			secs[nsecs].instance = inst;
			secs[nsecs].version = bver;
			secs[nsecs].vmsd = NULL;
			nsecs++;
			snprintf(idstr, sizeof(idstr), "%s/%s", p->path, p->bridge_vmsd);
			secs[nsecs].idstr = vmc__arena_strndup(&pv->arena, idstr, strlen(idstr));
			secs[nsecs].instance = 0;
			if (!vs || !vmsd_version(vs, p->bridge_vmsd, &version))
				rc = unknown(pv, "prove.unmodeled", idstr, m->side,
					     "no section version in the profile", d->driver);
			secs[nsecs].version = version;
			secs[nsecs].vmsd = p->bridge_vmsd;
			nsecs++;
			continue;
		}
		{
			vmc__vpci_params *params = vmc__arena_alloc(&pv->arena, sizeof(*params));
			vmc__synth_vdev *v = &m->vdevs[m->nvdevs];
			const vmc__prof_ref *ref;
			const vmc__prof_device *pd;
			const char *vmsd, *romfile, *rombar;
			uint8_t *cfgbytes = vmc__arena_alloc(&pv->arena, 4096);
			size_t size;

			if (!params || !cfgbytes) {
				rc = VMC_ENOMEM;
				break;
			}
			rc = vmc__vpci_resolve(params, ctx, pv->layout, d->driver, d->props, d->nprops,
					       cfg->globals, cfg->nglobals, vpci_bus(p->bus_kind),
					       m->machine, cfg->smp_cpus);
			if (rc < 0)
				break;
			if (params->refused[0]) {
				rc = vmc__check_emit_to(pv->report, ctx, "prove.refused",
							VMC_FINDING_REFUTED, d->driver, m->side,
							params->refused, params->refused, NULL);
				continue;
			}
			rc = vmc__vpci_build(cfgbytes, &size, NULL, ctx, pv->layout, params);
			if (rc < 0)
				break;
			vmsd = family_vmsd(pv, params->family);
			if (!vmsd) {
				rc = VMC_FAIL(ctx, VMC_ESCHEMA, VMC_NO_OFFSET,
					      "expected family '%s' in rules/virtio-families.yaml",
					      params->family);
				break;
			}
			snprintf(idstr, sizeof(idstr), "%s/%s", p->path, vmsd);
			v->idstr = vmc__arena_strndup(&pv->arena, idstr, strlen(idstr));
			v->vmsd = vmsd;
			if (!vs || !vmsd_version(vs, vmsd, &version))
				rc = unknown(pv, "prove.unmodeled", idstr, m->side,
					     "no section version in the profile", d->driver);
			v->version = version;
			v->config = cfgbytes;
			v->config_size = size;
			v->vectors = params->vectors;
			v->config_len = params->config_len;
			/* Queues: the profile's recorded guest of the same type on
			 * the same machine type (compat properties change queue
			 * sizes between machine types); none recorded: not
			 * compared. */
			ref = vmc__profile_find_ref(m->prof, pm->family, bus_name(p->bus_kind),
						    d->driver, "");
			if (ref && !ref->error && ref->machine &&
			    strcmp(ref->machine, m->machine) == 0) {
				v->nqueues = (uint32_t)ref->nqueues;
				v->queue_sizes = ref->queues;
			}
			m->vdev_types[m->nvdevs] = d->driver;
			m->vdev_params[m->nvdevs] = params;
			m->nvdevs++;

			/* The option ROM's RAM block. */
			pd = vmc__profile_find_device(m->prof, d->driver);
			romfile = vmc__kv_get(d->props, d->nprops, "romfile");
			if (!romfile)
				romfile = pd ? pd->romfile : NULL;
			rombar = vmc__kv_get(d->props, d->nprops, "rombar");
			if (romfile && *romfile) {
				char name[256];
				vmc__topology_rom_name(name, sizeof(name), pv->topo, p->path,
						       d->driver, romfile,
						       !(rombar && strcmp(rombar, "0") == 0));
				blocks[nblocks].name = vmc__arena_strndup(&pv->arena, name,
									   strlen(name));
				blocks[nblocks].size = pd ? pd->rom_size : 0;
				if (!pd || !pd->rom_size || !pd->romfile ||
				    strcmp(pd->romfile, romfile) != 0)
					rc = unknown(pv, "prove.unmodeled", name, m->side,
						     "ROM size not in the profile", romfile);
				nblocks++;
			}
		}
	}
	/* Input that creates guest devices the configuration model does not
	 * hold (-vga std, -serial, a disk on a built-in controller, ...). */
	for (i = 0; rc == VMC_OK && i < cfg->nunmapped; i++)
		rc = unknown(pv, "prove.unmodeled", cfg->unmapped[i], m->side,
			     "no profile or rule describes this device", cfg->origin);
	/* Devices that are neither bridges nor virtio-pci: not modeled. */
	for (i = 0; rc == VMC_OK && i < cfg->ndevices; i++) {
		size_t k;
		int found = 0;
		for (k = 0; k < nplaced && !found; k++)
			found = placed[k].dev == &cfg->devices[i];
		if (!found)
			rc = unknown(pv, "prove.unmodeled", cfg->devices[i].driver, m->side,
				     "no profile or rule describes this device",
				     cfg->devices[i].origin);
	}
	if (rc == VMC_OK)
		rc = vmc__synth_stream(&m->stream, ctx, m->machine, secs, nsecs, blocks, nblocks,
				       m->vdevs, m->nvdevs);
	vmc_vmstate_free(vs);
	return rc;
}

/* Features a source device offers that the destination's does not: the
 * pair then holds only while the guest has not negotiated them. */
static int feature_conditions(prover *pv, const model *src, const model *dst)
{
	size_t i, j, k;

	for (i = 0; i < src->nvdevs; i++) {
		const vmc__synth_vdev *a = &src->vdevs[i];
		const vmc__prof_ref *ra = NULL, *rb = NULL;
		char missing[512] = "";
		size_t used = 0;

		for (j = 0; j < dst->nvdevs; j++)
			if (strcmp(dst->vdevs[j].idstr, a->idstr) == 0)
				break;
		if (j == dst->nvdevs)
			continue;
		/* host features as recorded on the same machine type (compat
		 * properties turn features off for older machine types) */
		for (k = 0; k < vmc__profile_ref_count(src->prof) && !ra; k++) {
			const vmc__prof_ref *r = vmc__profile_ref(src->prof, k);
			if (!r->error && strcmp(r->type, src->vdev_types[i]) == 0 && r->machine &&
			    strcmp(r->machine, src->machine) == 0)
				ra = r;
		}
		for (k = 0; k < vmc__profile_ref_count(dst->prof) && !rb; k++) {
			const vmc__prof_ref *r = vmc__profile_ref(dst->prof, k);
			if (!r->error && strcmp(r->type, dst->vdev_types[j]) == 0 && r->machine &&
			    strcmp(r->machine, dst->machine) == 0)
				rb = r;
		}
		if (!ra || !rb || ra->host_features_error || rb->host_features_error)
			continue;
		for (k = 0; k < ra->nhost_features; k++) {
			size_t l;
			int offered = 0;
			for (l = 0; l < rb->nhost_features && !offered; l++)
				offered = strcmp(ra->host_features[k], rb->host_features[l]) == 0;
			if (!offered && used + strlen(ra->host_features[k]) + 3 < sizeof(missing))
				used += (size_t)snprintf(missing + used, sizeof(missing) - used, "%s%s",
							 used ? ", " : "", ra->host_features[k]);
		}
		if (used) {
			char cond[640];
			snprintf(cond, sizeof(cond),
				 "fails once the guest negotiated any of: %s (offered by the source, "
				 "not by the destination)",
				 missing);
			VMC_TRY(vmc__check_emit_to(pv->report, pv->ctx, "prove.features",
						   VMC_FINDING_WARNING, a->idstr, missing,
						   "not offered", missing, cond));
		}
	}
	return VMC_OK;
}

static int prove_models(vmc_report **out, vmc_ctx *ctx, const vmc_stream *real_src,
			const vmc__config *src_cfg, const vmc__config *dst_cfg,
			const vmc_prove_options *opts)
{
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
	const vmc__profile *sp = NULL, *dp = NULL;
	const prove_rules *pr = NULL;
	vmc_vmstate *dv = NULL;
	model ms, md;
	prover pv;
	int rc;

	if (opts) {
		/* version 1 callers have the first four members only */
		VMC_FAIL_IF(opts->version != 1 && opts->version != VMC_PROVE_OPTIONS_VERSION, ctx,
			    VMC_EINVAL, VMC_NO_OFFSET,
			    "expected prove options version 1 to %u, found %u",
			    VMC_PROVE_OPTIONS_VERSION, opts->version);
		if (opts->version == 1)
			memcpy(&o, opts, offsetof(vmc_prove_options, source_profile));
		else
			o = *opts;
	}
	vmc_error_clear(ctx);
	memset(&pv, 0, sizeof(pv));
	memset(&ms, 0, sizeof(ms));
	memset(&md, 0, sizeof(md));
	pv.ctx = ctx;
	vmc__arena_init(&pv.arena, ctx);
	rc = vmc__report_new(&pv.report, ctx, o.flags);
	if (rc == VMC_OK)
		rc = prove_rules_get(&pr, ctx);
	if (rc == VMC_OK) {
		pv.topo = pr->topo;
		pv.layout = pr->layout;
		pv.families = pr->families;
		pv.nfamilies = pr->nfamilies;
	}
	/* Which QEMU each side is (rules/profile_select.c); the destination's
	 * is the source's unless given.  No profile: a finding, and rc 1 ends
	 * the proof there. */
	if (rc == VMC_OK && src_cfg)
		rc = vmc__profile_choose(&sp, pv.report, ctx, VMC_SIDE_SOURCE, o.source_qemu,
					 o.source_profile, o.source_reason, 0);
	if (rc == VMC_OK) {
		int own = o.target_profile || o.target_qemu;
		rc = vmc__profile_choose(&dp, pv.report, ctx, VMC_SIDE_DESTINATION,
					 own ? o.target_qemu : o.source_qemu,
					 own ? o.target_profile : o.source_profile,
					 own ? o.target_reason : o.source_reason, !own && src_cfg);
	}
	if (rc == VMC_OK && ((src_cfg && !sp) || !dp))
		rc = 1;
	if (rc == VMC_OK && src_cfg) {
		ms.side = "source";
		ms.side_id = VMC_SIDE_SOURCE;
		ms.cfg = src_cfg;
		ms.prof = sp;
		rc = build_model(&pv, &ms);
	}
	if (rc == VMC_OK) {
		md.side = "destination";
		md.side_id = VMC_SIDE_DESTINATION;
		md.cfg = dst_cfg;
		md.prof = dp;
		rc = build_model(&pv, &md);
	}
	if (rc == VMC_OK) {
		rc = vmc__profile_vmstate(&dv, ctx, dp, md.machine);
		if (rc < 0 && vmc__profile_default_machine(dp))
			rc = vmc__profile_vmstate(&dv, ctx, dp,
						  vmc__profile_default_machine(dp)->name);
		if (rc < 0) {
			vmc_error_clear(ctx);
			dv = NULL;
			rc = VMC_OK;
		}
	}
	if (rc == VMC_OK)
		rc = vmc__check_run(pv.report, ctx, real_src ? real_src : ms.stream, md.stream, dv);
	if (rc == VMC_OK && src_cfg)
		rc = feature_conditions(&pv, &ms, &md);
	vmc_vmstate_free(dv);
	vmc_stream_free(ms.stream);
	vmc_stream_free(md.stream);
	vmc__arena_free(&pv.arena);
	if (rc < 0) {
		vmc_report_free(pv.report);
		return rc;
	}
	vmc__report_finish(pv.report);
	*out = pv.report;
	return VMC_OK;
}

int vmc_prove(vmc_report **out, vmc_ctx *ctx, const vmc_config *source, const vmc_config *target,
	      const vmc_prove_options *opts)
{
	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !source || !target, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	return prove_models(out, ctx, NULL, source->cfg, target->cfg, opts);
}

int vmc_check_stream_config(vmc_report **out, vmc_ctx *ctx, const vmc_stream *src,
			    const vmc_config *target, const vmc_prove_options *opts)
{
	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!out || !src || !target, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	return prove_models(out, ctx, src, NULL, target->cfg, opts);
}
