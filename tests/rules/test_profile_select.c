/*
 * test_profile_select.c - which emulator profile answers for a QEMU version
 * (rules/profile_select.c): exact, same release line, stand-in of the same
 * major version, none; the newest bundled profile without a version; a
 * profile given as a handle (bundled or file); what the report says about
 * each side (vmc_report_qemu); and machine types the chosen QEMU does not
 * have, as findings derived from the bundled machine lists.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static vmc_report *prove_o(vmc_ctx *ctx, const char *src, const char *dst,
			   const vmc_prove_options *o)
{
	vmc_config *a, *b;
	vmc_report *r = NULL;

	assert_int_equal(vmc_config_parse(&a, ctx, src, strlen(src), "source"), VMC_OK);
	assert_int_equal(vmc_config_parse(&b, ctx, dst, strlen(dst), "target"), VMC_OK);
	if (vmc_prove(&r, ctx, a, b, o) != VMC_OK)
		fail_msg("prove: %s", vmc_error_last(ctx)->message);
	vmc_config_free(a);
	vmc_config_free(b);
	return r;
}

static vmc_report *prove_v(vmc_ctx *ctx, const char *src, const char *dst, const char *sq,
			   const char *tq)
{
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;

	o.source_qemu = sq;
	o.target_qemu = tq;
	return prove_o(ctx, src, dst, &o);
}

static const vmc_finding *find(const vmc_report *r, const char *check)
{
	size_t i;
	for (i = 0; i < vmc_report_finding_count(r); i++)
		if (strcmp(vmc_finding_check(vmc_report_finding(r, i)), check) == 0)
			return vmc_report_finding(r, i);
	return NULL;
}

static size_t count(const vmc_report *r, const char *check)
{
	size_t i, n = 0;
	for (i = 0; i < vmc_report_finding_count(r); i++)
		n += strcmp(vmc_finding_check(vmc_report_finding(r, i)), check) == 0;
	return n;
}

#define Q(r, side, key) vmc_report_qemu((r), VMC_SIDE_##side, VMC_QEMU_##key)
#define RNG "-M pc-i440fx-7.2 -device virtio-rng-pci"

static void test_profile_select__release_lines(void **state)
{
	vmc_ctx *ctx;
	vmc_report *r;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	/* exact: the profile's own version, or the release line named */
	r = prove_v(ctx, RNG, RNG, "7.2.22", NULL);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	assert_string_equal(Q(r, SOURCE, MATCH), "exact");
	assert_string_equal(Q(r, SOURCE, PROFILE), "7.2");
	assert_string_equal(Q(r, SOURCE, ORIGIN), "bundled");
	assert_string_equal(Q(r, SOURCE, VERSION), "7.2.22");
	assert_string_equal(Q(r, SOURCE, PACKAGE), "Debian 1:7.2+dfsg-7+deb12u18+b3");
	assert_string_equal(Q(r, SOURCE, REQUESTED), "7.2.22");
	assert_non_null(strstr(Q(r, SOURCE, RULES), "checks.yaml"));
	/* the destination is the source's */
	assert_string_equal(Q(r, DESTINATION, PROFILE), "7.2");
	assert_string_equal(Q(r, DESTINATION, MATCH), "exact");
	vmc_report_free(r);
	r = prove_v(ctx, RNG, RNG, "10.0", "7.2");
	assert_string_equal(Q(r, SOURCE, MATCH), "exact");
	assert_string_equal(Q(r, SOURCE, VERSION), "10.0.13");
	assert_string_equal(Q(r, DESTINATION, VERSION), "7.2.22");
	vmc_report_free(r);

	/* another stable release of the line: that line's profile, said so */
	r = prove_v(ctx, RNG, RNG, "7.2.5", NULL);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_COMPATIBLE);
	assert_string_equal(Q(r, SOURCE, MATCH), "release-line");
	assert_string_equal(Q(r, SOURCE, PROFILE), "7.2");
	assert_non_null(strstr(Q(r, SOURCE, NOTE), "QEMU 7.2.5 has no profile of its own"));
	assert_null(find(r, "prove.profile"));
	vmc_report_free(r);

	/* same major, no profile of the line: a stand-in, never `compatible` */
	r = prove_v(ctx, RNG, RNG, "10.1.2", NULL);
	assert_string_equal(Q(r, SOURCE, MATCH), "stand-in");
	assert_string_equal(Q(r, SOURCE, PROFILE), "10.0");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_UNKNOWN);
	assert_int_equal(count(r, "prove.profile"), 1); /* the destination inherits it */
	assert_int_equal(vmc_finding_status(find(r, "prove.profile")), VMC_FINDING_UNKNOWN);
	assert_string_equal(vmc_finding_subject(find(r, "prove.profile")), "10.1.2");
	vmc_report_free(r);
	r = prove_v(ctx, RNG, RNG, "11.0", NULL); /* nearest minor: 11.1 */
	assert_string_equal(Q(r, SOURCE, PROFILE), "11.1");
	vmc_report_free(r);

	/* no profile of that major: unknown, nothing compared */
	r = prove_v(ctx, RNG, "-M pc-i440fx-7.2 -device virtio-rng-pci-non-transitional", "7.2",
		    "8.2.2");
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_UNKNOWN);
	assert_int_equal(vmc_report_finding_count(r), 1);
	assert_string_equal(Q(r, DESTINATION, MATCH), "none");
	assert_null(Q(r, DESTINATION, PROFILE));
	assert_non_null(strstr(vmc_finding_explanation(find(r, "prove.profile")),
			       "no bundled profile has major version 8"));
	vmc_report_free(r);

	/* no version: the newest bundled profile */
	r = prove_v(ctx, RNG, RNG, NULL, NULL);
	assert_string_equal(Q(r, SOURCE, MATCH), "newest");
	assert_string_equal(Q(r, SOURCE, PROFILE), "11.1");
	assert_null(Q(r, SOURCE, REQUESTED));
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

