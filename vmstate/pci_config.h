/*
 * pci_config.h - private: decode a saved PCI configuration space (256 bytes
 * of conventional PCI, or 4096 of PCI Express) into plain C structs.
 *
 * The decoder knows the PCI and PCI Express specifications only; which
 * device a config belongs to, and what QEMU made of it, is the business of
 * the callers (vmstate/virtio_facts.c and the rules data).  docs/pci-config.md
 * lists every register decoded.
 *
 * Malformed config bytes are not an error: QEMU migrates whatever bytes the
 * device holds (get_pci_config_device, hw/pci/pci.c).  A capability list
 * that leaves the config space or loops is reported in caps_error /
 * ext_caps_error and the walk stops there.
 */
#ifndef VMC_VMSTATE_PCI_CONFIG_H
#define VMC_VMSTATE_PCI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define VMC_PCI_CONFIG_SIZE 256u   /* PCI_CONFIG_SPACE_SIZE  */
#define VMC_PCIE_CONFIG_SIZE 4096u /* PCIE_CONFIG_SPACE_SIZE */
/* Loop guard for the standard list: (256 - 64) / 4 dword slots. */
#define VMC_PCI_MAX_CAPS 48u
/* Extended capabilities kept; the walk itself is bounded by the
 * (4096 - 256) / 4 = 960 dword slots and a visited map. */
#define VMC_PCI_MAX_EXT_CAPS 64u
#define VMC_PCI_ERROR_MAX 160u

/* BAR kinds (vmc__pci_bar.kind). */
#define VMC_PCI_BAR_IO 0u        /* bit 0 set: I/O space                      */
#define VMC_PCI_BAR_MEM32 1u     /* memory, type 00: 32-bit                  */
#define VMC_PCI_BAR_MEM1M 2u     /* memory, type 01: below 1 MiB (PCI 2.x)   */
#define VMC_PCI_BAR_MEM64 3u     /* memory, type 10: 64-bit, uses next slot  */
#define VMC_PCI_BAR_MEM64_HI 4u  /* upper dword of the previous 64-bit BAR   */
#define VMC_PCI_BAR_RESERVED 5u  /* memory, type 11: reserved                */

typedef struct vmc__pci_bar {
	uint8_t index;        /* BAR number, 0..5                            */
	uint8_t kind;         /* VMC_PCI_BAR_*                               */
	uint8_t prefetchable; /* memory BARs: bit 3                          */
	uint8_t truncated;    /* 64-bit BAR in the last slot: no upper dword */
	uint16_t offset;      /* config offset of the register (0x10 + 4i)   */
	uint64_t raw;         /* register as stored (64-bit BARs: both)      */
	uint64_t address;     /* raw with the type bits cleared              */
	uint8_t size_known;   /* the register holds a sizing pattern         */
	uint64_t size;        /* when size_known                             */
	uint64_t size_max;    /* programmed address: the size cannot exceed
	                         its alignment; else 0                       */
} vmc__pci_bar;

/* Capability bodies decoded (vmc__pci_cap.body). */
#define VMC_PCI_BODY_NONE 0u   /* id not decoded: header only               */
#define VMC_PCI_BODY_MSIX 1u
#define VMC_PCI_BODY_VIRTIO 2u /* vendor-specific, in virtio layout          */
#define VMC_PCI_BODY_PCIE 3u
#define VMC_PCI_BODY_PM 4u
#define VMC_PCI_BODY_SHORT 5u  /* the body would run past the config space   */

typedef struct vmc__pci_msix {
	uint16_t control;      /* Message Control                         */
	uint16_t table_size;   /* entries: (control & 0x7ff) + 1          */
	uint8_t enabled;       /* control bit 15                          */
	uint8_t function_mask; /* control bit 14                          */
	uint8_t table_bar;     /* Table BIR                               */
	uint8_t pba_bar;       /* PBA BIR                                 */
	uint32_t table_offset; /* offset in that BAR (low 3 bits cleared) */
	uint32_t pba_offset;
} vmc__pci_msix;

typedef struct vmc__pci_virtio_cap {
	uint8_t cap_len;       /* generic vendor-cap length byte          */
	uint8_t cfg_type;      /* VIRTIO_PCI_CAP_*_CFG                    */
	uint8_t bar;
	uint8_t id;
	uint32_t offset;       /* le32 at +8                              */
	uint32_t length;       /* le32 at +12                             */
	uint8_t has_multiplier;         /* notify cap with cap_len >= 20  */
	uint32_t notify_off_multiplier; /* le32 at +16                    */
} vmc__pci_virtio_cap;

