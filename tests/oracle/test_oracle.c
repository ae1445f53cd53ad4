/*
 * test_oracle.c - `check` against real QEMU on the committed oracle matrix
 * (tests/oracle/matrix.json: migrations QEMU 5.2/7.2/10.0/11.1 really ran,
 * never-booted and booted guests).
 *
 * Each check gets the destination binary's vmstate table
 * (tests/oracle/vmstate/), as a user passes --destination-vmstate.
 * For every case with both streams: vmcompat's verdict must be QEMU's
 * (compatible <=> accepted), and every rejection must have a refuted
 * finding whose qemu_error QEMU printed.  Cases where vmcompat disagrees
 * today are listed, with vmcompat's verdict and the reason, in
 * tests/oracle/known-disagreements.txt.  The test fails on any disagreement
 * not listed, and on any case QEMU refuses that check calls compatible
 * unless it was listed with that very verdict.  A listed case that now
 * agrees is printed (fatal with VMC_ORACLE_STRICT=1): other branches fix
 * cases in parallel, and BUILD/oracle-known-disagreements.now.txt is the
 * list to copy over.  Agreement per part (never-booted, booted,
 * cross-version, settings) and the count of cases QEMU refuses but check
 * calls compatible are printed and written to BUILD/oracle-report.txt.
 */
#include "fixtures.h"
#include "oracle_tally.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STREAMS VMC_FIXTURES_RAW_DIR "/../oracle-streams"
#define CACHE 48

typedef struct entry {
	char *id;
	vmc_stream *s; /* NULL: vmcompat cannot read it (err says why) */
	char *err;
	unsigned long used;
} entry;

static entry cache[CACHE];
static unsigned long tick;
static vmc_ctx *ctx;

/* The stream of config `id`, or NULL when vmcompat cannot read it; then
 * *err is the reader's message (the case counts as `unknown`: the user
 * gets no verdict). */
static vmc_stream *get(const char *id, const char **err)
{
	char path[1024];
	size_t i, victim = 0;

	for (i = 0; i < CACHE; i++) {
		if (cache[i].id && strcmp(cache[i].id, id) == 0) {
			cache[i].used = ++tick;
			*err = cache[i].err;
			return cache[i].s;
		}
		if (cache[i].used < cache[victim].used)
			victim = i;
	}
	free(cache[victim].id);
	free(cache[victim].err);
	vmc_stream_free(cache[victim].s);
	cache[victim].s = NULL;
	cache[victim].err = NULL;
	snprintf(path, sizeof(path), "%s/%s.mig", STREAMS, id);
	cache[victim].id = strdup(id);
	cache[victim].used = ++tick;
	if (vmc_stream_read_path(&cache[victim].s, ctx, path, NULL) != VMC_OK) {
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s unreadable: %s at %llu", id,
			 vmc_error_last(ctx)->message,
			 (unsigned long long)vmc_error_last(ctx)->offset);
		cache[victim].err = strdup(msg);
		cache[victim].s = NULL;
	}
	*err = cache[victim].err;
	return cache[victim].s;
}

/* The destination binary's vmstate table, tests/oracle/vmstate/, by
 * (QEMU version, machine); NULL when none was recorded. */
#define VMSTATES 64
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


/* First non-warning stderr line of QEMU (its cause), or "". */
static const char *qemu_cause(json_object *lines)
{
	size_t i;

	for (i = 0; i < json_object_array_length(lines); i++) {
		const char *l = json_object_get_string(json_object_array_get_idx(lines, i));
		if (!strstr(l, "warning:"))
			return l;
	}
	return "";
}

