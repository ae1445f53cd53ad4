/*
 * test_prove.c - `prove` on the seed questions (what real QEMU 7.2 does is
 * in ../shared/docs/stream-format.md §11.3 and the oracle matrix), on
 * libvirt domain XML, on property values no profile recorded (derived by
 * the rules), on devices nothing describes (unknown, never a guess), and
 * `check SRC --target CONFIG` on real streams.  The oracle test covers the
 * whole matrix; these pin the answers a user reads.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static vmc_report *prove(vmc_ctx *ctx, const char *src, const char *dst)
{
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
	vmc_config *a, *b;
	vmc_report *r = NULL;

	o.source_qemu = "7.2";
	assert_int_equal(vmc_config_parse(&a, ctx, src, strlen(src), "source"), VMC_OK);
	assert_int_equal(vmc_config_parse(&b, ctx, dst, strlen(dst), "target"), VMC_OK);
	if (vmc_prove(&r, ctx, a, b, &o) != VMC_OK)
		fail_msg("prove: %s", vmc_error_last(ctx)->message);
	vmc_config_free(a);
	vmc_config_free(b);
	return r;
}

static const vmc_finding *find(const vmc_report *r, const char *check, const char *subject)
{
	size_t i;
	for (i = 0; i < vmc_report_finding_count(r); i++) {
		const vmc_finding *f = vmc_report_finding(r, i);
		if (strcmp(vmc_finding_check(f), check) == 0 &&
		    (!subject || strncmp(vmc_finding_subject(f), subject, strlen(subject)) == 0))
			return f;
	}
	return NULL;
}

static size_t refuted(const vmc_report *r)
{
	size_t i, n = 0;
	for (i = 0; i < vmc_report_finding_count(r); i++)
		n += vmc_finding_status(vmc_report_finding(r, i)) == VMC_FINDING_REFUTED;
	return n;
}

#define PC "-M pc-i440fx-7.2 -netdev user,id=n0 "

static void test_prove__seed_questions(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	const vmc_finding *f;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	/* virtio-net-pci -> -transitional: only the ROM block name */
	r = prove(ctx, PC "-device virtio-net-pci,netdev=n0,bus=pci.0,addr=0x2",
		  PC "-device virtio-net-pci-transitional,netdev=n0,bus=pci.0,addr=0x2");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_INCOMPATIBLE);
	assert_int_equal(refuted(r), 1);
	f = find(r, "ram.unknown-block", NULL);
	assert_non_null(f);
	assert_string_equal(vmc_finding_qemu_error(f),
			    "Unknown ramblock \"0000:00:02.0/virtio-net-pci.rom\", cannot accept "
			    "migration");
	vmc_report_free(r);
	/* ... accepted with romfile= empty on both sides */
	r = prove(ctx, PC "-device virtio-net-pci,netdev=n0,bus=pci.0,addr=0x2,romfile=",
		  PC "-device virtio-net-pci-transitional,netdev=n0,bus=pci.0,addr=0x2,romfile=");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	vmc_report_free(r);
	/* generic -> non-transitional: device ID, QEMU's message */
	r = prove(ctx, PC "-device virtio-net-pci,netdev=n0,bus=pci.0,addr=0x2,romfile=",
		  PC "-device virtio-net-pci-non-transitional,netdev=n0,bus=pci.0,addr=0x2,romfile=");
	f = find(r, "pci.config-read-only", "0000:00:02.0/virtio-net device ID");
	assert_non_null(f);
	assert_string_equal(vmc_finding_qemu_error(f),
			    "get_pci_config_device: Bad config data: i=0x2 read: 0 device: 41 "
			    "cmask: ff wmask: 0 w1cmask:0");
	vmc_report_free(r);
	/* disable-legacy=on -> non-transitional: the same device */
	r = prove(ctx, PC "-device virtio-net-pci,netdev=n0,disable-legacy=on,romfile=",
		  PC "-device virtio-net-pci-non-transitional,netdev=n0,romfile=");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	vmc_report_free(r);
	/* virtio-rng-pci -> -transitional: accepted */
	r = prove(ctx, "-M pc-i440fx-7.2 -device virtio-rng-pci",
		  "-M pc-i440fx-7.2 -device virtio-rng-pci-transitional");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	assert_int_equal(vmc_report_finding_count(r), 0);
	vmc_report_free(r);
	/* generic behind a PCIe root port -> non-transitional: accepted */
	r = prove(ctx,
		  "-M pc-q35-7.2 -device pcie-root-port,id=rp,bus=pcie.0,chassis=1,addr=0x3 "
		  "-device virtio-rng-pci,bus=rp",
		  "-M pc-q35-7.2 -device pcie-root-port,id=rp,bus=pcie.0,chassis=1,addr=0x3 "
		  "-device virtio-rng-pci-non-transitional,bus=rp");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

