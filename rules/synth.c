/*
 * synth.c - build the vmc_stream model of a configuration (see synth.h).
 *
 * Stage: rules (prove).  Input: facts resolved by rules/prove.c from a
 * configuration, a profile and the rule data.  Output: a vmc_stream that the
 * check rules read like a decoded real stream.  Only the parts the rules
 * read are built; a synthesized section has no held bytes (data NULL), so
 * the PCI rule reads the config field itself.
 */
#include "synth.h"

#include <string.h>

static const char *dup(vmc_stream *s, const char *str)
{
	return str ? vmc__arena_strndup(&s->arena, str, strlen(str)) : NULL;
}

static vmc_field *nodes(vmc_stream *s, size_t n)
{
	return vmc__fields_alloc(&s->arena, n, &s->field_budget);
}

static void leaf(vmc_field *f, const char *name, const char *type, uint32_t kind, uint64_t size,
		 uint64_t value)
{
	f->name = name;
	f->type = type;
	f->kind = kind;
	f->size = size;
	f->u = value;
	f->i = (int64_t)value;
}

/* The blob's children check_virtio.c and check_pci.c read. */
static int virtio_blob(vmc_stream *s, vmc_field *v, const vmc__synth_vdev *d)
{
	vmc_field *c, *pci, *cfg, *msix, *vq;
	uint8_t *bytes;
	size_t i, n = 0;

	c = nodes(s, 6);
	pci = nodes(s, 3);
	bytes = vmc__arena_alloc(&s->arena, d->config_size ? d->config_size : 1);
	if (!c || !pci || !bytes)
		return VMC_ENOMEM;
	memcpy(bytes, d->config, d->config_size);
	v->name = "virtio";
	v->type = "virtio";
	v->kind = VMC_FIELD_STRUCT;
	v->expanded = 1;
	v->children = c;

	/* pci: PCIDevice (version_id, config, irq_state) */
	leaf(&pci[0], "version_id", "int32 le", VMC_FIELD_INT, 4, 2);
	cfg = &pci[1];
	leaf(cfg, "config", "pci config", VMC_FIELD_BYTES, d->config_size, 0);
	cfg->bytes = bytes;
	leaf(&pci[2], "irq_state", "pci irq state", VMC_FIELD_ARRAY, 16, 0);
	pci[2].children = nodes(s, 4);
	if (!pci[2].children)
		return VMC_ENOMEM;
	pci[2].nchildren = 4;
	for (i = 0; i < 4; i++)
		leaf(&pci[2].children[i], "irq_state", "uint32", VMC_FIELD_UINT, 4, 0);
	c[n].name = "pci";
	c[n].type = "PCIDevice";
	c[n].kind = VMC_FIELD_STRUCT;
	c[n].children = pci;
	c[n].nchildren = 3;
	n++;

	if (d->vectors) {
		/* msix_table: reset entries are masked (vector_ctrl 1) */
		msix = &c[n++];
		leaf(msix, "msix_table", "msix_table_entry", VMC_FIELD_ARRAY, 16ull * d->vectors, 0);
		msix->children = nodes(s, d->vectors);
		if (!msix->children)
			return VMC_ENOMEM;
		msix->nchildren = d->vectors;
		for (i = 0; i < d->vectors; i++) {
			vmc_field *e = &msix->children[i], *m = nodes(s, 4);
			if (!m)
				return VMC_ENOMEM;
			e->name = "msix_table";
			e->type = "msix_table_entry";
			e->kind = VMC_FIELD_STRUCT;
			e->size = 16;
			e->children = m;
			e->nchildren = 4;
			leaf(&m[0], "msg_addr_lo", "uint32", VMC_FIELD_UINT, 4, 0);
			leaf(&m[1], "msg_addr_hi", "uint32", VMC_FIELD_UINT, 4, 0);
			leaf(&m[2], "msg_data", "uint32", VMC_FIELD_UINT, 4, 0);
			leaf(&m[3], "vector_ctrl", "uint32", VMC_FIELD_UINT, 4, 1);
		}
		leaf(&c[n++], "config_vector", "uint16", VMC_FIELD_UINT, 2, 0xffff);
	}
	leaf(&c[n++], "guest_features", "uint32", VMC_FIELD_UINT, 4, 0);
	leaf(&c[n++], "config_len", "uint32", VMC_FIELD_UINT, 4, d->config_len);

	/* queues unknown (no recorded guest for this machine type): no "vq",
	 * so the queue rules compare nothing */
	if (!d->queue_sizes) {
		v->nchildren = n;
		return VMC_OK;
	}
	vq = &c[n++];
	leaf(vq, "vq", "virtio_save.vq", VMC_FIELD_ARRAY, 0, 0);
	vq->children = nodes(s, d->nqueues ? d->nqueues : 1);
	if (!vq->children)
		return VMC_ENOMEM;
	vq->nchildren = d->nqueues;
	for (i = 0; i < d->nqueues; i++) {
		vmc_field *e = &vq->children[i], *m = nodes(s, 2);
		if (!m)
			return VMC_ENOMEM;
		e->name = "vq";
		e->type = "virtio_save.vq";
		e->kind = VMC_FIELD_STRUCT;
		e->children = m;
		e->nchildren = d->vectors ? 2 : 1;
		leaf(&m[0], "num", "uint32", VMC_FIELD_UINT, 4, d->queue_sizes[i]);
		leaf(&m[1], "vector", "uint16", VMC_FIELD_UINT, 2, 0xffff);
	}
	v->nchildren = n;
	return VMC_OK;
}

