/*
 * topology.h - private: where the PCI devices of a configuration sit and
 * what QEMU calls them (rules/topology.yaml): root bus by machine type,
 * bridges and their secondary buses, slot assignment, PCI paths, section
 * idstrs and option ROM block names.
 */
#ifndef VMC_RULES_TOPOLOGY_H
#define VMC_RULES_TOPOLOGY_H

#include "../parsers/config.h"
#include "../parsers/yaml.h"

/* Bus kinds (vmc__placed.bus_kind), as rules/topology.yaml names them. */
#define VMC_BUS_PCI_ROOT 0u   /* i440fx pci.0                              */
#define VMC_BUS_PCIE_ROOT 1u  /* q35 pcie.0                                */
#define VMC_BUS_PCIE_PORT 2u  /* behind a pcie-root-port                   */
#define VMC_BUS_PCI 3u        /* behind a pci-bridge / pcie-pci-bridge     */

typedef struct vmc__topology vmc__topology;

typedef struct vmc__placed {
	const vmc__cfg_device *dev;  /* the configuration's device               */
	uint32_t bus_kind;           /* VMC_BUS_* of the bus it sits on          */
	uint8_t slot, func;
	char path[96];               /* "0000:00:05.0:00.0"                      */
	const char *bridge_vmsd;     /* for a bridge: its vmsd name, else NULL   */
	uint32_t secondary_kind;     /* for a bridge: the bus it provides        */
} vmc__placed;

/* Load and validate rules/topology.yaml (embedded) into arena. */
int vmc__topology_load(const vmc__topology **out, vmc__arena *arena);

/*
 * Place every PCI device of cfg (bridges and the types is_pci accepts) in
 * command-line order.  used_root_slots[s] != 0 marks slots the machine's
 * own devices take on the root bus.  *out is an arena array of *n entries.
 * An unknown bus=, a slot taken twice, or a slot a bus does not have is
 * VMC_EMALFORMED naming the device (QEMU refuses to start then).
 */
int vmc__topology_place(vmc__placed **out, size_t *n, vmc__arena *arena,
			const vmc__topology *topo, const vmc__config *cfg, const char *machine,
			const uint8_t used_root_slots[32],
			int (*is_pci)(void *payload, const char *driver), void *payload);

/* The option ROM RAM block name for a device of QOM type at path, into
 * out (QEMU's 31-character cut applied); rombar 0 gives the fw_cfg name. */
void vmc__topology_rom_name(char *out, size_t cap, const vmc__topology *topo, const char *path,
			    const char *qom_type, const char *romfile, int rombar);

/* The section every PCI bus registers ("PCIBUS"). */
const char *vmc__topology_bus_section(const vmc__topology *topo);

/* The section a backend of (kind, type) registers, or NULL. */
const char *vmc__topology_backend_section(const vmc__topology *topo, const char *kind,
					  const char *type);

/* The main RAM block name ("pc.ram") and QEMU's default -m in bytes. */
const char *vmc__topology_main_ram(const vmc__topology *topo, uint64_t *default_bytes);

#endif