static void test_profile_select__bad_version(void **state)
{
	static const char *const bad[] = {"7", "7.", ".2", "7.2.x", "seven", "7..2", "7.2.3.4",
					  "123456.1", ""};
	vmc_config *a;
	vmc_report *r = NULL;
	vmc_ctx *ctx;
	size_t i;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc_config_parse(&a, ctx, RNG, strlen(RNG), "c"), VMC_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
		o.source_qemu = bad[i];
		assert_int_equal(vmc_prove(&r, ctx, a, a, &o), VMC_EINVAL);
		assert_non_null(strstr(vmc_error_last(ctx)->message, "expected a QEMU version"));
		assert_null(r);
	}
	vmc_config_free(a);
	vmc_ctx_free(ctx);
}

/* Options of version 1 (four members) still work. */
static void test_profile_select__options_version_1(void **state)
{
	struct {
		unsigned version;
		uint32_t flags;
		const char *source_qemu, *target_qemu;
	} v1 = {1, 0, "5.2", NULL};
	vmc_report *r;
	vmc_ctx *ctx;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	r = prove_o(ctx, "-M pc-i440fx-5.2", "-M pc-i440fx-5.2", (const vmc_prove_options *)&v1);
	assert_string_equal(Q(r, SOURCE, PROFILE), "5.2");
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

static void test_profile_select__given_profiles(void **state)
{
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
	vmc_profile *b, *f;
	vmc_report *r;
	vmc_ctx *ctx;
	const char *const *names = vmc_profile_bundled_names();
	size_t i;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	for (i = 0; names[i]; i++)
		;
	assert_int_equal(i, 4);
	assert_int_equal(vmc_profile_bundled(&b, ctx, "5.2"), VMC_OK);
	assert_string_equal(vmc_profile_name(b), "5.2");
	assert_string_equal(vmc_profile_origin(b), "bundled");
	assert_string_equal(vmc_profile_version(b), "5.2.0");
	assert_true(vmc_profile_machine_count(b) > 10);
	for (i = 0; i < vmc_profile_machine_count(b); i++)
		if (vmc_profile_machine_alias(b, i) &&
		    strcmp(vmc_profile_machine_alias(b, i), "pc") == 0)
			break;
	assert_string_equal(vmc_profile_machine_name(b, i), "pc-i440fx-5.2");
	assert_true(vmc_profile_machine_is_default(b, i));
	assert_null(vmc_profile_machine_name(b, 100000));
	assert_int_equal(vmc_profile_bundled(&f, ctx, "6.0"), VMC_EINVAL);

	assert_int_equal(vmc_profile_read_path(&f, ctx,
					       VMC_SOURCE_DIR "/rules/profiles/qemu-7.2.yaml",
					       "cached harvest"),
			 VMC_OK);
	assert_string_equal(vmc_profile_origin(f), "cached harvest");
	assert_string_equal(vmc_profile_binary(f), "/usr/bin/qemu-system-x86_64");

	o.source_profile = b;
	o.target_profile = f;
	o.source_qemu = "11.1"; /* the profile wins over the version */
	o.source_reason = "a test";
	r = prove_o(ctx, "-M pc-i440fx-5.2", "-M pc-i440fx-5.2", &o);
	assert_string_equal(Q(r, SOURCE, MATCH), "profile");
	assert_string_equal(Q(r, SOURCE, VERSION), "5.2.0");
	assert_string_equal(Q(r, SOURCE, REASON), "a test");
	assert_null(Q(r, SOURCE, REQUESTED));
	assert_string_equal(Q(r, DESTINATION, ORIGIN), "cached harvest");
	assert_string_equal(Q(r, DESTINATION, PROFILE),
			    VMC_SOURCE_DIR "/rules/profiles/qemu-7.2.yaml");
	assert_null(Q(r, DESTINATION, REASON));
	vmc_report_free(r);
	vmc_profile_free(b);
	vmc_profile_free(f);

	/* not a profile: a schema error with FILE:LINE; absent: EOPEN */
	assert_int_equal(vmc_profile_read_path(&f, ctx, VMC_SOURCE_DIR "/rules/checks.yaml", NULL),
			 VMC_ESCHEMA);
	assert_int_equal(vmc_profile_read_path(&f, ctx, "/nonexistent/profile.yaml", NULL),
			 VMC_EOPEN);
	vmc_profile_free(NULL);
	assert_null(vmc_report_qemu(NULL, 0, 0));
	vmc_ctx_free(ctx);
}

static void test_profile_select__missing_machine_types(void **state)
{
	vmc_report *r;
	vmc_ctx *ctx;
	const vmc_finding *f;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	/* removed: 11.1 has no pc-i440fx-2.1 (was an exit 69) */
	r = prove_v(ctx, "-M pc-i440fx-2.1", "-M pc-i440fx-2.1", "11.1", NULL);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_INCOMPATIBLE);
	f = find(r, "prove.machine-type");
	assert_non_null(f);
	assert_int_equal(vmc_finding_status(f), VMC_FINDING_REFUTED);
	assert_string_equal(vmc_finding_subject(f), "pc-i440fx-2.1");
	assert_string_equal(vmc_finding_source_value(f), "not in QEMU 11.1.2");
	assert_null(vmc_finding_destination_value(f));
	assert_string_equal(vmc_finding_qemu_error(f), "unsupported machine type");
	assert_non_null(strstr(vmc_finding_explanation(f),
			       "pc-i440fx-2.1 was removed after QEMU 7.2 (10.0 does not have it); "
			       "bundled profiles that have it: 5.2, 7.2"));
	vmc_report_free(r);
	/* ... and 7.2 has it: no such finding */
	r = prove_v(ctx, "-M pc-i440fx-2.1", "-M pc-i440fx-2.1", "7.2", NULL);
	assert_null(find(r, "prove.machine-type"));
	vmc_report_free(r);

	/* newer than the destination's QEMU */
	r = prove_v(ctx, "-M pc-q35-7.2", "-M pc-q35-7.2", "7.2", "5.2");
	f = find(r, "prove.machine-type");
	assert_non_null(f);
	assert_null(vmc_finding_source_value(f));
	assert_string_equal(vmc_finding_destination_value(f), "not in QEMU 5.2.0");
	assert_non_null(strstr(vmc_finding_explanation(f),
			       "the destination's QEMU, 5.2.0, does not have it"));
	assert_non_null(strstr(vmc_finding_explanation(f),
			       "pc-q35-7.2 is newer than QEMU 5.2 (first in bundled profile 7.2)"));
	vmc_report_free(r);

	/* no profile has it */
	r = prove_v(ctx, "-M pc-q35-1.0", "-M pc", "7.2", NULL);
	f = find(r, "prove.machine-type");
	assert_non_null(strstr(vmc_finding_explanation(f), "no bundled profile has it"));
	vmc_report_free(r);

	/* a stand-in cannot tell: unknown, not refuted */
	r = prove_v(ctx, "-M pc-q35-10.1", "-M pc-q35-10.1", "10.1", NULL);
	f = find(r, "prove.machine-type");
	assert_non_null(f);
	assert_int_equal(vmc_finding_status(f), VMC_FINDING_UNKNOWN);
	assert_int_equal(vmc_report_verdict(r), VMC_VERDICT_UNKNOWN);
	vmc_report_free(r);
	vmc_ctx_free(ctx);
}