static void test_oracle__verdicts_match_qemu(void **state)
{
	json_object *m = json_object_from_file(VMC_SOURCE_DIR "/tests/oracle/matrix.json");
	json_object *configs, *cases;
	FILE *rep = fopen(VMC_FIXTURES_RAW_DIR "/../oracle-report.txt", "w");
	FILE *now = fopen(VMC_FIXTURES_RAW_DIR "/../oracle-known-disagreements.now.txt", "w");
	size_t unexpected = 0, worse = 0, fixed = 0, i;
	const char *strict = getenv("VMC_ORACLE_STRICT");
	vmc_oracle_tally t;
	vmc_oracle_known k;
	(void)state;

	memset(&t, 0, sizeof(t));
	assert_non_null(m);
	assert_non_null(rep);
	assert_non_null(now);
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	vmc_oracle_known_load(&k, VMC_SOURCE_DIR "/tests/oracle/known-disagreements.txt");
	fprintf(now, "# Cases where vmcompat's verdict differs from real QEMU's "
		     "(tests/oracle/test_oracle.c).\n"
		     "# Format: CASE_ID<TAB>vmcompat verdict<TAB>reason.  Written by the test "
		     "(BUILD/oracle-known-disagreements.now.txt).\n");
	configs = key(m, "configs");
	cases = key(m, "cases");
	json_object_object_foreach(cases, id, c)
	{
		const char *src = json_object_get_string(key(c, "src"));
		const char *dst = json_object_get_string(key(c, "dst"));
		json_object *sc = key(configs, src), *dc = key(configs, dst);
		int accepted = json_object_get_boolean(key(c, "accepted"));
		int part = vmc_oracle_part(json_object_get_string(key(c, "group")));
		vmc_check_options o = VMC_CHECK_OPTIONS_INIT;
		vmc_report *r = NULL;
		vmc_stream *ss, *ds;
		const char *serr = NULL, *derr = NULL;
		uint32_t v;
		int ok, cause = 1;

		if (!sc || !dc || json_object_get_boolean(key(sc, "refused")))
			continue;
		if (json_object_get_boolean(key(dc, "refused"))) {
			/* QEMU loaded into it, but crashed saving its own stream */
			if (json_object_get_boolean(key(dc, "save_failed")))
				t.skipped_no_ref++;
			continue;
		}
		o.dst_vmstate = dst_vmstate(json_object_get_string(key(c, "dst_qemu")),
					    json_object_get_string(key(dc, "machine")));
		ss = get(src, &serr);
		ds = get(dst, &derr);
		if (ss && ds) {
			assert_int_equal(vmc_check_streams(&r, ctx, ss, ds, &o), VMC_OK);
			v = vmc_report_verdict(r);
		} else {
			v = VMC_VERDICT_UNKNOWN; /* no verdict for the user at all */
		}
		ok = accepted ? v == VMC_VERDICT_COMPATIBLE : v == VMC_VERDICT_INCOMPATIBLE;
		if (!accepted)
			cause = r && vmc_test_names_cause(r, key(c, "error_lines"));
		vmc_oracle_tally_add(&t, part, accepted, v, ok, cause);
		if (!ok || !cause) {
			const char *qe = qemu_cause(key(c, "error_lines"));
			const vmc_finding *f0 = r ? vmc_report_finding(r, 0) : NULL;
			const char *why = serr ? serr : derr ? derr : "";
			long li = vmc_oracle_known_find(&k, id);
			/* the worst error appearing on a listed case is never excused */
			int worst = !accepted && v == VMC_VERDICT_COMPATIBLE &&
				    (li < 0 || strcmp(k.verdicts[li], "compatible") != 0);

			fprintf(rep, "%s\t%s\t%s\tqemu=%s\tvmcompat=%s\tcause=%s\tqemu: %s\tfirst: %s %s%s\n",
				worst ? "WORST" : li >= 0 ? "known" : "NEW", vmc_oracle_part_names[part],
				id, accepted ? "accepted" : "rejected", vmc_verdict_name(v),
				cause ? "named" : "missing", qe, f0 ? vmc_finding_check(f0) : "-",
				f0 ? vmc_finding_subject(f0) : "", why);
			fprintf(now, "%s\t%s\tQEMU %s%s%s; check: %s%s%s%s%s%s%s\n", id,
				vmc_verdict_name(v), accepted ? "accepts" : "refuses: ",
				accepted ? "" : qe, ok ? " (cause not named)" : "",
				vmc_verdict_name(v), f0 ? ", first finding " : "",
				f0 ? vmc_finding_check(f0) : "", f0 ? " " : "",
				f0 ? vmc_finding_subject(f0) : "", why[0] ? "; " : "", why);
			unexpected += li < 0;
			worse += worst;
		}
		vmc_report_free(r);
	}
	vmc_oracle_tally_print(rep, "check", &t);
	vmc_oracle_tally_print(stdout, "check oracle", &t);
	printf("check oracle: report %s\n", VMC_FIXTURES_RAW_DIR "/../oracle-report.txt");
	for (i = 0; i < k.n; i++)
		if (!k.seen[i]) {
			printf("check oracle: listed disagreement now agrees: %s (remove it from "
			       "known-disagreements.txt)\n",
			       k.ids[i]);
			fixed++;
		}
	if (fixed)
		printf("check oracle: %zu listed disagreements now agree; the current list is "
		       "%s (copy it over tests/oracle/known-disagreements.txt)%s\n",
		       fixed, VMC_FIXTURES_RAW_DIR "/../oracle-known-disagreements.now.txt",
		       strict ? "" : "; set VMC_ORACLE_STRICT=1 to make this fail");
	fclose(rep);
	fclose(now);
	vmc_oracle_known_free(&k);
	for (i = 0; i < CACHE; i++) {
		free(cache[i].id);
		free(cache[i].err);
		vmc_stream_free(cache[i].s);
	}
	for (i = 0; i < VMSTATES; i++) {
		free(vmstates[i].name);
		vmc_vmstate_free(vmstates[i].v);
	}
	vmc_ctx_free(ctx);
	json_object_put(m);
	assert_true(t.total[0] > 1500);
	if (worse)
		fail_msg("%zu cases QEMU refuses are now called compatible (WORST in the report)",
			 worse);
	if (unexpected)
		fail_msg("%zu disagreements with QEMU not in known-disagreements.txt (see report)",
			 unexpected);
	if (fixed && strict)
		fail_msg("%zu listed disagreements now agree (VMC_ORACLE_STRICT)", fixed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle__verdicts_match_qemu),
	};
	return cmocka_run_group_tests_name("oracle", tests, NULL, NULL);
}
