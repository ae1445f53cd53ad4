/*
 * test_prove_oracle.c - `prove` against real QEMU: every case of the oracle
 * matrix (tests/oracle/matrix.json) decided from the two configurations
 * alone (their QEMU command lines), with the bundled profile of each side's
 * QEMU, must give QEMU's verdict; every rejection should name QEMU's cause.
 * Cases where prove disagrees today are listed with prove's verdict and the
 * reason in tests/oracle/known-prove-disagreements.txt; the test fails on
 * any other disagreement and on a case QEMU refuses that prove calls
 * compatible unless listed with that verdict.  A listed case that agrees
 * again is printed (fatal with VMC_ORACLE_STRICT=1); the current list is
 * written to BUILD/prove-known-disagreements.now.txt.  Agreement is
 * printed per part of the matrix (see tests/support/oracle_tally.h).
 */
#include "fixtures.h"
#include "oracle_tally.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_object *key(json_object *o, const char *k)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, k, &v);
	return v;
}

/* argv -> one shell-quoted string (single quotes). */
/* Options of a booted command line that `prove --no-com1` leaves out: COM1
 * (an ISA serial and its chardev ser0) and the kernel to boot. */
static int com1_option(json_object *argv, size_t i)
{
	const char *a = json_object_get_string(json_object_array_get_idx(argv, i));
	const char *v = i + 1 < json_object_array_length(argv)
				? json_object_get_string(json_object_array_get_idx(argv, i + 1))
				: "";

	return strcmp(a, "-serial") == 0 || strcmp(a, "-kernel") == 0 ||
	       strcmp(a, "-initrd") == 0 || strcmp(a, "-append") == 0 ||
	       (strcmp(a, "-chardev") == 0 && strstr(v, "id=ser0"));
}

static char *join(json_object *argv, int no_com1)
{
	size_t i, cap = 16, n = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[0] = '\0';
	for (i = 0; i < json_object_array_length(argv); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(argv, i));
		size_t need = strlen(a) * 4 + 4, k;
		if (no_com1 && com1_option(argv, i)) {
			i++;
			continue;
		}
		if (n + need + 1 > cap) {
			cap = (n + need + 1) * 2;
			s = realloc(s, cap);
			assert_non_null(s);
		}
		s[n++] = '\'';
		for (k = 0; a[k]; k++) {
			if (a[k] == '\'') {
				memcpy(s + n, "'\\''", 4);
				n += 4;
			} else {
				s[n++] = a[k];
			}
		}
		s[n++] = '\'';
		s[n++] = ' ';
		s[n] = '\0';
	}
	return s;
}

static vmc_config *config_of(vmc_ctx *ctx, json_object *c, const char *id, int no_com1)
{
	char *text = join(key(c, "argv"), no_com1);
	vmc_config *cfg = NULL;

	if (vmc_config_parse(&cfg, ctx, text, strlen(text), id) != VMC_OK)
		fail_msg("%s: %s", id, vmc_error_last(ctx)->message);
	free(text);
	return cfg;
}


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