/* Reports of two real streams say nothing about profiles. */
static void test_profile_select__check_streams_has_none(void **state)
{
	vmc_stream *s;
	vmc_report *r;
	vmc_ctx *ctx;
	char *path = vmc_test_fixture("qemu-7.2/q35-generic.mig.xz");
	uint32_t k;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	assert_int_equal(vmc_stream_read_path(&s, ctx, path, NULL), VMC_OK);
	assert_int_equal(vmc_check_streams(&r, ctx, s, s, NULL), VMC_OK);
	for (k = 0; k < VMC_QEMU_KEY_COUNT; k++) {
		assert_null(vmc_report_qemu(r, VMC_SIDE_SOURCE, k));
		assert_null(vmc_report_qemu(r, VMC_SIDE_DESTINATION, k));
	}
	assert_null(vmc_report_qemu(r, 2, 0));
	vmc_report_free(r);
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_select__release_lines),
		cmocka_unit_test(test_profile_select__bad_version),
		cmocka_unit_test(test_profile_select__options_version_1),
		cmocka_unit_test(test_profile_select__given_profiles),
		cmocka_unit_test(test_profile_select__missing_machine_types),
		cmocka_unit_test(test_profile_select__check_streams_has_none),
	};
	return cmocka_run_group_tests_name("profile_select", tests, NULL, NULL);
}
