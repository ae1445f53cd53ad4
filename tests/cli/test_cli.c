/*
 * test_cli.c - the vmcompat command line as a user runs it: exit statuses,
 * the "FILE:OFFSET: expected ..." message, standard input, the JSON
 * document's documented keys, and inputs left untouched.
 */
#include "fixtures.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define RAW_DIR VMC_FIXTURES_RAW_DIR "/cli"

static char *run(const char *fmt, const char *arg, int *status)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), fmt, arg);
	return vmc_test_run(cmd, status);
}

static int setup(void **state)
{
	int st;
	(void)state;
	free(vmc_test_run("mkdir -p '" RAW_DIR "' && xz -dc '" VMC_FIXTURES_DIR
			  "/qemu-7.2/i440fx-generic.mig.xz' > '" RAW_DIR "/g.mig' && head -c 500000 '" RAW_DIR
			  "/g.mig' > '" RAW_DIR "/cut.mig'",
			  &st));
	return st;
}

static void test_cli__usage_and_version(void **state)
{
	int st;
	(void)state;
	free(vmc_test_run(VMC_CLI_PATH " 2>/dev/null", &st));
	assert_int_equal(st, 64);
	free(vmc_test_run(VMC_CLI_PATH " decode --bogus x 2>/dev/null", &st));
	assert_int_equal(st, 64);
	free(vmc_test_run(VMC_CLI_PATH " decode 2>/dev/null", &st));
	assert_int_equal(st, 64);
	free(vmc_test_run(VMC_CLI_PATH " decode --limit nosuch=1 x 2>/dev/null", &st));
	assert_int_equal(st, 64);
	free(vmc_test_run(VMC_CLI_PATH " frobnicate 2>/dev/null", &st));
	assert_int_equal(st, 64);
	free(vmc_test_run(VMC_CLI_PATH " --version", &st));
	assert_int_equal(st, 0);
}

static void test_cli__cannot_open(void **state)
{
	int st;
	char *out;
	(void)state;
	out = vmc_test_run(VMC_CLI_PATH " decode /nonexistent/file 2>&1", &st);
	assert_int_equal(st, 66);
	assert_non_null(strstr(out, "cannot open '/nonexistent/file'"));
	free(out);
}

static void test_cli__malformed_reports_file_and_offset(void **state)
{
	int st;
	char *out;
	(void)state;
	out = run(VMC_CLI_PATH " decode '%s' 2>&1 >/dev/null", RAW_DIR "/cut.mig", &st);
	assert_int_equal(st, 65);
	/* FILE:OFFSET: expected ..., found ... */
	assert_non_null(strstr(out, RAW_DIR "/cut.mig:"));
	assert_non_null(strstr(out, ": expected "));
	assert_non_null(strstr(out, "found"));
	free(out);
	out = vmc_test_run("printf 'hello world, not a stream' | " VMC_CLI_PATH " decode - 2>&1", &st);
	assert_int_equal(st, 65);
	assert_non_null(strstr(out, "<stdin>:0: expected"));
	free(out);
}

static void test_cli__text_summary(void **state)
{
	int st;
	char *out;
	(void)state;
	out = run(VMC_CLI_PATH " decode '%s'", RAW_DIR "/g.mig", &st);
	assert_int_equal(st, 0);
	assert_non_null(strstr(out, "machine type: pc-i440fx-7.2"));
	assert_non_null(strstr(out, "0000:00:06.0/virtio-net-pci.rom"));
	assert_non_null(strstr(out, "0000:00:06.0/virtio-net"));
	assert_non_null(strstr(out, "container:    raw"));
	free(out);
}

static json_object *decode_json(const char *cmd_fmt, const char *arg)
{
	int st;
	char *out = run(cmd_fmt, arg, &st);
	json_object *j;

	assert_int_equal(st, 0);
	j = json_tokener_parse(out);
	free(out);
	assert_non_null(j);
	return j;
}

static json_object *key(json_object *o, const char *k)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("missing key '%s'", k);
	return v;
}

static void test_cli__json_document(void **state)
{
	json_object *j, *secs, *blocks, *net = NULL;
	size_t i;
	(void)state;

	j = decode_json(VMC_CLI_PATH " decode --json '%s'", RAW_DIR "/g.mig");
	assert_string_equal(json_object_get_string(key(key(j, "container"), "kind")), "raw");
	assert_string_equal(json_object_get_string(key(j, "machine_type")), "pc-i440fx-7.2");
	assert_int_equal(json_object_get_int64(key(j, "stream_size")), 960054);
	secs = key(j, "sections");
	for (i = 0; i < json_object_array_length(secs); i++) {
		json_object *s = json_object_array_get_idx(secs, i);
		key(s, "instance_id");
		key(s, "version_id");
		key(s, "fields");
		if (strcmp(json_object_get_string(key(s, "idstr")), "0000:00:06.0/virtio-net") == 0)
			net = s;
	}
	assert_non_null(net);
	assert_int_equal(json_object_get_int(key(net, "version_id")), 11);
	/* the virtio device is one opaque field in the vmdesc (issue 3 opens it) */
	{
		json_object *f = json_object_array_get_idx(key(net, "fields"), 0);
		assert_string_equal(json_object_get_string(key(f, "name")), "virtio");
		assert_int_equal(json_object_get_int64(key(f, "size")), 46143);
	}
	blocks = key(j, "ramblocks");
	assert_int_equal(json_object_array_length(blocks), 7);
	{
		json_object *b = json_object_array_get_idx(blocks, 0);
		assert_string_equal(json_object_get_string(key(b, "name")), "pc.ram");
		assert_int_equal(json_object_get_int64(key(b, "size")), 33554432);
		assert_int_equal(json_object_get_int64(key(key(b, "pages"), "zero")), 8192);
	}
	json_object_put(j);
}

/* Standard input (a pipe: no seeking) gives the same document as the file. */
static void test_cli__stdin_equals_file(void **state)
{
	int st1, st2;
	char *a, *b;
	(void)state;
	a = run(VMC_CLI_PATH " decode --json '%s' | sed 1,4d", RAW_DIR "/g.mig", &st1);
	b = run("cat '%s' | " VMC_CLI_PATH " decode --json - | sed 1,4d", RAW_DIR "/g.mig", &st2);
	assert_int_equal(st1, 0);
	assert_int_equal(st2, 0);
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_cli__input_is_never_modified(void **state)
{
	struct stat before, after;
	int st;
	(void)state;
	assert_int_equal(stat(RAW_DIR "/g.mig", &before), 0);
	free(run(VMC_CLI_PATH " decode --json '%s' >/dev/null", RAW_DIR "/g.mig", &st));
	assert_int_equal(st, 0);
	assert_int_equal(stat(RAW_DIR "/g.mig", &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
	assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	assert_int_equal(before.st_ctim.tv_nsec, after.st_ctim.tv_nsec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli__usage_and_version),
		cmocka_unit_test(test_cli__cannot_open),
		cmocka_unit_test(test_cli__malformed_reports_file_and_offset),
		cmocka_unit_test(test_cli__text_summary),
		cmocka_unit_test(test_cli__json_document),
		cmocka_unit_test(test_cli__stdin_equals_file),
		cmocka_unit_test(test_cli__input_is_never_modified),
	};
	return cmocka_run_group_tests_name("cli", tests, setup, NULL);
}
