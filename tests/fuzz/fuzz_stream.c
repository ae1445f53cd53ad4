/*
 * fuzz_stream.c - libFuzzer target for the whole read pipeline: container
 * detection, decompression, libvirt header, framing, RAM records, vmdesc
 * JSON and the field decoder.  Any input must end in VMC_OK or an error
 * with a message; never a crash, hang or unbounded allocation.  Limits are
 * lowered so that one input cannot make the fuzzer spend seconds.
 */
#include <stdint.h>
#include <string.h>

#include "vmcompat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;
	vmc_stream *s;
	int rc;

	o.limits.max_device_state = 8u << 20;
	o.limits.max_vmdesc_size = 4u << 20;
	o.limits.max_libvirt_xml = 1u << 20;
	if (vmc_ctx_new(&ctx, &o) != VMC_OK)
		return 0;
	rc = vmc_stream_read_buffer(&s, ctx, data, size, "fuzz", NULL);
	if (rc == VMC_OK) {
		size_t i;
		/* walk what a client walks */
		for (i = 0; i < vmc_stream_section_count(s); i++) {
			const vmc_field *f = vmc_section_fields(vmc_stream_section(s, i));
			(void)vmc_field_child_count(f);
		}
		vmc_stream_free(s);
	} else if (vmc_error_last(ctx)->message[0] == '\0') {
		__builtin_trap(); /* every failure must say what was expected */
	}
	vmc_ctx_free(ctx);
	return 0;
}
