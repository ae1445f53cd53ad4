/*
 * fuzz_vmstate.c - a destination's -dump-vmstate JSON
 * (vmc_vmstate_read_buffer), the optional third input of check.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmc_vmstate *v = NULL;
	vmc_ctx *ctx;
	int rc;

	if (!(ctx = vmc_fuzz_ctx()))
		return 0;
	rc = vmc_vmstate_read_buffer(&v, ctx, data, size);
	vmc_fuzz_check_rc(ctx, rc);
	if (rc == VMC_OK)
		(void)vmc_vmstate_machine(v);
	vmc_vmstate_free(v);
	vmc_ctx_free(ctx);
	return 0;
}