/* Values no profile recorded: the layout rules derive the config space. */
static void test_prove__unrecorded_property_values(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	const vmc_finding *f;
	uint64_t off, len;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = prove(ctx, "-M pc-i440fx-7.2 -device virtio-rng-pci,vectors=5",
		  "-M pc-i440fx-7.2 -device virtio-rng-pci,vectors=5");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	vmc_report_free(r);
	r = prove(ctx, "-M pc-i440fx-7.2 -device virtio-rng-pci,vectors=5",
		  "-M pc-i440fx-7.2 -device virtio-rng-pci,vectors=6");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_INCOMPATIBLE);
	/* MSI-X Message Control, table size field (stream-format §12.1: 0x9a) */
	f = find(r, "pci.config-read-only", "0000:00:02.0/virtio-rng MSI-X");
	assert_non_null(f);
	assert_true(vmc_finding_range(f, &off, &len));
	assert_int_equal(off, 0x9a);
	assert_non_null(strstr(vmc_finding_qemu_error(f), "i=0x9a read: 4 device: 5"));
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

static void test_prove__domain_xml(void **state)
{
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
	static const char *const names[] = {"rng-virtio", "rng-virtio-transitional",
					    "rng-virtio-non-transitional"};
	vmc_config *c[3];
	vmc_report *r;
	vmc_ctx *ctx;
	size_t i;
	(void)state;

	o.source_qemu = "7.2";
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	for (i = 0; i < 3; i++) {
		char path[512];
		size_t len;
		uint8_t *xml;
		snprintf(path, sizeof(path), "%s/tests/data/prove/%s.xml", VMC_SOURCE_DIR, names[i]);
		xml = vmc_test_slurp(path, &len);
		assert_int_equal(vmc_config_parse(&c[i], ctx, (char *)xml, len, path), VMC_OK);
		free(xml);
	}
	assert_int_equal(vmc_prove(&r, ctx, c[0], c[1], &o), VMC_OK);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	vmc_report_free(r);
	assert_int_equal(vmc_prove(&r, ctx, c[0], c[2], &o), VMC_OK);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_INCOMPATIBLE);
	assert_non_null(find(r, "pci.config-read-only", "0000:00:05.0/virtio-rng device ID"));
	vmc_report_free(r);
	for (i = 0; i < 3; i++)
		vmc_config_free(c[i]);
	vmc_ctx_free(ctx);
}

/* What nothing describes is unknown, never a guess. */
static void test_prove__unmodeled_is_unknown(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = prove(ctx, PC "-device e1000,netdev=n0", PC "-device e1000,netdev=n0");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_UNKNOWN);
	assert_non_null(find(r, "prove.unmodeled", "e1000"));
	vmc_report_free(r);
	r = prove(ctx, "-M pc-i440fx-7.2 -vga std", "-M pc-i440fx-7.2 -vga std");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_UNKNOWN);
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

/* check SRC --target CONFIG: a never-started fixture against its own
 * command line is compatible; against another flavour it is not. */
