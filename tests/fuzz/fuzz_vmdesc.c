/*
 * fuzz_vmdesc.c - the vmdesc JSON parser (parsers/vmdesc.h): the input is
 * the JSON after the 0x06 tag and length.  A parsed description is walked
 * the way the decoder walks it (devices, lookup by idstr, configuration).
 */
#include "fuzz_common.h"
#include "parsers/vmdesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmc__vmdesc *d = NULL;
	vmc_ctx *ctx;
	int rc;

	if (!(ctx = vmc_fuzz_ctx()))
		return 0;
	rc = vmc__vmdesc_parse(&d, ctx, data, size, 100);
	vmc_fuzz_check_rc(ctx, rc);
	if (rc == VMC_OK) {
		size_t i, n = vmc__vmdesc_device_count(d);

		(void)vmc__vmdesc_page_size(d);
		(void)vmc__vmdesc_configuration(d);
		for (i = 0; i < n; i++) {
			const vmc__vmdesc_device *dev = vmc__vmdesc_device_at(d, i);

			if (dev && dev->name &&
			    vmc__vmdesc_find(d, dev->name, dev->instance_id) == NULL)
				__builtin_trap();
		}
		vmc__vmdesc_free(d);
	}
	vmc_ctx_free(ctx);
	return 0;
}
