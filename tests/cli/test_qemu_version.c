/*
 * test_qemu_version.c - which QEMU `prove` and `check --target` answer for
 * (cli/qemu_version.c, docs/prove.md "Which QEMU"): the emulator on PATH
 * by default (PATH is set per command: absent, a fake qemu-system-x86_64
 * printing a chosen --version line, the host's /usr/bin), the fallback to
 * the newest bundled profile, binaries and wrappers named by path
 * (harvested once into a private XDG_CACHE_HOME, then read from it, the
 * cache key reproduced with sha256sum), profile files, old machine types
 * (a finding, never exit 69), and `vmcompat profiles`.  The tests that need
 * a real QEMU skip with the reason when it is absent.
 */
#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HOST_QEMU "/usr/bin/qemu-system-x86_64"
#define WRAPPER "/var/cache/qemu-versions/bin/qemu-10.0"
#define RNG "'-M pc-i440fx-7.2 -device virtio-rng-pci'"
#define OLD "'-M pc-i440fx-2.1'"

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/vmc-qemu-version-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	int st;
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	free(vmc_test_run(cmd, &st));
	return st;
}

/* Run vmcompat with PATH=path and the private cache; stdout (malloc'd). */
static char *run(const char *path, const char *args, int *st)
{
	char cmd[2048];
	snprintf(cmd, sizeof(cmd), "PATH=%s XDG_CACHE_HOME=%s/cache " VMC_CLI_PATH " %s 2>%s/err",
		 path, tmp, args, tmp);
	return vmc_test_run(cmd, st);
}

/* A whole text file, NUL-terminated; malloc'd. */
static char *read_text(const char *path)
{
	size_t len;
	char *data = (char *)vmc_test_slurp(path, &len), *text = malloc(len + 1);

	assert_non_null(text);
	memcpy(text, data, len);
	text[len] = '\0';
	free(data);
	return text;
}

static char *err_text(void)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/err", tmp);
	return read_text(path);
}

/* A fake qemu-system-x86_64 in DIR/name printing line for --version. */
static void fake_qemu(const char *dir, const char *line)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/%s/qemu-system-x86_64", tmp, dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho '%s'\necho 'Copyright (c) 2003-2022'\n", line);
	fclose(f);
	chmod(path, 0755);
}

static void expect(const char *out, const char *what)
{
	if (!strstr(out, what))
		fail_msg("expected '%s' in:\n%s", what, out);
}

