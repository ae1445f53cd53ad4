/*
 * fuzz_check.c - the two deciders on fuzzed input.  Byte 0 picks one; the
 * rest is split in two (vmc_fuzz_split):
 *   even: two streams -> vmc_stream_read_buffer x2 -> vmc_check_streams
 *   odd:  two configurations -> vmc_config_parse x2 -> vmc_prove with
 *         source_qemu "7.2"
 * A completed check returns VMC_OK whatever the verdict; the report is
 * walked so that every finding string is touched.
 */
#include "fuzz_common.h"

static void walk(vmc_report *r)
{
	size_t i;

	if (vmc_report_verdict(r) > VMC_VERDICT_UNKNOWN)
		__builtin_trap();
	for (i = 0; i < vmc_report_finding_count(r); i++) {
		const vmc_finding *f = vmc_report_finding(r, i);
		const char *s = vmc_finding_explanation(f);

		if (s)
			(void)strlen(s);
		(void)vmc_finding_check(f);
		(void)vmc_finding_subject(f);
	}
	vmc_report_free(r);
}

static void check_streams(vmc_ctx *ctx, const uint8_t *a, size_t alen, const uint8_t *b,
			  size_t blen)
{
	vmc_stream *src = NULL, *dst = NULL;
	vmc_report *r = NULL;
	int rc;

	rc = vmc_stream_read_buffer(&src, ctx, a, alen, "src", NULL);
	vmc_fuzz_check_rc(ctx, rc);
	if (rc == VMC_OK) {
		rc = vmc_stream_read_buffer(&dst, ctx, b, blen, "dst", NULL);
		vmc_fuzz_check_rc(ctx, rc);
	}
	if (rc == VMC_OK) {
		rc = vmc_check_streams(&r, ctx, src, dst, NULL);
		vmc_fuzz_check_rc(ctx, rc);
		if (rc == VMC_OK)
			walk(r);
	}
	vmc_stream_free(dst);
	vmc_stream_free(src);
}

static void prove(vmc_ctx *ctx, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	vmc_prove_options po = VMC_PROVE_OPTIONS_INIT;
	vmc_config *src = NULL, *dst = NULL;
	vmc_report *r = NULL;
	int rc;

	po.source_qemu = "7.2";
	rc = vmc_config_parse(&src, ctx, (const char *)a, alen, "src");
	vmc_fuzz_check_rc(ctx, rc);
	if (rc == VMC_OK) {
		rc = vmc_config_parse(&dst, ctx, (const char *)b, blen, "dst");
		vmc_fuzz_check_rc(ctx, rc);
	}
	if (rc == VMC_OK) {
		rc = vmc_prove(&r, ctx, src, dst, &po);
		vmc_fuzz_check_rc(ctx, rc);
		if (rc == VMC_OK)
			walk(r);
	}
	vmc_config_free(dst);
	vmc_config_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *a, *b;
	size_t alen, blen;
	vmc_ctx *ctx;

	if (size < 1 || !(ctx = vmc_fuzz_ctx()))
		return 0;
	vmc_fuzz_split(data + 1, size - 1, &a, &alen, &b, &blen);
	if (data[0] & 1)
		prove(ctx, a, alen, b, blen);
	else
		check_streams(ctx, a, alen, b, blen);
	vmc_ctx_free(ctx);
	return 0;
}