static void test_prove_oracle__verdicts_match_qemu(void **state)
{
	json_object *m = json_object_from_file(VMC_SOURCE_DIR "/tests/oracle/matrix.json");
	FILE *rep = fopen(VMC_FIXTURES_RAW_DIR "/../prove-oracle-report.txt", "w");
	FILE *now = fopen(VMC_FIXTURES_RAW_DIR "/../prove-known-disagreements.now.txt", "w");
	size_t unexpected = 0, worse = 0, fixed = 0, i;
	const char *strict = getenv("VMC_ORACLE_STRICT");
	json_object *configs, *cases;
	vmc_oracle_tally t, nocom1;
	vmc_oracle_known k;
	vmc_ctx *ctx;
	(void)state;

	memset(&t, 0, sizeof(t));
	memset(&nocom1, 0, sizeof(nocom1));
	assert_non_null(m);
	assert_non_null(rep);
	assert_non_null(now);
	vmc_oracle_known_load(&k, VMC_SOURCE_DIR "/tests/oracle/known-prove-disagreements.txt");
	fprintf(now, "# Cases where `prove` (from the two configurations alone) disagrees with "
		     "real QEMU\n# (tests/oracle/test_prove_oracle.c).  Format: CASE_ID<TAB>prove "
		     "verdict<TAB>reason.\n# Written by the test "
		     "(BUILD/prove-known-disagreements.now.txt).\n");
	assert_int_equal(vmc_ctx_new(&ctx, NULL), VMC_OK);
	configs = key(m, "configs");
	cases = key(m, "cases");
	json_object_object_foreach(cases, id, c)
	{
		const char *src = json_object_get_string(key(c, "src"));
		const char *dst = json_object_get_string(key(c, "dst"));
		json_object *sc = key(configs, src), *dc = key(configs, dst);
		vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
		int accepted = json_object_get_boolean(key(c, "accepted"));
		int part = vmc_oracle_part(json_object_get_string(key(c, "group")));
		vmc_config *a, *b;
		vmc_report *r = NULL;
		uint32_t v;
		int ok, cause = 1, rc;

		/* prove needs no stream: a destination whose own save crashed
		 * (save_failed) is still a destination QEMU loaded into */
		if (!sc || !dc || json_object_get_boolean(key(sc, "refused")) ||
		    (json_object_get_boolean(key(dc, "refused")) &&
		     !json_object_get_boolean(key(dc, "save_failed"))))
			continue;
		a = config_of(ctx, sc, src, 0);
		b = config_of(ctx, dc, dst, 0);
		o.source_qemu = json_object_get_string(key(c, "src_qemu"));
		o.target_qemu = json_object_get_string(key(c, "dst_qemu"));
		rc = vmc_prove(&r, ctx, a, b, &o);
		if (rc != VMC_OK)
			fail_msg("%s: %s (%s)", id, vmc_error_last(ctx)->message,
				 vmc_error_last(ctx)->path);
		v = vmc_report_verdict(r);
		ok = accepted ? v == VMC_VERDICT_COMPATIBLE : v == VMC_VERDICT_INCOMPATIBLE;
		if (!accepted)
			cause = vmc_test_names_cause(r, key(c, "error_lines"));
		vmc_oracle_tally_add(&t, part, accepted, v, ok, cause);
		if (!ok) {
			const vmc_finding *f0 = vmc_report_finding(r, 0);
			const char *qe = qemu_cause(key(c, "error_lines"));
			long li = vmc_oracle_known_find(&k, id);
			int worst = !accepted && v == VMC_VERDICT_COMPATIBLE &&
				    (li < 0 || strcmp(k.verdicts[li], "compatible") != 0);

			fprintf(rep, "%s\t%s\t%s\tqemu=%s\tprove=%s\tqemu: %s\tfirst: %s %s\n",
				worst ? "WORST" : li >= 0 ? "known" : "NEW", vmc_oracle_part_names[part],
				id, accepted ? "accepted" : "rejected", vmc_verdict_name(v), qe,
				f0 ? vmc_finding_check(f0) : "-", f0 ? vmc_finding_subject(f0) : "");
			fprintf(now, "%s\t%s\tQEMU %s%s; prove: %s%s%s%s%s\n", id, vmc_verdict_name(v),
				accepted ? "accepts" : "refuses: ", accepted ? "" : qe,
				vmc_verdict_name(v), f0 ? ", first finding " : "",
				f0 ? vmc_finding_check(f0) : "", f0 ? " " : "",
				f0 ? vmc_finding_subject(f0) : "");
			unexpected += li < 0;
			worse += worst;
		} else if (!cause) {
			fprintf(rep, "cause\t%s\t%s\tqemu: %s\n", vmc_oracle_part_names[part], id,
				qemu_cause(key(c, "error_lines")));
		}
		vmc_report_free(r);
		vmc_config_free(a);
		vmc_config_free(b);
		if (part == 1) {
			/* Informational, not gated: the booted command lines have
			 * COM1 (-serial), which prove does not model, so every
			 * booted case is `unknown` for that reason first.  Without
			 * COM1 on both sides the answer shows what prove says
			 * about the negotiated features themselves. */
			a = config_of(ctx, sc, src, 1);
			b = config_of(ctx, dc, dst, 1);
			if (vmc_prove(&r, ctx, a, b, &o) != VMC_OK)
				fail_msg("%s (no COM1): %s", id, vmc_error_last(ctx)->message);
			v = vmc_report_verdict(r);
			ok = accepted ? v == VMC_VERDICT_COMPATIBLE : v == VMC_VERDICT_INCOMPATIBLE;
			vmc_oracle_tally_add(&nocom1, 1, accepted, v, ok,
					     !accepted && vmc_test_names_cause(r, key(c, "error_lines")));
			if (!accepted && v == VMC_VERDICT_COMPATIBLE)
				fprintf(rep, "worst-without-COM1\tbooted\t%s\tqemu: %s\n", id,
					qemu_cause(key(c, "error_lines")));
			vmc_report_free(r);
			vmc_config_free(a);
			vmc_config_free(b);
		}
	}
	vmc_oracle_tally_print(rep, "prove", &t);
	vmc_oracle_tally_print(stdout, "prove oracle", &t);
	printf("prove oracle, booted cases with COM1 (-serial) left out of both command lines "
	       "(informational):\n");
	fprintf(rep, "booted cases with COM1 left out (informational):\n");
	vmc_oracle_tally_print(stdout, "prove oracle no-COM1", &nocom1);
	vmc_oracle_tally_print(rep, "prove no-COM1", &nocom1);
	for (i = 0; i < k.n; i++)
		if (!k.seen[i]) {
			printf("prove oracle: listed disagreement now agrees: %s (remove it from "
			       "known-prove-disagreements.txt)\n",
			       k.ids[i]);
			fixed++;
		}
	if (fixed)
		printf("prove oracle: %zu listed disagreements now agree; the current list is %s "
		       "(copy it over tests/oracle/known-prove-disagreements.txt)%s\n",
		       fixed, VMC_FIXTURES_RAW_DIR "/../prove-known-disagreements.now.txt",
		       strict ? "" : "; set VMC_ORACLE_STRICT=1 to make this fail");
	vmc_oracle_known_free(&k);
	fclose(rep);
	fclose(now);
	vmc_ctx_free(ctx);
	json_object_put(m);
	assert_true(t.total[0] > 1500);
	if (worse)
		fail_msg("%zu cases QEMU refuses are now called compatible by prove (WORST in "
			 "the report)",
			 worse);
	if (unexpected)
		fail_msg("%zu disagreements not in known-prove-disagreements.txt", unexpected);
	if (fixed && strict)
		fail_msg("%zu listed disagreements now agree (VMC_ORACLE_STRICT)", fixed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prove_oracle__verdicts_match_qemu),
	};
	return cmocka_run_group_tests_name("prove_oracle", tests, NULL, NULL);
}
