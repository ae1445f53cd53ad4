#include "fixtures.h"

#include <json-c/json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char *join(const char *a, const char *b, const char *suffix)
{
	size_t n = strlen(a) + strlen(b) + strlen(suffix) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s%s", a, b, suffix);
	return p;
}

char *vmc_test_fixture(const char *rel)
{
	return join(VMC_FIXTURES_DIR, rel, "");
}

char *vmc_test_fixture_raw(const char *rel)
{
	return join(VMC_FIXTURES_RAW_DIR, rel, "");
}

int vmc_test_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

uint8_t *vmc_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	assert_non_null(f);
	for (;;) {
		size_t r;
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

char *vmc_test_run(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0;
	int st;

	assert_non_null(p);
	for (;;) {
		size_t r;
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = fread(buf + n, 1, cap - n - 1, p);
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = '\0';
	st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return buf;
}

static int should_fail(vmc_test_alloc *a)
{
	long n = a->count++;
	return a->fail_at >= 0 && (n == a->fail_at || (a->sticky && n > a->fail_at));
}

static void *ta_malloc(size_t size, void *payload)
{
	vmc_test_alloc *a = payload;
	void *p;

	if (should_fail(a))
		return NULL;
	p = malloc(size);
	if (p)
		a->live++;
	return p;
}

static void *ta_realloc(void *ptr, size_t size, void *payload)
{
	vmc_test_alloc *a = payload;
	void *p;

	if (should_fail(a))
		return NULL;
	p = realloc(ptr, size);
	if (p && !ptr)
		a->live++;
	return p;
}

static void ta_free(void *ptr, void *payload)
{
	vmc_test_alloc *a = payload;

	if (ptr)
		a->live--;
	free(ptr);
}

vmc_allocator vmc_test_allocator(vmc_test_alloc *state)
{
	vmc_allocator al = {ta_malloc, ta_realloc, ta_free, state};
	return al;
}

uint8_t *vmc_test_load_raw(const char *rel, size_t *len)
{
	char *raw = vmc_test_fixture_raw(rel);
	uint8_t *data;

	if (!vmc_test_exists(raw)) {
		char *src = vmc_test_fixture(rel);
		char cmd[4096];
		int status;

		snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && xz -dc '%s.xz' > '%s'",
			 raw, src, raw);
		free(vmc_test_run(cmd, &status));
		free(src);
		assert_int_equal(status, 0);
	}
	data = vmc_test_slurp(raw, len);
	free(raw);
	return data;
}

int vmc_test_names_cause(const vmc_report *r, struct json_object *lines)
{
	size_t i, j;

	for (i = 0; i < vmc_report_finding_count(r); i++) {
		const vmc_finding *f = vmc_report_finding(r, i);
		const char *q = vmc_finding_qemu_error(f);
		if (vmc_finding_status(f) != VMC_FINDING_REFUTED || !q)
			continue;
		for (j = 0; j < json_object_array_length(lines); j++)
			if (strstr(json_object_get_string(json_object_array_get_idx(lines, j)), q))
				return 1;
	}
	return 0;
}
