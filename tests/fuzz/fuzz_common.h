/*
 * fuzz_common.h - what every libFuzzer target shares: a ctx whose limits
 * are lowered so that one input cannot make the fuzzer spend seconds or
 * hundreds of MB, and the invariant every entry point owes its caller: a
 * failure is a negative vmc_status with a message (never a crash, a hang,
 * an unbounded allocation or a silent error).  Targets that need two inputs
 * split theirs with vmc_fuzz_split().
 *
 * The targets are also built without libFuzzer (tests/fuzz/replay.c
 * supplies main()) so that ctest replays tests/data/fuzz-regressions/
 * through the same code with gcc; nothing here may depend on clang.
 */
#ifndef VMC_FUZZ_COMMON_H
#define VMC_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmcompat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline vmc_ctx *vmc_fuzz_ctx(void)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;

	o.limits.max_section_size = 4u << 20;
	o.limits.max_device_state = 8u << 20;
	o.limits.max_vmdesc_size = 4u << 20;
	o.limits.max_libvirt_xml = 1u << 20;
	o.limits.max_fields = 200000;
	if (vmc_ctx_new(&ctx, &o) != VMC_OK)
		return NULL;
	return ctx;
}

/* A failure must be a known negative code with a message. */
static inline void vmc_fuzz_check_rc(vmc_ctx *ctx, int rc)
{
	if (rc > 0)
		__builtin_trap();
	if (rc < 0 && vmc_error_last(ctx)->message[0] == '\0')
		__builtin_trap(); /* every failure must say what was expected */
}

/*
 * Split data in two at a point chosen by its first two bytes (so that the
 * fuzzer can move the cut), skipping them.  Without two bytes both halves
 * are empty.
 */
static inline void vmc_fuzz_split(const uint8_t *data, size_t size, const uint8_t **a,
				  size_t *alen, const uint8_t **b, size_t *blen)
{
	size_t rest, cut;

	if (size < 2) {
		*a = *b = data;
		*alen = *blen = 0;
		return;
	}
	rest = size - 2;
	cut = rest ? ((size_t)data[0] << 8 | data[1]) * rest / 65535u : 0;
	*a = data + 2;
	*alen = cut;
	*b = data + 2 + cut;
	*blen = rest - cut;
}

#endif
