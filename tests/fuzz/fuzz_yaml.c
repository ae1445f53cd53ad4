/*
 * fuzz_yaml.c - the YAML loaders: byte 0 picks one, the rest is the file.
 *   0: the YAML reader alone (parsers/yaml.h vmc__yaml_parse)
 *   1: the schema loader (vmstate/schema.h vmc__schema_load)
 *   2: the emulator profile loader (parsers/profile.h
 *      vmc__profile_load_buffer; also xz/gzip-compressed YAML)
 *   3: the virtio-pci layout rules (rules/pci_build.h vmc__vpci_layout_load)
 * Data files are trusted less than the name suggests: a user can point
 * the library at their own, so a bad one must be VMC_ESCHEMA, not a crash.
 */
#include "fuzz_common.h"
#include "parsers/profile.h"
#include "parsers/yaml.h"
#include "rules/pci_build.h"
#include "vmstate/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmc_ctx *ctx;
	vmc__arena arena;
	int rc = VMC_OK;

	if (size < 1 || !(ctx = vmc_fuzz_ctx()))
		return 0;
	vmc__arena_init(&arena, ctx);
	switch (data[0] & 3) {
	case 0: {
		const vmc__ynode *root;

		rc = vmc__yaml_parse(&root, &arena, "fuzz.yaml", data + 1, size - 1);
		break;
	}
	case 1: {
		vmc__schema_set *set = NULL;
		vmc__schema_file f = {"fuzz.yaml", data + 1, size - 1};

		rc = vmc__schema_load(&set, ctx, &f, 1);
		vmc__schema_free(set);
		break;
	}
	case 2: {
		vmc__profile *p = NULL;

		rc = vmc__profile_load_buffer(&p, ctx, "fuzz.yaml", data + 1, size - 1);
		vmc__profile_free(p);
		break;
	}
	case 3: {
		const vmc__vpci_layout *l;

		rc = vmc__vpci_layout_load(&l, &arena, "fuzz.yaml", data + 1, size - 1);
		break;
	}
	}
	vmc_fuzz_check_rc(ctx, rc);
	vmc__arena_free(&arena);
	vmc_ctx_free(ctx);
	return 0;
}