static void test_prove__check_stream_against_config(void **state)
{
	static const char *const names[] = {"i440fx-generic", "i440fx-disable-modern",
					    "q35-generic", "q35-legacy-only"};
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
	vmc_ctx *ctx;
	size_t i;
	(void)state;

	o.target_qemu = "7.2";
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	for (i = 0; i < 4; i++) {
		char rel[256], cmd[1024], *path, *argv;
		vmc_stream *s;
		vmc_config *c;
		vmc_report *r;
		int st;

		snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.xz", names[i]);
		path = vmc_test_fixture(rel);
		assert_int_equal(vmc_stream_read_path(&s, ctx, path, NULL), VMC_OK);
		snprintf(cmd, sizeof(cmd),
			 "python3 -c 'import json,shlex,sys; print(shlex.join(json.load(open(sys.argv[1]))"
			 "[\"argv\"][1:]))' %s/qemu-7.2/%s.json",
			 VMC_FIXTURES_DIR, names[i]);
		argv = vmc_test_run(cmd, &st);
		assert_int_equal(st, 0);
		assert_int_equal(vmc_config_parse(&c, ctx, argv, strlen(argv), names[i]), VMC_OK);
		assert_int_equal(vmc_check_stream_config(&r, ctx, s, c, &o), VMC_OK);
		if (vmc_report_verdict(r) != VMC_VERDICT_COMPATIBLE)
			fail_msg("%s: %s %s", names[i], vmc_finding_check(vmc_report_finding(r, 0)),
				 vmc_finding_subject(vmc_report_finding(r, 0)));
		vmc_report_free(r);
		vmc_config_free(c);
		vmc_stream_free(s);
		free(argv);
		free(path);
	}
	vmc_ctx_free(ctx);
}

static void test_prove__cli(void **state)
{
	int st;
	char *out;
	(void)state;

	out = vmc_test_run(VMC_CLI_PATH " prove --source-qemu 7.2 --source '-M pc-i440fx-7.2 "
				       "-device virtio-rng-pci' --target '-M pc-i440fx-7.2 -device "
				       "virtio-rng-pci-non-transitional'",
			   &st);
	assert_int_equal(st, 1);
	assert_non_null(strstr(out, "verdict: incompatible"));
	free(out);
	out = vmc_test_run(VMC_CLI_PATH " prove --json --source-qemu 7.2 --source "
				       VMC_SOURCE_DIR "/tests/data/prove/rng-virtio.xml --target "
				       VMC_SOURCE_DIR "/tests/data/prove/rng-virtio-transitional.xml",
			   &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "\"verdict\":\"compatible\""));
	free(out);
	free(vmc_test_run(VMC_CLI_PATH " prove --source '-M pc-i440fx-7.2 -vga std' --target "
					"'-M pc-i440fx-7.2' --source-qemu 7.2 >/dev/null",
			  &st));
	assert_int_equal(st, 2);
	free(vmc_test_run(VMC_CLI_PATH " prove --source '-M pc -bogus' --target '-M pc' 2>/dev/null",
			  &st));
	assert_int_equal(st, 65);
	free(vmc_test_run(VMC_CLI_PATH " prove --source x 2>/dev/null", &st));
	assert_int_equal(st, 64);
	/* no profile of that major version: unknown, naming what is missing
	 * (tests/cli/test_qemu_version.c has the other cases) */
	out = vmc_test_run(VMC_CLI_PATH " prove --source-qemu 3.0 --source '-M pc' --target '-M pc' "
				       "2>/dev/null",
			   &st);
	assert_int_equal(st, 2);
	assert_non_null(strstr(out, "unknown  prove.profile: 3.0"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prove__seed_questions),
		cmocka_unit_test(test_prove__unrecorded_property_values),
		cmocka_unit_test(test_prove__domain_xml),
		cmocka_unit_test(test_prove__unmodeled_is_unknown),
		cmocka_unit_test(test_prove__check_stream_against_config),
		cmocka_unit_test(test_prove__cli),
	};
	return cmocka_run_group_tests_name("prove", tests, NULL, NULL);
}
