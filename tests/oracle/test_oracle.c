/*
 * test_oracle.c - `check` against real QEMU on the committed oracle matrix
 * (tests/oracle/matrix.json: 1952 migrations QEMU 7.2/10.0 really ran).
 *
 * Each check gets the destination binary's vmstate table
 * (tests/oracle/vmstate/), as a user passes --destination-vmstate.
 * For every case with both streams: vmcompat's verdict must be QEMU's
 * (compatible <=> accepted), and every rejection must have a refuted
 * finding whose qemu_error QEMU printed.  Cases where vmcompat disagrees
 * today are listed, with the reason, in tests/oracle/known-disagreements.txt;
 * the test fails on any disagreement not listed AND on any listed case that
 * now agrees (so the list only shrinks, and each fix is recorded).
 * A summary is printed and written to BUILD/oracle-report.txt.
 */
#include "fixtures.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAMS VMC_FIXTURES_RAW_DIR "/../oracle-streams"
#define CACHE 48

typedef struct entry {
	char *id;
	vmc_stream *s;
	unsigned long used;
} entry;

static entry cache[CACHE];
static unsigned long tick;
static vmc_ctx *ctx;

static vmc_stream *get(const char *id)
{
	char path[1024];
	size_t i, victim = 0;

	for (i = 0; i < CACHE; i++) {
		if (cache[i].id && strcmp(cache[i].id, id) == 0) {
			cache[i].used = ++tick;
			return cache[i].s;
		}
		if (cache[i].used < cache[victim].used)
			victim = i;
	}
	free(cache[victim].id);
	vmc_stream_free(cache[victim].s);
	snprintf(path, sizeof(path), "%s/%s.mig", STREAMS, id);
	cache[victim].id = strdup(id);
	cache[victim].used = ++tick;
	if (vmc_stream_read_path(&cache[victim].s, ctx, path, NULL) != VMC_OK)
		fail_msg("%s: %s at %llu", path, vmc_error_last(ctx)->message,
			 (unsigned long long)vmc_error_last(ctx)->offset);
	return cache[victim].s;
}

/* The destination binary's vmstate table, tests/oracle/vmstate/, by
 * (QEMU version, machine); NULL when none was recorded. */
#define VMSTATES 8
static struct {
	char *name;
	vmc_vmstate *v;
} vmstates[VMSTATES];

static const vmc_vmstate *dst_vmstate(const char *qemu, const char *machine)
{
	char name[256], cmd[1024];
	size_t i, len;
	uint8_t *data;
	int st;

	snprintf(name, sizeof(name), "qemu-%s_%s", qemu, machine);
	for (i = 0; i < VMSTATES && vmstates[i].name; i++)
		if (strcmp(vmstates[i].name, name) == 0)
			return vmstates[i].v;
	assert_true(i < VMSTATES);
	vmstates[i].name = strdup(name);
	snprintf(cmd, sizeof(cmd), "%s/tests/oracle/vmstate/%s.json.xz", VMC_SOURCE_DIR, name);
	if (!vmc_test_exists(cmd))
		return NULL;
	snprintf(cmd, sizeof(cmd), "xz -dc %s/tests/oracle/vmstate/%s.json.xz", VMC_SOURCE_DIR,
		 name);
	data = (uint8_t *)vmc_test_run(cmd, &st);
	assert_int_equal(st, 0);
	len = strlen((char *)data);
	assert_int_equal(vmc_vmstate_read_buffer(&vmstates[i].v, ctx, data, len), VMC_OK);
	free(data);
	return vmstates[i].v;
}

static json_object *key(json_object *o, const char *k)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}


typedef struct known {
	char **ids;
	size_t n;
	int *seen;
} known;

static void load_known(known *k)
{
	FILE *f = fopen(VMC_SOURCE_DIR "/tests/oracle/known-disagreements.txt", "r");
	char line[2048];

	memset(k, 0, sizeof(*k));
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		k->ids = realloc(k->ids, (k->n + 1) * sizeof(*k->ids));
		k->ids[k->n++] = strdup(line);
	}
	fclose(f);
	k->seen = calloc(k->n + 1, sizeof(int));
}

static int is_known(known *k, const char *id)
{
	size_t i;
	for (i = 0; i < k->n; i++)
		if (strcmp(k->ids[i], id) == 0) {
			k->seen[i] = 1;
			return 1;
		}
	return 0;
}

