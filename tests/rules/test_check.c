/*
 * test_check.c - `check` on pairs of real QEMU 7.2 streams whose outcome
 * QEMU itself showed (../shared/docs/stream-format.md §11.3, verified by
 * loading the streams into real QEMU; the oracle test covers the full
 * matrix): exact findings, QEMU's messages, verdicts, and the CLI's exit
 * statuses.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static vmc_stream *open_fixture(vmc_ctx *ctx, const char *name)
{
	char rel[256], *path;
	vmc_stream *s = NULL;

	snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.xz", name);
	path = vmc_test_fixture(rel);
	assert_int_equal(vmc_stream_read_path(&s, ctx, path, NULL), VMC_OK);
	free(path);
	return s;
}

static vmc_report *check(vmc_ctx *ctx, const char *src, const char *dst, uint32_t flags)
{
	vmc_check_options o = VMC_CHECK_OPTIONS_INIT;
	vmc_stream *a = open_fixture(ctx, src), *b = open_fixture(ctx, dst);
	vmc_report *r = NULL;

	o.flags = flags;
	assert_int_equal(vmc_check_streams(&r, ctx, a, b, &o), VMC_OK);
	vmc_stream_free(a);
	vmc_stream_free(b);
	return r; /* independent of the streams */
}

static size_t count(const vmc_report *r, uint32_t status, const char *check)
{
	size_t i, n = 0;
	for (i = 0; i < vmc_report_finding_count(r); i++) {
		const vmc_finding *f = vmc_report_finding(r, i);
		if (vmc_finding_status(f) == status &&
		    (!check || strcmp(vmc_finding_check(f), check) == 0))
			n++;
	}
	return n;
}

static const vmc_finding *find(const vmc_report *r, const char *check, const char *subject)
{
	size_t i;
	for (i = 0; i < vmc_report_finding_count(r); i++) {
		const vmc_finding *f = vmc_report_finding(r, i);
		if (strcmp(vmc_finding_check(f), check) == 0 &&
		    strncmp(vmc_finding_subject(f), subject, strlen(subject)) == 0)
			return f;
	}
	return NULL;
}

static void test_check__same_config_is_compatible(void **state)
{
	static const char *const names[] = {"i440fx-generic", "q35-non-transitional",
					    "i440fx-disable-modern", "q35-legacy-only"};
	vmc_ctx *ctx;
	size_t i;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	for (i = 0; i < 4; i++) {
		vmc_report *r = check(ctx, names[i], names[i], 0);
		assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
		assert_int_equal(vmc_report_finding_count(r), 0);
		vmc_report_free(r);
	}
	/* generic behind a root port == disable-legacy=on there (same bytes) */
	{
		vmc_report *r = check(ctx, "q35-generic", "q35-disable-legacy", 0);
		assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
		vmc_report_free(r);
	}
	vmc_ctx_free(ctx);
}

/* The seed example: virtio-net-pci -> -transitional fails only on the ROM
 * block, named after the QOM type. */
static void test_check__generic_to_transitional_rom_name(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	const vmc_finding *f;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = check(ctx, "i440fx-generic", "i440fx-transitional", 0);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_INCOMPATIBLE);
	assert_int_equal(count(r, VMC_FINDING_REFUTED, NULL), 1);
	f = vmc_report_finding(r, 0);
	assert_string_equal(vmc_finding_check(f), "ram.unknown-block");
	assert_string_equal(vmc_finding_subject(f), "0000:00:06.0/virtio-net-pci.rom");
	assert_string_equal(vmc_finding_qemu_error(f),
			    "Unknown ramblock \"0000:00:06.0/virtio-net-pci.rom\", cannot accept "
			    "migration");
	f = find(r, "ram.only-on-destination", "0000:00:06.0/virtio-net-pci-transitional.rom");
	assert_non_null(f);
	assert_int_equal(vmc_finding_status(f), VMC_FINDING_WARNING);
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

/* generic -> non-transitional on conventional PCI: the device ID, for every
 * family, with QEMU's exact message. */
static void test_check__generic_to_non_transitional_device_id(void **state)
{
	static const struct {
		const char *section;
		const char *qemu;
	} want[] = {
		{"0000:00:06.0/virtio-net device ID",
		 "get_pci_config_device: Bad config data: i=0x2 read: 0 device: 41 cmask: ff "
		 "wmask: 0 w1cmask:0"},
		{"0000:00:09.0/virtio-rng device ID",
		 "get_pci_config_device: Bad config data: i=0x2 read: 5 device: 44 cmask: ff "
		 "wmask: 0 w1cmask:0"},
		{"0000:00:04.0/virtio-blk device ID",
		 "get_pci_config_device: Bad config data: i=0x2 read: 1 device: 42 cmask: ff "
		 "wmask: 0 w1cmask:0"},
	};
	vmc_ctx *ctx;
	vmc_report *r;
	size_t i;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = check(ctx, "i440fx-generic", "i440fx-non-transitional", 0);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_INCOMPATIBLE);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const vmc_finding *f = find(r, "pci.config-read-only", want[i].section);
		uint64_t off, len;
		assert_non_null(f);
		assert_int_equal(vmc_finding_status(f), VMC_FINDING_REFUTED);
		assert_true(vmc_finding_range(f, &off, &len));
		assert_int_equal(off, 2);
		assert_int_equal(len, 1);
		assert_string_equal(vmc_finding_qemu_error(f), want[i].qemu);
	}
	/* every one of the 7 families is refuted on its device ID */
	assert_int_equal(count(r, VMC_FINDING_REFUTED, "pci.config-read-only") >= 7, 1);
	assert_non_null(find(r, "ram.unknown-block", "0000:00:06.0/virtio-net-pci.rom"));
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

