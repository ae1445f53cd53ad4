/*
 * virtio_facts.h - private: derived facts for virtio-pci device sections
 * (family, legacy/transitional/modern-only mode, PCI identity, MSI-X,
 * status, features, queues, candidate QOM types), driven by
 * rules/virtio-families.yaml.  docs/pci-config.md and docs/decode-json.md
 * ("facts") describe the result.
 */
#ifndef VMC_VMSTATE_VIRTIO_FACTS_H
#define VMC_VMSTATE_VIRTIO_FACTS_H

#include "../lib/stream.h"

typedef struct vmc__virtio_rules vmc__virtio_rules;

/*
 * Parse and validate rules (the YAML text of rules/virtio-families.yaml;
 * name is used in messages).  Everything is allocated from arena.
 * Returns VMC_OK, VMC_ESCHEMA (path "FILE:LINE"), VMC_ENOMEM or VMC_ELIMIT.
 */
int vmc__virtio_rules_load(const vmc__virtio_rules **out, vmc__arena *arena, const char *name,
			   const uint8_t *data, size_t len);

#define VMC_VIRTIO_RULES_PATH "rules/virtio-families.yaml"

/* The rules embedded into the library (VMC_VIRTIO_RULES_PATH), or NULL. */
const uint8_t *vmc__virtio_rules_builtin(size_t *len);

/*
 * Build the facts tree (a STRUCT named "virtio") for one section.
 *   name    the section's vmsd name, or its idstr when there is none
 *   fields  the section's decoded tree (may be NULL)
 *   body    the section body bytes; the "virtio" blob starts at body[0]
 * *out is NULL (and VMC_OK returned) when the section is not a virtio
 * device.  Bad blob or config bytes are facts ("error",
 * "capabilities_error"), not failures.  Nodes come from arena and count
 * against *budget.  Returns VMC_OK, VMC_ENOMEM or VMC_ELIMIT.
 */
int vmc__virtio_facts_build(vmc_field **out, vmc__arena *arena, uint32_t *budget,
			    const vmc__virtio_rules *rules, const char *name,
			    const vmc_field *fields, const uint8_t *body, size_t len);

/*
 * Hook for parsers/framing.c, once every section is read and decoded
 * (after the schema decoder has expanded the "virtio" fields): set
 * sec->facts of each FULL section, with the built-in rules.  Same return
 * codes (VMC_ESCHEMA only if the built-in rules are broken); the error path
 * is the section's idstr.
 */
int vmc__virtio_facts_stream(vmc_stream *s);

#endif