static void test_qemu_version__no_qemu_on_path(void **state)
{
	char *out;
	int st;
	(void)state;

	out = run("/nonexistent-vmc", "prove --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 0);
	expect(out, "source QEMU:      11.1.2 (Debian 1:11.1.2+ds-3): bundled profile 11.1 "
		    "[newest]");
	expect(out, "because: no qemu-system-x86_64 on PATH: the newest bundled profile");
	expect(out, "destination QEMU: the source's");
	expect(out, "rules:            vmcompat ");
	free(out);
	out = run("/nonexistent-vmc", "prove --json --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 0);
	expect(out, "\"match\":\"newest\"");
	expect(out, "\"profile\":\"11.1\"");
	expect(out, "\"package\":\"Debian 1:11.1.2+ds-3\"");
	expect(out, "\"origin\":\"bundled\"");
	free(out);
	/* an old machine type 11.1 lacks: a finding, not exit 69 */
	out = run("/nonexistent-vmc", "prove --source " OLD " --target " OLD, &st);
	assert_int_equal(st, 1);
	expect(out, "refuted  prove.machine-type: pc-i440fx-2.1");
	expect(out, "bundled profiles that have it: 5.2, 7.2");
	free(out);
}

static void test_qemu_version__fake_qemu_on_path(void **state)
{
	char path[256], *out, *err;
	int st;
	(void)state;

	/* another stable release of a bundled line */
	fake_qemu("q725", "QEMU emulator version 7.2.5 (Debian 1:7.2+dfsg-7+deb12u5)");
	snprintf(path, sizeof(path), "/nonexistent-vmc:%s/q725", tmp);
	out = run(path, "prove --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 0);
	expect(out, "bundled profile 7.2 [release-line]");
	expect(out, "QEMU 7.2.5 has no profile of its own");
	expect(out, "/q725/qemu-system-x86_64: QEMU emulator version 7.2.5 (Debian "
		    "1:7.2+dfsg-7+deb12u5)");
	free(out);
	/* 7.2 has pc-i440fx-2.1: no machine-type finding */
	out = run(path, "prove --source " OLD " --target " OLD, &st);
	assert_true(strstr(out, "prove.machine-type") == NULL);
	free(out);
	/* check --target: the destination is the emulator on PATH */
	out = run(path,
		  "check " VMC_FIXTURES_DIR "/qemu-7.2/q35-generic.mig.xz --target '-M "
		  "pc-q35-7.2'",
		  &st);
	expect(out, "source QEMU:      the saved stream itself");
	expect(out, "destination QEMU: 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3): bundled profile "
		    "7.2 [release-line]");
	free(out);
	/* an explicit version beats PATH */
	out = run(path, "prove --source-qemu 10.0 --source " RNG " --target " RNG, &st);
	expect(out, "bundled profile 10.0 [exact]");
	expect(out, "because: --source-qemu 10.0");
	free(out);

	/* same major, no profile of the line: stand-in, unknown */
	fake_qemu("q101", "QEMU emulator version 10.1.0");
	snprintf(path, sizeof(path), "%s/q101", tmp);
	out = run(path, "prove --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 2);
	expect(out, "bundled profile 10.0 [stand-in]");
	expect(out, "unknown  prove.profile: 10.1.0");
	free(out);

	/* no profile of that major */
	fake_qemu("q822", "QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1)");
	snprintf(path, sizeof(path), "%s/q822", tmp);
	out = run(path, "prove --json --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 2);
	expect(out, "\"match\":\"none\"");
	expect(out, "\"requested\":\"8.2.2\"");
	expect(out, "no bundled profile has major version 8");
	free(out);

	/* no version line: the newest bundled profile, and why */
	fake_qemu("qbad", "something else");
	snprintf(path, sizeof(path), "%s/qbad", tmp);
	out = run(path, "prove --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 0);
	expect(out, "[newest]");
	expect(out, "did not print its version: the newest bundled profile");
	free(out);
	err = err_text();
	assert_string_equal(err, "");
	free(err);
}

static void test_qemu_version__arguments(void **state)
{
	char *out;
	int st;
	(void)state;

	out = run("/nonexistent-vmc",
		  "prove --target-qemu " VMC_SOURCE_DIR "/rules/profiles/qemu-5.2.yaml --source "
		  "'-M pc-i440fx-5.2' --target '-M pc-i440fx-5.2' --source-qemu 5.2",
		  &st);
	assert_int_equal(st, 0);
	expect(out, "destination QEMU: 5.2.0 (Debian 1:5.2+dfsg-11+deb11u5): file profile " VMC_SOURCE_DIR
		    "/rules/profiles/qemu-5.2.yaml [profile]");
	free(out);
	free(run("/nonexistent-vmc", "prove --source-qemu nosuchqemu --source x --target x", &st));
	assert_int_equal(st, 64);
	out = err_text();
	expect(out, "--source-qemu: expected a QEMU version (7.2, 7.2.22), a QEMU binary or a "
		    "profile file, found 'nosuchqemu'");
	free(out);
	free(run("/nonexistent-vmc", "prove --source-qemu 7.x --source x --target x", &st));
	assert_int_equal(st, 64);
	/* a file that is not a profile */
	free(run("/nonexistent-vmc",
		 "prove --source-qemu " VMC_SOURCE_DIR "/rules/checks.yaml --source x --target x",
		 &st));
	assert_int_equal(st, 65);
}

static int have_host_qemu(void)
{
	if (access(HOST_QEMU, X_OK) == 0)
		return 1;
	print_message("SKIPPED: %s is absent (Debian 12: apt-get install qemu-system-x86)\n",
		      HOST_QEMU);
	return 0;
}

static void test_qemu_version__host_qemu_default(void **state)
{
	char *out;
	int st;
	(void)state;

	if (!have_host_qemu())
		skip();
	out = run("/usr/bin", "prove --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 0);
	expect(out, "source QEMU:      7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3): bundled profile "
		    "7.2 [exact]");
	expect(out, "because: qemu-system-x86_64 on PATH is " HOST_QEMU ": QEMU emulator version "
		    "7.2.22");
	free(out);
	/* the Debian 12 case of the issue: 2.x machine types are 7.2's */
	out = run("/usr/bin", "prove --source " OLD " --target " OLD, &st);
	assert_true(strstr(out, "prove.machine-type") == NULL);
	free(out);
}

/* Harvest binary (by path) into the private cache, use it twice; the cache
 * file is named by the documented key. */
static void harvest_and_cache(const char *binary, const char *version)
{
	char args[1024], cmd[1024], *out, *err, *key;
	int st;

	snprintf(args, sizeof(args),
		 "prove --target-qemu %s --source-qemu 7.2 --source " RNG " --target " RNG, binary);
	/* harvest saves streams through QMP migrate "exec:cat > FIFO": QEMU's
	 * /bin/sh needs cat on PATH */
	out = run("/usr/bin:/bin", args, &st);
	err = err_text();
	if (st != 0)
		fail_msg("exit %d:\n%s\n%s", st, out, err);
	expect(err, "harvesting it once");
	expect(out, "cached harvest profile");
	expect(out, version);
	free(out);
	free(err);
	/* the key: sha256(version line "\n" sha256(resolved file)), 16 digits */
	snprintf(cmd, sizeof(cmd),
		 "printf '%%s\\n%%s' \"$(%s --version | head -n 1)\" \"$(sha256sum < $(readlink -f "
		 "%s) | cut -c1-64)\" | sha256sum | cut -c1-16 | tr -d '\\n'",
		 binary, binary);
	key = vmc_test_run(cmd, &st);
	assert_int_equal(st, 0);
	snprintf(cmd, sizeof(cmd), "%s/cache/vmcompat/profiles/qemu-%s-%s.yaml", tmp, version,
		 key);
	if (!vmc_test_exists(cmd))
		fail_msg("expected the cache file %s", cmd);
	free(key);
	/* second use: from the cache, no harvest */
	out = run("/usr/bin:/bin", args, &st);
	err = err_text();
	assert_int_equal(st, 0);
	assert_true(strstr(err, "harvesting") == NULL);
	expect(out, "cached harvest profile");
	free(out);
	free(err);
}

static void test_qemu_version__harvest_host_binary(void **state)
{
	char *out;
	int st;
	(void)state;

	if (!have_host_qemu())
		skip();
	harvest_and_cache(HOST_QEMU, "7.2.22");
	/* the default now finds the cached harvest of the emulator on PATH */
	out = run("/usr/bin", "prove --source " RNG " --target " RNG, &st);
	assert_int_equal(st, 0);
	expect(out, "source QEMU:      7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3): cached harvest "
		    "profile ");
	free(out);
	out = run("/nonexistent-vmc", "profiles --json", &st);
	assert_int_equal(st, 0);
	expect(out, "\"origin\":\"cached harvest\"");
	expect(out, "\"binary\":\"" HOST_QEMU "\"");
	expect(out, "\"name\":\"pc-i440fx-2.1\"");
	free(out);
	out = run("/nonexistent-vmc", "profiles", &st);
	assert_int_equal(st, 0);
	expect(out, "bundled profiles (embedded in libvmcompat):\n  5.2  QEMU 5.2.0");
	expect(out, "cached harvests (");
	expect(out, "pc-i440fx-7.2 (pc, default)");
	free(out);
}

static void test_qemu_version__harvest_wrapper(void **state)
{
	int st = 1;
	(void)state;

	if (access(WRAPPER, X_OK) == 0)
		free(vmc_test_run(WRAPPER " --version >/dev/null 2>&1", &st));
	if (st != 0) {
		print_message("SKIPPED: no working QEMU wrapper %s (made by "
			      "qemu-versions.sh, rules/profiles/README.md)\n",
			      WRAPPER);
		skip();
	}
	harvest_and_cache(WRAPPER, "10.0.13");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_version__no_qemu_on_path),
		cmocka_unit_test(test_qemu_version__fake_qemu_on_path),
		cmocka_unit_test(test_qemu_version__arguments),
		cmocka_unit_test(test_qemu_version__host_qemu_default),
		cmocka_unit_test(test_qemu_version__harvest_host_binary),
		cmocka_unit_test(test_qemu_version__harvest_wrapper),
	};
	return cmocka_run_group_tests_name("qemu_version", tests, setup, teardown);
}