/* non-transitional <-> disable-legacy=on: identical device, only the ROM
 * block name differs. */
static void test_check__non_transitional_vs_disable_legacy(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = check(ctx, "i440fx-disable-legacy", "i440fx-non-transitional", 0);
	assert_int_equal(count(r, VMC_FINDING_REFUTED, NULL), 1);
	assert_non_null(find(r, "ram.unknown-block", "0000:00:06.0/virtio-net-pci.rom"));
	assert_int_equal(count(r, VMC_FINDING_REFUTED, "pci.config-read-only"), 0);
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

/* A PCIe function (4096 bytes) into a conventional one (256 bytes). */
static void test_check__config_size(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	const vmc_finding *f;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = check(ctx, "q35-generic", "q35-legacy-only", 0);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_INCOMPATIBLE);
	f = find(r, "pci.config-size", "0000:00:03.0:00.0/virtio-9p");
	assert_non_null(f);
	assert_string_equal(vmc_finding_source_value(f), "4096");
	assert_string_equal(vmc_finding_destination_value(f), "256");
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

/* Different machine types: the configuration section and every section
 * that has another bus path. */
static void test_check__machine_type(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	const vmc_finding *f;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = check(ctx, "i440fx-generic", "q35-generic", 0);
	f = find(r, "config.machine-type", "machine type");
	assert_non_null(f);
	assert_int_equal(vmc_finding_status(f), VMC_FINDING_REFUTED);
	assert_string_equal(vmc_finding_qemu_error(f),
			    "Machine type received is 'pc-i440fx-7.2' and local is 'pc-q35-7.2'");
	f = find(r, "section.unknown", "0000:00:06.0/virtio-net");
	assert_non_null(f);
	assert_non_null(strstr(vmc_finding_qemu_error(f),
			       "Unknown savevm section or instance '0000:00:06.0/virtio-net' 0."));
	/* refuted first, then the rest */
	assert_int_equal(vmc_finding_status(vmc_report_finding(r, 0)), VMC_FINDING_REFUTED);
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

static void test_check__keep_proved(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = check(ctx, "i440fx-generic", "i440fx-generic", VMC_CHECK_KEEP_PROVED);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	assert_true(count(r, VMC_FINDING_PROVED, "config.machine-type") == 1);
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

static void test_check__cli_exit_statuses(void **state)
{
	int st;
	char *out;
	(void)state;

	out = vmc_test_run(VMC_CLI_PATH " check " VMC_FIXTURES_DIR "/qemu-7.2/i440fx-generic.mig.xz"
				       " --against " VMC_FIXTURES_DIR "/qemu-7.2/i440fx-generic-gzip.mig.gz",
			   &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "verdict: compatible"));
	free(out);
	out = vmc_test_run(VMC_CLI_PATH " check --json " VMC_FIXTURES_DIR
				       "/qemu-7.2/i440fx-generic.mig.xz --against " VMC_FIXTURES_DIR
				       "/qemu-7.2/i440fx-transitional.mig.xz",
			   &st);
	assert_int_equal(st, 1);
	assert_non_null(strstr(out, "\"verdict\":\"incompatible\""));
	assert_non_null(strstr(out, "\"check\":\"ram.unknown-block\""));
	free(out);
	free(vmc_test_run(VMC_CLI_PATH " check x 2>/dev/null", &st));
	assert_int_equal(st, 64);
	free(vmc_test_run(VMC_CLI_PATH " check /nonexistent --against /nonexistent 2>/dev/null", &st));
	assert_int_equal(st, 66);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check__same_config_is_compatible),
		cmocka_unit_test(test_check__generic_to_transitional_rom_name),
		cmocka_unit_test(test_check__generic_to_non_transitional_device_id),
		cmocka_unit_test(test_check__non_transitional_vs_disable_legacy),
		cmocka_unit_test(test_check__config_size),
		cmocka_unit_test(test_check__machine_type),
		cmocka_unit_test(test_check__keep_proved),
		cmocka_unit_test(test_check__cli_exit_statuses),
	};
	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
