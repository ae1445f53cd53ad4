/*
 * test_prove_oracle.c - `prove` against real QEMU: every case of the oracle
 * matrix (tests/oracle/matrix.json) decided from the two configurations
 * alone (their QEMU command lines), with the bundled profile of each side's
 * QEMU, must give QEMU's verdict; every rejection should name QEMU's cause.
 * Cases where prove disagrees today are listed with the reason in
 * tests/oracle/known-prove-disagreements.txt; the test fails on any other
 * disagreement and on a listed case that agrees again.
 */
#include "fixtures.h"

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
static char *join(json_object *argv)
{
	size_t i, cap = 16, n = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[0] = '\0';
	for (i = 0; i < json_object_array_length(argv); i++) {
		const char *a = json_object_get_string(json_object_array_get_idx(argv, i));
		size_t need = strlen(a) * 4 + 4, k;
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

static vmc_config *config_of(vmc_ctx *ctx, json_object *c, const char *id)
{
	char *text = join(key(c, "argv"));
	vmc_config *cfg = NULL;

	if (vmc_config_parse(&cfg, ctx, text, strlen(text), id) != VMC_OK)
		fail_msg("%s: %s", id, vmc_error_last(ctx)->message);
	free(text);
	return cfg;
}


static void test_prove_oracle__verdicts_match_qemu(void **state)
{
	json_object *m = json_object_from_file(VMC_SOURCE_DIR "/tests/oracle/matrix.json");
	FILE *known = fopen(VMC_SOURCE_DIR "/tests/oracle/known-prove-disagreements.txt", "r");
	FILE *rep = fopen(VMC_FIXTURES_RAW_DIR "/../prove-oracle-report.txt", "w");
	char **kids = NULL, line[2048];
	int *seen;
	size_t nk = 0, total = 0, agree = 0, rejected = 0, named = 0, unexpected = 0, i;
	json_object *configs, *cases;
	vmc_ctx *ctx;
	(void)state;

	assert_non_null(m);
	assert_non_null(rep);
	while (known && fgets(line, sizeof(line), known)) {
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		*tab = '\0';
		kids = realloc(kids, (nk + 1) * sizeof(*kids));
		kids[nk++] = strdup(line);
	}
	if (known)
		fclose(known);
	seen = calloc(nk + 1, sizeof(int));
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
		vmc_config *a, *b;
		vmc_report *r = NULL;
		uint32_t v;
		int ok, cause = 1, listed = 0, rc;

		if (!sc || !dc || json_object_get_boolean(key(sc, "refused")) ||
		    json_object_get_boolean(key(dc, "refused")))
			continue;
		total++;
		a = config_of(ctx, sc, src);
		b = config_of(ctx, dc, dst);
		o.source_qemu = json_object_get_string(key(c, "src_qemu"));
		o.target_qemu = json_object_get_string(key(c, "dst_qemu"));
		rc = vmc_prove(&r, ctx, a, b, &o);
		if (rc != VMC_OK)
			fail_msg("%s: %s (%s)", id, vmc_error_last(ctx)->message,
				 vmc_error_last(ctx)->path);
		v = vmc_report_verdict(r);
		ok = accepted ? v == VMC_VERDICT_COMPATIBLE : v == VMC_VERDICT_INCOMPATIBLE;
		if (!accepted) {
			rejected++;
			cause = vmc_test_names_cause(r, key(c, "error_lines"));
			named += cause;
		}
		agree += ok;
		for (i = 0; i < nk; i++)
			if (strcmp(kids[i], id) == 0)
				listed = 1, seen[i] = 1;
		if (!ok) {
			const vmc_finding *f0 = vmc_report_finding(r, 0);
			json_object *lines = key(c, "error_lines");
			fprintf(rep, "%s\t%s\tqemu=%s\tprove=%s\tqemu: %s\tfirst: %s %s\n",
				listed ? "known" : "NEW", id, accepted ? "accepted" : "rejected",
				vmc_verdict_name(v),
				json_object_array_length(lines)
					? json_object_get_string(json_object_array_get_idx(lines, 0))
					: "",
				f0 ? vmc_finding_check(f0) : "-", f0 ? vmc_finding_subject(f0) : "");
			unexpected += !listed;
		} else if (!cause) {
			fprintf(rep, "cause\t%s\tqemu: %s\n", id,
				json_object_get_string(
					json_object_array_get_idx(key(c, "error_lines"), 0)));
		}
		vmc_report_free(r);
		vmc_config_free(a);
		vmc_config_free(b);
	}
	fprintf(rep, "summary: %zu cases, %zu agree (%.2f%%), %zu rejections, %zu name QEMU's cause\n",
		total, agree, total ? 100.0 * agree / total : 0.0, rejected, named);
	printf("prove oracle: %zu cases, %zu agree with QEMU (%.2f%%); %zu rejections, %zu name "
	       "QEMU's cause\n",
	       total, agree, total ? 100.0 * agree / total : 0.0, rejected, named);
	for (i = 0; i < nk; i++) {
		if (!seen[i]) {
			printf("prove oracle: listed disagreement now agrees: %s (remove it)\n",
			       kids[i]);
			unexpected++;
		}
		free(kids[i]);
	}
	free(kids);
	free(seen);
	fclose(rep);
	vmc_ctx_free(ctx);
	json_object_put(m);
	assert_true(total > 1500);
	if (unexpected)
		fail_msg("%zu disagreements not in known-prove-disagreements.txt", unexpected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prove_oracle__verdicts_match_qemu),
	};
	return cmocka_run_group_tests_name("prove_oracle", tests, NULL, NULL);
}
