/*
 * synth.h - private: the stream a configuration would produce, built as a
 * vmc_stream model so that `prove` applies exactly the rules `check` applies
 * to real streams (rules/check*.c).
 *
 * The model holds what the rules read: machine type, sections (idstr,
 * instance, version, vmsd), RAM blocks (name, length), and for each virtio
 * device the decoded blob the check rules look at (the "virtio" field:
 * PCI config space, MSI-X table size, queues, config length), in the shape
 * docs/virtio-blob.md documents.  Guest-state fields are those of a guest
 * that never started (zeros, MSI-X entries masked).
 */
#ifndef VMC_RULES_SYNTH_H
#define VMC_RULES_SYNTH_H

#include "../lib/stream.h"

typedef struct vmc__synth_section {
	const char *idstr;
	uint32_t instance;
	uint32_t version;
	const char *vmsd;     /* or NULL */
} vmc__synth_section;

typedef struct vmc__synth_block {
	const char *name;
	uint64_t size;
} vmc__synth_block;

typedef struct vmc__synth_vdev {
	const char *idstr;         /* <pci path>/<vmsd>                        */
	const char *vmsd;          /* "virtio-net"                             */
	uint32_t version;          /* section version                         */
	const uint8_t *config;     /* PCI config space (config_size bytes)    */
	size_t config_size;        /* 256 or 4096                             */
	uint32_t vectors;          /* MSI-X table entries (0: no MSI-X)       */
	uint32_t nqueues;
	const uint32_t *queue_sizes; /* nqueues entries                      */
	uint32_t config_len;       /* device config length                     */
} vmc__synth_vdev;

/* Build the model.  Strings are copied; the stream owns everything. */
int vmc__synth_stream(vmc_stream **out, vmc_ctx *ctx, const char *machine,
		      const vmc__synth_section *secs, size_t nsecs, const vmc__synth_block *blocks,
		      size_t nblocks, const vmc__synth_vdev *vdevs, size_t nvdevs);

#endif