typedef struct vmc__pci_pcie {
	uint16_t flags;        /* PCI Express Capabilities register (+2)  */
	uint8_t version;       /* flags bits 3:0                          */
	uint8_t port_type;     /* flags bits 7:4                          */
	uint8_t slot;          /* flags bit 8                             */
	uint32_t devcap;       /* +4                                      */
	uint8_t max_payload;   /* devcap bits 2:0 (128 << n bytes)        */
	uint8_t flr;           /* devcap bit 28                           */
	uint16_t devctl;       /* +8                                      */
	uint16_t devsta;       /* +10                                     */
	uint32_t lnkcap;       /* +12                                     */
	uint16_t lnkctl;       /* +16                                     */
	uint16_t lnksta;       /* +18                                     */
	uint8_t has_v2;        /* version >= 2 and DEVCAP2 readable       */
	uint32_t devcap2;      /* +36                                     */
} vmc__pci_pcie;

typedef struct vmc__pci_pm {
	uint16_t pmc;          /* Power Management Capabilities (+2)      */
	uint16_t pmcsr;        /* Control/Status (+4)                     */
} vmc__pci_pm;

typedef struct vmc__pci_cap {
	uint16_t offset;       /* where the capability starts             */
	uint8_t id;            /* capability ID                           */
	uint8_t next;          /* next pointer as stored                  */
	uint32_t body;         /* VMC_PCI_BODY_*                          */
	union {
		vmc__pci_msix msix;
		vmc__pci_virtio_cap virtio;
		vmc__pci_pcie pcie;
		vmc__pci_pm pm;
	} u;
} vmc__pci_cap;

typedef struct vmc__pci_ext_cap {
	uint16_t offset;
	uint16_t id;           /* header bits 15:0                        */
	uint8_t version;       /* header bits 19:16                       */
	uint16_t next;         /* header bits 31:20                       */
} vmc__pci_ext_cap;

typedef struct vmc__pci_config {
	size_t size;                 /* 256 or 4096                         */
	uint16_t vendor_id, device_id, command, status;
	uint8_t revision, prog_if, subclass, base_class;
	uint32_t class_code;         /* base << 16 | sub << 8 | prog-if    */
	uint8_t cache_line, latency, header_type, bist;
	uint8_t header_layout;       /* header_type & 0x7f                 */
	uint8_t multifunction;       /* header_type bit 7                  */
	uint16_t subsystem_vendor_id, subsystem_id; /* type 0 only         */
	uint8_t cap_ptr, interrupt_line, interrupt_pin;
	size_t nbars;                /* 6 (type 0), 2 (type 1), else 0     */
	vmc__pci_bar bars[6];
	uint16_t rom_offset;         /* 0x30 (type 0), 0x38 (type 1), or 0  */
	uint32_t rom_raw;
	size_t ncaps;
	vmc__pci_cap caps[VMC_PCI_MAX_CAPS];
	char caps_error[VMC_PCI_ERROR_MAX];     /* "" when the walk ended at 0 */
	int express;                 /* a PCI Express capability is listed  */
	int has_ext;                 /* size 4096: extended list walked     */
	size_t next_caps;
	vmc__pci_ext_cap ext_caps[VMC_PCI_MAX_EXT_CAPS];
	char ext_caps_error[VMC_PCI_ERROR_MAX];
} vmc__pci_config;

/* Decode flags. */
/* Vendor-specific capabilities (ID 0x09) use the virtio layout
 * (struct virtio_pci_cap); the caller knows the vendor means virtio. */
#define VMC_PCI_DECODE_VIRTIO_CAPS (1u << 0)

/*
 * Decode len bytes of config space (len >= 64; 256 and 4096 are the sizes
 * QEMU saves).  Never fails on content: problems land in caps_error /
 * ext_caps_error.  Returns VMC_OK, or VMC_EINVAL if len < 64 or out/cfg is
 * NULL (nothing is recorded: there is no ctx).
 */
int vmc__pci_config_decode(vmc__pci_config *out, const uint8_t *cfg, size_t len,
			   uint32_t flags);

/* 1 if the standard capability list of cfg (len >= 64) has a PCI Express
 * capability: how QEMU's pci_is_express() looks from the bytes. */
int vmc__pci_config_has_express(const uint8_t *cfg, size_t len);

/* Names (static strings, never NULL: "unknown" when not known). */
const char *vmc__pci_cap_name(uint8_t id);
const char *vmc__pci_ext_cap_name(uint16_t id);
const char *vmc__pci_bar_kind_name(uint32_t kind);
const char *vmc__pci_port_type_name(uint8_t type);
const char *vmc__pci_virtio_cfg_type_name(uint8_t cfg_type);

#endif
