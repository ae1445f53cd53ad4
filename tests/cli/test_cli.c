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
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

/*
 * Inputs are opened read-only and never written: size, inode, mode, mtime
 * and ctime (seconds and nanoseconds) are the same after decode, check
 * (SRC, DST_REF, --destination-vmstate) and prove (@FILE configurations).
 * atime too where the file system allows it to be tested: it is set to now
 * first (so relatime, Linux's default, has no reason to update it) and
 * compared only if a plain read (cat) of a scratch copy leaves it alone;
 * under strictatime a read legitimately updates it.
 */
#define UNTOUCHED_MAX 4

typedef struct untouched {
	const char *path[UNTOUCHED_MAX];
	struct stat before[UNTOUCHED_MAX];
	size_t n;
	int atime_testable;
} untouched;

static int atime_survives_a_read(void)
{
	struct stat a, b;
	struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	int st;

	free(vmc_test_run("head -c 4096 '" RAW_DIR "/g.mig' > '" RAW_DIR "/atime.probe'", &st));
	assert_int_equal(st, 0);
	assert_int_equal(utimensat(AT_FDCWD, RAW_DIR "/atime.probe", ts, 0), 0);
	assert_int_equal(stat(RAW_DIR "/atime.probe", &a), 0);
	free(vmc_test_run("cat '" RAW_DIR "/atime.probe' > /dev/null", &st));
	assert_int_equal(stat(RAW_DIR "/atime.probe", &b), 0);
	unlink(RAW_DIR "/atime.probe");
	return a.st_atim.tv_sec == b.st_atim.tv_sec && a.st_atim.tv_nsec == b.st_atim.tv_nsec;
}

static void untouched_begin(untouched *u, const char *const *paths, size_t n)
{
	struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_OMIT}};
	size_t i;

	assert_true(n <= UNTOUCHED_MAX);
	u->n = n;
	u->atime_testable = atime_survives_a_read();
	for (i = 0; i < n; i++) {
		u->path[i] = paths[i];
		/* this changes ctime, so it comes before the snapshot */
		assert_int_equal(utimensat(AT_FDCWD, paths[i], ts, 0), 0);
		assert_int_equal(stat(paths[i], &u->before[i]), 0);
	}
}

static void untouched_end(const untouched *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		const struct stat *b = &u->before[i];
		struct stat a;

		assert_int_equal(stat(u->path[i], &a), 0);
		assert_int_equal(b->st_ino, a.st_ino);
		assert_int_equal(b->st_mode, a.st_mode);
		assert_int_equal(b->st_size, a.st_size);
		assert_int_equal(b->st_mtim.tv_sec, a.st_mtim.tv_sec);
		assert_int_equal(b->st_mtim.tv_nsec, a.st_mtim.tv_nsec);
		assert_int_equal(b->st_ctim.tv_sec, a.st_ctim.tv_sec);
		assert_int_equal(b->st_ctim.tv_nsec, a.st_ctim.tv_nsec);
		if (u->atime_testable) {
			assert_int_equal(b->st_atim.tv_sec, a.st_atim.tv_sec);
			assert_int_equal(b->st_atim.tv_nsec, a.st_atim.tv_nsec);
		}
	}
}

static void test_cli__input_is_never_modified(void **state)
{
	static const char *const decode_in[] = {RAW_DIR "/g.mig"};
	static const char *const check_in[] = {RAW_DIR "/g.mig", RAW_DIR "/q.mig",
					       RAW_DIR "/dst.vmstate"};
	static const char *const prove_in[] = {RAW_DIR "/src.cmd", RAW_DIR "/dst.cmd"};
	untouched u;
	int st;
	(void)state;

	untouched_begin(&u, decode_in, 1);
	free(run(VMC_CLI_PATH " decode --json '%s' >/dev/null", RAW_DIR "/g.mig", &st));
	assert_int_equal(st, 0);
	untouched_end(&u);

	free(vmc_test_run("xz -dc '" VMC_FIXTURES_DIR "/qemu-7.2/i440fx-transitional.mig.xz' > '"
			  RAW_DIR "/q.mig' && xz -dc '" VMC_SOURCE_DIR
			  "/tests/oracle/vmstate/qemu-7.2_pc-i440fx-7.2.json.xz' > '" RAW_DIR
			  "/dst.vmstate'",
			  &st));
	assert_int_equal(st, 0);
	untouched_begin(&u, check_in, 3);
	free(vmc_test_run(VMC_CLI_PATH " check '" RAW_DIR "/g.mig' --against '" RAW_DIR
			  "/q.mig' --destination-vmstate '" RAW_DIR "/dst.vmstate' >/dev/null",
			  &st));
	assert_true(st == 0 || st == 1 || st == 2);
	untouched_end(&u);

	free(vmc_test_run("echo '-machine pc-i440fx-7.2 -device virtio-net-pci' > '" RAW_DIR
			  "/src.cmd' && echo '-machine pc-i440fx-7.2 -device "
			  "virtio-net-pci,disable-legacy=on' > '" RAW_DIR "/dst.cmd'",
			  &st));
	assert_int_equal(st, 0);
	untouched_begin(&u, prove_in, 2);
	free(vmc_test_run(VMC_CLI_PATH " prove --source-qemu 7.2 --source '@" RAW_DIR
			  "/src.cmd' --target '@" RAW_DIR "/dst.cmd' >/dev/null",
			  &st));
	assert_true(st == 0 || st == 1 || st == 2);
	untouched_end(&u);
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