int vmc__synth_stream(vmc_stream **out, vmc_ctx *ctx, const char *machine,
		      const vmc__synth_section *secs, size_t nsecs, const vmc__synth_block *blocks,
		      size_t nblocks, const vmc__synth_vdev *vdevs, size_t nvdevs)
{
	vmc_stream *s = vmc__calloc(ctx, 1, sizeof(*s));
	size_t i;
	int rc = VMC_OK;

	if (!s)
		return VMC_ENOMEM;
	s->ctx = ctx;
	vmc__arena_init(&s->arena, ctx);
	s->field_budget = ctx->limits.max_fields;
	s->file_version = 3;
	s->page_size = 4096;
	s->container.kind = "synthesized";
	s->container.compression = "none";
	s->machine_type = dup(s, machine);
	for (i = 0; rc == VMC_OK && i < nsecs; i++) {
		vmc_section *sec;
		rc = vmc__stream_add_section(s, &sec);
		if (rc == VMC_OK) {
			sec->idstr = dup(s, secs[i].idstr);
			sec->instance_id = secs[i].instance;
			sec->version_id = secs[i].version;
			sec->vmsd_name = dup(s, secs[i].vmsd);
			sec->iterative = strcmp(secs[i].idstr, "ram") == 0;
			sec->body = sec->iterative ? VMC_BODY_RAM : VMC_BODY_RAW;
			if (!sec->idstr)
				rc = VMC_ENOMEM;
		}
	}
	for (i = 0; rc == VMC_OK && i < nvdevs; i++) {
		vmc_section *sec;
		vmc_field *root;

		rc = vmc__stream_add_section(s, &sec);
		if (rc < 0)
			break;
		sec->idstr = dup(s, vdevs[i].idstr);
		sec->vmsd_name = dup(s, vdevs[i].vmsd);
		sec->version_id = vdevs[i].version;
		sec->body = VMC_BODY_DECODED;
		root = nodes(s, 1);
		if (!sec->idstr || !root) {
			rc = VMC_ENOMEM;
			break;
		}
		root->name = sec->vmsd_name;
		root->type = "struct";
		root->kind = VMC_FIELD_STRUCT;
		root->version = vdevs[i].version;
		root->children = nodes(s, 1);
		if (!root->children) {
			rc = VMC_ENOMEM;
			break;
		}
		root->nchildren = 1;
		rc = virtio_blob(s, root->children, &vdevs[i]);
		sec->fields = root;
	}
	for (i = 0; rc == VMC_OK && i < nblocks; i++) {
		vmc_ramblock *b;
		rc = vmc__stream_add_ramblock(s, &b);
		if (rc == VMC_OK) {
			b->name = dup(s, blocks[i].name);
			b->used_length = blocks[i].size;
			s->ram_total += blocks[i].size;
			if (!b->name)
				rc = VMC_ENOMEM;
		}
	}
	if (rc < 0) {
		vmc_stream_free(s);
		return rc;
	}
	*out = s;
	return VMC_OK;
}
