/*
 * fuzz_schema_decode.c - the schema engine (vmstate/schema_decode.h) on a
 * fuzzed "virtio" blob, decoded with the embedded schemas
 * (vmstate/schemas/) exactly as the framing hook does.  Byte 0 picks the
 * section's vmsd name (which selects the device part); the rest is the
 * blob.  The schema set is loaded once; each input gets its own arena and
 * field budget.
 */
#include "fuzz_common.h"
#include "vmstate/schema_decode.h"

static vmc_ctx *g_ctx;
static vmc__schema_set *g_set;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const vmsds[] = {
		"virtio-net", "virtio-blk", "virtio-console", "virtio-balloon",
		"virtio-scsi", "virtio-rng", "virtio-9p", "virtio-unknown",
	};
	vmc__arena arena;
	vmc_field node;
	uint32_t budget = 100000;
	int rc;

	if (!g_ctx) {
		if (!(g_ctx = vmc_fuzz_ctx()) || vmc__schema_load_embedded(&g_set, g_ctx) != VMC_OK)
			__builtin_trap(); /* the embedded schemas must load */
	}
	if (size < 1)
		return 0;
	vmc_error_clear(g_ctx);
	memset(&node, 0, sizeof(node));
	node.name = "virtio";
	node.type = "virtio";
	vmc__arena_init(&arena, g_ctx);
	rc = vmc__schema_decode(&node, &arena, g_set, vmc__schema_root(g_set, "virtio"), data + 1,
				size - 1, 1000, vmsds[data[0] & 7], "fuzz/virtio", &budget);
	vmc_fuzz_check_rc(g_ctx, rc);
	if (rc == VMC_OK)
		(void)vmc_field_child_count(&node);
	vmc__arena_free(&arena);
	return 0;
}
