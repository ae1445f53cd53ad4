/*
 * bench/check.c - how much `check` costs on top of decoding its two inputs,
 * and how many checks per second fit on one core.  Prints figures; it is a
 * benchmark, not a test (targets: check <= 1.2x the decode of both inputs).
 *
 *   build/bench_check SRC DST [ITERATIONS]
 *
 * Measures, over ITERATIONS rounds (default 200):
 *   decode  - vmc_stream_read_path of SRC and DST
 *   check   - vmc_check_streams on the decoded pair
 * and reports ms per round, (decode + check) / decode, and checks/s with
 * the streams already decoded (the management-software case: decode the
 * source once, check it against many destinations).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "vmcompat.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static vmc_stream *read_or_die(vmc_ctx *ctx, const char *path)
{
	vmc_stream *s;
	if (vmc_stream_read_path(&s, ctx, path, NULL) != VMC_OK) {
		fprintf(stderr, "%s: %s\n", path, vmc_error_last(ctx)->message);
		exit(1);
	}
	return s;
}

int main(int argc, char **argv)
{
	int n = argc > 3 ? atoi(argv[3]) : 200, i;
	double t0, t_decode = 0, t_check = 0;
	vmc_ctx *ctx;
	vmc_stream *a, *b;
	vmc_report *r;
	uint32_t verdict = 0;

	if (argc < 3 || n <= 0) {
		fprintf(stderr, "usage: bench_check SRC DST [ITERATIONS]\n");
		return 64;
	}
	if (vmc_ctx_new(&ctx, NULL) != VMC_OK)
		return 70;
	for (i = 0; i < n; i++) {
		t0 = now();
		a = read_or_die(ctx, argv[1]);
		b = read_or_die(ctx, argv[2]);
		t_decode += now() - t0;
		t0 = now();
		if (vmc_check_streams(&r, ctx, a, b, NULL) != VMC_OK) {
			fprintf(stderr, "check: %s\n", vmc_error_last(ctx)->message);
			return 70;
		}
		t_check += now() - t0;
		verdict = vmc_report_verdict(r);
		vmc_report_free(r);
		vmc_stream_free(a);
		vmc_stream_free(b);
	}
	printf("pair:        %s -> %s (%s)\n", argv[1], argv[2], vmc_verdict_name(verdict));
	printf("rounds:      %d\n", n);
	printf("decode both: %.2f ms/round\n", 1e3 * t_decode / n);
	printf("check:       %.2f ms/check (streams already decoded): %.0f checks/s on one core\n",
	       1e3 * t_check / n, n / t_check);
	printf("ratio:       (decode + check) / decode = %.3f (target <= 1.2)%s\n",
	       (t_decode + t_check) / t_decode,
	       (t_decode + t_check) / t_decode <= 1.2 ? "" : "  MISSED");
	printf("pipeline:    %.1f pairs/s decoded and checked\n", n / (t_decode + t_check));
	vmc_ctx_free(ctx);
	return 0;
}
