/*
 * test_limits.c - every resource limit of docs/limits.md, one test each:
 * lowered through the API (vmc_ctx_options.limits) below what a real
 * fixture needs, the decode fails with VMC_ELIMIT and a message naming the
 * limit; lowered through the CLI (vmcompat decode --limit NAME=VALUE), the
 * exit status is 65 and stderr names it.  The defaults are what the
 * header and docs/limits.md say, and a fixture decodes within them.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAM "qemu-7.2/q35-generic.mig"
#define LIBVIRT "libvirt/save-raw.libvirt"

typedef struct limit_case {
	const char *cli;    /* --limit NAME                          */
	const char *field;  /* vmc_limits member, named in the error */
	const char *value;  /* the lowered value                     */
	const char *input;  /* fixture, under VMC_FIXTURES_RAW_DIR    */
} limit_case;

static const limit_case cases[] = {
	{"section-size", "max_section_size", "100", STREAM},
	{"device-state", "max_device_state", "1000", STREAM},
	{"vmdesc-size", "max_vmdesc_size", "1000", STREAM},
	{"libvirt-xml", "max_libvirt_xml", "100", LIBVIRT},
	{"json-depth", "max_json_depth", "2", STREAM},
	{"sections", "max_sections", "10", STREAM},
	{"ramblocks", "max_ramblocks", "2", STREAM},
	{"fields", "max_fields", "100", STREAM},
	{"queues", "max_queues", "1", STREAM},
};

static char *raw_path(const char *rel)
{
	size_t n = strlen(VMC_FIXTURES_RAW_DIR) + strlen(rel) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", VMC_FIXTURES_RAW_DIR, rel);
	return p;
}

static void set(vmc_limits *l, const char *field, uint64_t v)
{
	if (!strcmp(field, "max_section_size"))
		l->max_section_size = v;
	else if (!strcmp(field, "max_device_state"))
		l->max_device_state = v;
	else if (!strcmp(field, "max_vmdesc_size"))
		l->max_vmdesc_size = v;
	else if (!strcmp(field, "max_libvirt_xml"))
		l->max_libvirt_xml = v;
	else if (!strcmp(field, "max_json_depth"))
		l->max_json_depth = (uint32_t)v;
	else if (!strcmp(field, "max_sections"))
		l->max_sections = (uint32_t)v;
	else if (!strcmp(field, "max_ramblocks"))
		l->max_ramblocks = (uint32_t)v;
	else if (!strcmp(field, "max_fields"))
		l->max_fields = (uint32_t)v;
	else if (!strcmp(field, "max_queues"))
		l->max_queues = (uint32_t)v;
	else
		fail_msg("unknown limit %s", field);
}

static void check_api(const limit_case *c)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_ctx *ctx;
	vmc_stream *s;
	char *path = raw_path(c->input);
	int rc;

	/* within the defaults: decodes */
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	rc = vmc_stream_read_path(&s, ctx, path, NULL);
	assert_int_equal(rc, VMC_OK);
	vmc_stream_free(s);
	vmc_ctx_free(ctx);
	/* lowered: VMC_ELIMIT naming the limit */
	set(&o.limits, c->field, strtoull(c->value, NULL, 10));
	assert_int_equal(vmc_ctx_new(&ctx, &o), VMC_OK);
	rc = vmc_stream_read_path(&s, ctx, path, NULL);
	if (rc != VMC_ELIMIT || !strstr(vmc_error_last(ctx)->message, c->field))
		fprintf(stderr, "limits: %s=%s: %s: %s\n", c->field, c->value, vmc_strerror(rc),
			vmc_error_last(ctx)->message);
	assert_int_equal(rc, VMC_ELIMIT);
	assert_int_equal(vmc_error_last(ctx)->code, VMC_ELIMIT);
	assert_non_null(strstr(vmc_error_last(ctx)->message, c->field));
	vmc_ctx_free(ctx);
	free(path);
}

static void check_cli(const limit_case *c)
{
	char *path = raw_path(c->input), cmd[1024], *out;
	int status;

	snprintf(cmd, sizeof(cmd), "'%s' decode --limit %s=%s '%s' 2>&1 >/dev/null", VMC_CLI_PATH,
		 c->cli, c->value, path);
	out = vmc_test_run(cmd, &status);
	assert_int_equal(status, 65);
	assert_non_null(strstr(out, c->field));
	free(out);
	free(path);
}

#define LIMIT_TEST(i, name)                                                       \
	static void test_limits__##name(void **state)                              \
	{                                                                          \
		(void)state;                                                       \
		check_api(&cases[i]);                                              \
		check_cli(&cases[i]);                                              \
	}
LIMIT_TEST(0, section_size)
LIMIT_TEST(1, device_state)
LIMIT_TEST(2, vmdesc_size)
LIMIT_TEST(3, libvirt_xml)
LIMIT_TEST(4, json_depth)
LIMIT_TEST(5, sections)
LIMIT_TEST(6, ramblocks)
LIMIT_TEST(7, fields)
LIMIT_TEST(8, queues)

static void test_limits__defaults(void **state)
{
	vmc_ctx *ctx;
	const vmc_limits *l;
	(void)state;

	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	l = vmc_ctx_limits(ctx);
	assert_int_equal(l->max_section_size, VMC_DEFAULT_MAX_SECTION_SIZE);
	assert_int_equal(l->max_section_size, 16u << 20);
	assert_int_equal(l->max_device_state, 64u << 20);
	assert_int_equal(l->max_vmdesc_size, 16u << 20);
	assert_int_equal(l->max_libvirt_xml, 16u << 20);
	assert_int_equal(l->max_json_depth, 64);
	assert_int_equal(l->max_sections, 4096);
	assert_int_equal(l->max_ramblocks, 1024);
	assert_int_equal(l->max_fields, 1000000);
	assert_int_equal(l->max_queues, 1024);
	vmc_ctx_free(ctx);
}

/* An unknown --limit name, or one without a value, is a usage error. */
static void test_limits__cli_rejects_bad_names(void **state)
{
	char cmd[512];
	int status;
	(void)state;

	snprintf(cmd, sizeof(cmd), "'%s' decode --limit nonsense=1 /dev/null 2>/dev/null",
		 VMC_CLI_PATH);
	free(vmc_test_run(cmd, &status));
	assert_int_equal(status, 64);
	snprintf(cmd, sizeof(cmd), "'%s' decode --limit sections /dev/null 2>/dev/null",
		 VMC_CLI_PATH);
	free(vmc_test_run(cmd, &status));
	assert_int_equal(status, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits__defaults),
		cmocka_unit_test(test_limits__section_size),
		cmocka_unit_test(test_limits__device_state),
		cmocka_unit_test(test_limits__vmdesc_size),
		cmocka_unit_test(test_limits__libvirt_xml),
		cmocka_unit_test(test_limits__json_depth),
		cmocka_unit_test(test_limits__sections),
		cmocka_unit_test(test_limits__ramblocks),
		cmocka_unit_test(test_limits__fields),
		cmocka_unit_test(test_limits__queues),
		cmocka_unit_test(test_limits__cli_rejects_bad_names),
	};
	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
