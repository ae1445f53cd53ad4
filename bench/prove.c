/*
 * bench/prove.c - `prove` throughput on the full cross-flavour matrix:
 * 7 virtio families x 5 flavours x 5 bus placements = 175 configurations,
 * every ordered pair (30,625 proofs), on one core with one context.
 * Prints pairs per second (target >= 1,000/s) and peak RSS at the first
 * and last tenth (memory must stay flat).  A benchmark, not a test.
 *
 *   build/bench_prove [ROUNDS]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "vmcompat.h"

static const char *const families[][2] = {
	{"virtio-9p-pci", ",fsdev=fs0,mount_tag=m"}, {"virtio-blk-pci", ",drive=d0"},
	{"virtio-scsi-pci", ""},                  {"virtio-net-pci", ",netdev=n0"},
	{"virtio-serial-pci", ""},                {"virtio-balloon-pci", ""},
	{"virtio-rng-pci", ""},
};
static const char *const flavours[][2] = {
	{"", ""}, {"-transitional", ""}, {"-non-transitional", ""},
	{"", ",disable-legacy=on"}, {"", ",disable-modern=on,disable-legacy=off"},
};
/* machine + bridges, and the bus= of the device */
static const char *const buses[][2] = {
	{"-M pc-i440fx-7.2", "bus=pci.0,addr=0x3"},
	{"-M pc-i440fx-7.2 -device pci-bridge,id=br0,chassis_nr=1,bus=pci.0,addr=0x5",
	 "bus=br0,addr=0x3"},
	{"-M pc-q35-7.2", "bus=pcie.0,addr=0x3"},
	{"-M pc-q35-7.2 -device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x5",
	 "bus=rp0,addr=0x0"},
	{"-M pc-q35-7.2 -device pcie-root-port,id=rp0,bus=pcie.0,chassis=1,addr=0x5 "
	 "-device pcie-pci-bridge,id=br0,bus=rp0,addr=0x0",
	 "bus=br0,addr=0x3"},
};

#define NCFG (7 * 5 * 5)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 1, r;
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
	vmc_config *cfg[NCFG];
	size_t n = 0, i, j, total = 0, verdicts[3] = {0, 0, 0};
	long rss_first = 0;
	double t0, t;
	vmc_ctx *ctx;

	if (vmc_ctx_new(&ctx, NULL) != VMC_OK)
		return 70;
	o.source_qemu = "7.2";
	for (i = 0; i < 5; i++)
		for (j = 0; j < 7; j++) {
			size_t f;
			for (f = 0; f < 5; f++) {
				char text[1024];
				snprintf(text, sizeof(text),
					 "%s -fsdev local,id=fs0,path=/tmp,security_model=none "
					 "-blockdev driver=null-co,node-name=d0 -netdev user,id=n0 "
					 "-device %s%s,id=dev0,%s%s%s",
					 buses[i][0], families[j][0], flavours[f][0], buses[i][1],
					 families[j][1], flavours[f][1]);
				if (vmc_config_parse(&cfg[n], ctx, text, strlen(text), "bench") != VMC_OK) {
					fprintf(stderr, "%s: %s\n", text, vmc_error_last(ctx)->message);
					return 1;
				}
				n++;
			}
		}
	t0 = now();
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++)
			for (j = 0; j < n; j++) {
				vmc_report *rep;
				if (vmc_prove(&rep, ctx, cfg[i], cfg[j], &o) != VMC_OK) {
					fprintf(stderr, "prove: %s\n", vmc_error_last(ctx)->message);
					return 1;
				}
				verdicts[vmc_report_verdict(rep) % 3]++;
				vmc_report_free(rep);
				if (++total == (size_t)rounds * n * n / 10)
					rss_first = rss_kib();
			}
	t = now() - t0;
	printf("configurations: %zu (7 families x 5 flavours x 5 bus placements)\n", n);
	printf("proofs:         %zu (every ordered pair%s)\n", total, rounds > 1 ? ", repeated" : "");
	printf("verdicts:       %zu compatible, %zu incompatible, %zu unknown\n", verdicts[0],
	       verdicts[1], verdicts[2]);
	printf("time:           %.2f s on one core\n", t);
	printf("throughput:     %.0f pairs/s (target >= 1000)%s\n", total / t,
	       total / t >= 1000 ? "" : "  MISSED");
	printf("peak RSS:       %ld KiB after 10%%, %ld KiB at the end (flat: %s)\n", rss_first,
	       rss_kib(), rss_kib() - rss_first < 4096 ? "yes" : "NO");
	for (i = 0; i < n; i++)
		vmc_config_free(cfg[i]);
	vmc_ctx_free(ctx);
	return 0;
}
