/*
 * pci_build.h - private: the PCI configuration space QEMU gives a virtio-pci
 * function, predicted from a configuration alone (issue #5).
 *
 * Two steps, both driven by rules/virtio-pci-layout.yaml (docs/pci-build.md):
 *
 *   vmc__vpci_resolve  QOM type + properties + bus + machine type
 *                      -> vmc__vpci_params (what virtio_pci_realize and
 *                      virtio_pci_device_plugged decide: legacy, modern,
 *                      express, vectors, ...), or QEMU's refusal
 *   vmc__vpci_build    vmc__vpci_params -> the 256 or 4096 config bytes as
 *                      QEMU 7.2 holds them after realize and the machine
 *                      reset (a guest that never ran), plus the BARs
 *
 * The prove engine builds the config of a device no stream recorded with
 * these; tests/rules/test_pci_build.c checks every byte against real QEMU
 * streams (the oracle matrix and fixtures/qemu-7.2).
 */
#ifndef VMC_RULES_PCI_BUILD_H
#define VMC_RULES_PCI_BUILD_H

#include "../lib/ctx.h"
#include "../parsers/config.h"

#define VMC_VPCI_LAYOUT_PATH "rules/virtio-pci-layout.yaml"

typedef struct vmc__vpci_layout vmc__vpci_layout;

#define VMC_VPCI_REFUSED_MAX 192u

/* Where the function sits (virtio_pci_realize's pcie_port). */
#define VMC_VPCI_BUS_PCI 0u       /* conventional PCI: i440fx pci.0, pci-bridge,
                                     pcie-pci-bridge                          */
#define VMC_VPCI_BUS_PCIE_ROOT 1u /* the PCIe root bus itself (q35 pcie.0):
                                     an integrated endpoint                   */
#define VMC_VPCI_BUS_PCIE_PORT 2u /* behind a PCIe root or downstream port    */

/*
 * The transport parameters.  Every numeric field is 0/1 for a flag.  Fill
 * them with vmc__vpci_resolve, or by hand to build a combination directly.
 */
typedef struct vmc__vpci_params {
	const char *family;          /* rules/virtio-families.yaml name ("net")  */
	uint32_t legacy;             /* legacy interface (disable-legacy off)   */
	uint32_t modern;             /* virtio 1.0 interface (disable-modern off) */
	uint32_t express;            /* PCI Express endpoint: modern, not
	                                x-disable-pcie, behind a PCIe port    */
	uint32_t vectors;            /* MSI-X vectors asked for (proxy->nvectors);
	                                1..2048 give the MSI-X capability     */
	uint32_t page_per_vq;        /* notify multiplier 0x1000 instead of 4   */
	uint32_t modern_pio_notify;  /* BAR2 (I/O) + a second notify capability */
	uint32_t ats;                /* ATS extended capability (express only)  */
	uint32_t ats_page_aligned;   /* x-ats-page-aligned: ATS cap bit 5       */
	uint32_t aer;                /* AER extended capability (express only)  */
	uint32_t x_pcie_flr_init;    /* DEVCAP FLR bit                          */
	uint32_t x_pcie_pm_init;     /* PM control writable (no byte effect)    */
	uint32_t x_pcie_lnkctl_init; /* LNKCTL writable bits (no byte effect)   */
	uint32_t x_pcie_deverr_init; /* DEVCTL error bits writable (no byte effect) */
	uint32_t x_pcie_extcap_init; /* 0x100 header read-only (no byte effect) */
	uint32_t config_len;         /* device config length: legacy BAR0 size  */
	uint32_t class_code;         /* class (base << 8 | subclass)            */
	uint32_t rom;                /* an option ROM BAR (romfile, rombar)     */
	uint32_t multifunction;      /* header type bit 7                       */
	char refused[VMC_VPCI_REFUSED_MAX]; /* resolve only: QEMU's error when
	                                it refuses the configuration (the
	                                other fields are then meaningless),
	                                else ""                               */
} vmc__vpci_params;

/* One BAR as the parameters imply it. */
typedef struct vmc__vpci_bar {
	uint8_t present;      /* registered (pci_register_bar)                  */
	uint8_t kind;         /* VMC_PCI_BAR_IO / _MEM32 / _MEM64 (pci_config.h) */
	uint8_t prefetchable;
	uint32_t reg;         /* register value before the guest programs it   */
	uint64_t size;        /* bytes, a power of two                          */
} vmc__vpci_bar;

typedef struct vmc__vpci_bars {
	vmc__vpci_bar bar[6]; /* a mem64 BAR's upper slot is not present     */
	uint8_t rom;          /* an expansion ROM BAR is registered          */
} vmc__vpci_bars;

/*
 * Parse and validate a layout file (YAML text; name is used in messages)
 * together with the embedded rules/virtio-families.yaml.  Everything comes
 * from arena and lives as long as it.  VMC_ESCHEMA (path FILE:LINE) on an
 * unknown or missing key, a bad expression, an unknown family or parameter;
 * VMC_ENOMEM.
 */
int vmc__vpci_layout_load(const vmc__vpci_layout **out, vmc__arena *arena, const char *name,
			  const uint8_t *data, size_t len);
/* The same for the embedded VMC_VPCI_LAYOUT_PATH. */
int vmc__vpci_layout_builtin(const vmc__vpci_layout **out, vmc__arena *arena);

/*
 * Resolve a device the way QEMU does: flavour (generic / -transitional /
 * -non-transitional), property defaults, the machine type's compat
 * properties (machine NULL = "pc"), -global entries (key "DRIVER.PROP",
 * may be NULL), then the device's own properties (later duplicates win;
 * properties the rules do not know, such as netdev= or addr=, are kept for
 * the expressions and otherwise ignored).  cpus is -smp (0 = 1).
 * A configuration QEMU refuses is not an error: out->refused says why.
 * VMC_EUNSUPPORTED when qom_type is no known virtio-pci type or the machine
 * type is not one the rules know; VMC_ESCHEMA/VMC_EMALFORMED from the
 * expressions (path FILE:LINE).
 */
int vmc__vpci_resolve(vmc__vpci_params *out, vmc_ctx *ctx, const vmc__vpci_layout *layout,
		      const char *qom_type, const vmc__kv *props, size_t nprops,
		      const vmc__kv *globals, size_t nglobals, uint32_t bus, const char *machine,
		      uint32_t cpus);

/*
 * Build the config space: out[0..*size) (*size is 256 or 4096; the rest of
 * out is zeroed) and, when bars is not NULL, the BARs.  VMC_EINVAL when
 * params->family is unknown or params->refused is not empty; VMC_ESCHEMA when the
 * capabilities do not fit (QEMU would assert) or a value does not fit its
 * register.
 */
int vmc__vpci_build(uint8_t out[4096], size_t *size, vmc__vpci_bars *bars, vmc_ctx *ctx,
		    const vmc__vpci_layout *layout, const vmc__vpci_params *params);

#endif
