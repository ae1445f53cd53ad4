/*
 * fuzz_config.c - configuration input (vmc_config_parse): a QEMU command
 * line split with shell quoting and mapped option by option, or (leading
 * '<') a libvirt domain XML mapped to QEMU devices.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmc_config *cfg = NULL;
	vmc_ctx *ctx;
	int rc;

	if (!(ctx = vmc_fuzz_ctx()))
		return 0;
	rc = vmc_config_parse(&cfg, ctx, (const char *)data, size, "fuzz");
	vmc_fuzz_check_rc(ctx, rc);
	vmc_config_free(cfg);
	vmc_ctx_free(ctx);
	return 0;
}
