/*
 * fuzz_decompress.c - the streaming decompressors (parsers/decompress.h)
 * alone, without the container sniffing in front of them.  Byte 0 picks
 * the codec (gzip, bzip2, xz, zstd); the rest is the compressed input.
 * Output is pulled in odd-sized pieces and dropped after 8 MiB, so a
 * decompression bomb costs the fuzzer at most that much CPU.
 */
#include "fuzz_common.h"
#include "parsers/decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const kinds[] = {"gzip", "bzip2", "xz", "zstd"};
	static uint8_t out[65537];
	vmc__mem_reader m;
	vmc__source lower;
	vmc__decomp *d = NULL;
	vmc_ctx *ctx;
	size_t total = 0, cap = 1;
	int rc;

	if (size < 1 || !(ctx = vmc_fuzz_ctx()))
		return 0;
	m.data = data + 1;
	m.len = size - 1;
	m.pos = 0;
	rc = vmc__source_init(&lower, ctx, vmc__mem_read, &m, 0);
	if (rc == VMC_OK) {
		rc = vmc__decomp_new(&d, ctx, kinds[data[0] & 3], &lower);
		while (rc == VMC_OK && total < (8u << 20)) {
			size_t got = 0;

			rc = vmc__decomp_read(d, out, cap, &got);
			if (rc == VMC_OK && got == 0)
				break;
			if (got > cap)
				__builtin_trap();
			total += got;
			cap = cap * 3 % sizeof(out) + 1;
		}
		vmc__decomp_free(d);
		vmc__source_fini(&lower);
	}
	vmc_fuzz_check_rc(ctx, rc);
	vmc_ctx_free(ctx);
	return 0;
}