static void test_oracle__verdicts_match_qemu(void **state)
{
	json_object *m = json_object_from_file(VMC_SOURCE_DIR "/tests/oracle/matrix.json");
	json_object *configs, *cases;
	FILE *rep = fopen(VMC_FIXTURES_RAW_DIR "/../oracle-report.txt", "w");
	size_t total = 0, agree = 0, rejected = 0, named = 0, unexpected = 0, i;
	known k;
	(void)state;

	assert_non_null(m);
	assert_non_null(rep);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	load_known(&k);
	configs = key(m, "configs");
	cases = key(m, "cases");
	json_object_object_foreach(cases, id, c)
	{
		const char *src = json_object_get_string(key(c, "src"));
		const char *dst = json_object_get_string(key(c, "dst"));
		json_object *sc = key(configs, src), *dc = key(configs, dst);
		int accepted = json_object_get_boolean(key(c, "accepted"));
		vmc_check_options o = VMC_CHECK_OPTIONS_INIT;
		vmc_report *r = NULL;
		uint32_t v;
		int ok, cause = 1;

		if (!sc || !dc || json_object_get_boolean(key(sc, "refused")) ||
		    json_object_get_boolean(key(dc, "refused")))
			continue;
		total++;
		o.dst_vmstate = dst_vmstate(json_object_get_string(key(c, "dst_qemu")),
					    json_object_get_string(key(dc, "machine")));
		assert_int_equal(vmc_check_streams(&r, ctx, get(src), get(dst), &o), VMC_OK);
		v = vmc_report_verdict(r);
		ok = accepted ? v == VMC_VERDICT_COMPATIBLE : v == VMC_VERDICT_INCOMPATIBLE;
		if (!accepted) {
			rejected++;
			cause = vmc_test_names_cause(r, key(c, "error_lines"));
			named += cause;
		}
		agree += ok;
		if (!ok || !cause) {
			const char *qe = json_object_array_length(key(c, "error_lines"))
						 ? json_object_get_string(json_object_array_get_idx(
							   key(c, "error_lines"), 0))
						 : "";
			const vmc_finding *f0 = vmc_report_finding(r, 0);
			int listed = is_known(&k, id);

			fprintf(rep, "%s\t%s\tqemu=%s\tvmcompat=%s\tcause=%s\tqemu: %s\tfirst: %s %s\n",
				listed ? "known" : "NEW", id, accepted ? "accepted" : "rejected",
				vmc_verdict_name(v), cause ? "named" : "missing", qe,
				f0 ? vmc_finding_check(f0) : "-", f0 ? vmc_finding_subject(f0) : "");
			unexpected += !listed;
		}
		vmc_report_free(r);
	}
	fprintf(rep, "summary: %zu cases, %zu agree (%.2f%%), %zu rejections, %zu with QEMU's cause named\n",
		total, agree, total ? 100.0 * agree / total : 0.0, rejected, named);
	printf("oracle: %zu cases, %zu agree with QEMU (%.2f%%); %zu rejections, %zu name QEMU's "
	       "cause; report: %s\n",
	       total, agree, total ? 100.0 * agree / total : 0.0, rejected, named,
	       VMC_FIXTURES_RAW_DIR "/../oracle-report.txt");
	for (i = 0; i < k.n; i++)
		if (!k.seen[i]) {
			printf("oracle: listed disagreement now agrees: %s (remove it)\n", k.ids[i]);
			unexpected++;
		}
	fclose(rep);
	for (i = 0; i < k.n; i++)
		free(k.ids[i]);
	free(k.ids);
	free(k.seen);
	for (i = 0; i < CACHE; i++) {
		free(cache[i].id);
		vmc_stream_free(cache[i].s);
	}
	for (i = 0; i < VMSTATES; i++) {
		free(vmstates[i].name);
		vmc_vmstate_free(vmstates[i].v);
	}
	vmc_ctx_free(ctx);
	json_object_put(m);
	assert_true(total > 1500);
	if (unexpected)
		fail_msg("%zu disagreements with QEMU not in known-disagreements.txt (see report)",
			 unexpected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle__verdicts_match_qemu),
	};
	return cmocka_run_group_tests_name("oracle", tests, NULL, NULL);
}
