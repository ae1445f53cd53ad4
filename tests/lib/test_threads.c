/*
 * test_threads.c - the library has no global mutable state: several
 * threads, each with its own context, decode and check real streams at the
 * same time through the public API and get the same answers as one thread.
 * CI also runs this test under ThreadSanitizer (scripts/quickstart.sh).
 */
#include "fixtures.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 4
#define ROUNDS 3

static const char *const names[] = {"i440fx-generic", "i440fx-transitional", "q35-generic",
				    "q35-non-transitional"};

typedef struct job {
	int index;
	int failures;
	uint32_t verdicts[ROUNDS];
	size_t sections[ROUNDS];
} job;

static void *run(void *arg)
{
	job *j = arg;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		char rel[128], *a, *b;
		vmc_ctx *ctx;
		vmc_stream *s = NULL, *d = NULL;
		vmc_report *rep = NULL;

		snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.xz", names[j->index % 4]);
		a = vmc_test_fixture(rel);
		snprintf(rel, sizeof(rel), "qemu-7.2/%s.mig.xz", names[(j->index + 1) % 4]);
		b = vmc_test_fixture(rel);
		if (vmc_ctx_new(&ctx, NULL) != VMC_OK ||
		    vmc_stream_read_path(&s, ctx, a, NULL) != VMC_OK ||
		    vmc_stream_read_path(&d, ctx, b, NULL) != VMC_OK ||
		    vmc_check_streams(&rep, ctx, s, d, NULL) != VMC_OK) {
			j->failures++;
		} else {
			j->verdicts[r] = vmc_report_verdict(rep);
			j->sections[r] = vmc_stream_section_count(s);
		}
		vmc_report_free(rep);
		vmc_stream_free(s);
		vmc_stream_free(d);
		vmc_ctx_free(ctx);
		free(a);
		free(b);
	}
	return NULL;
}

static void test_threads__decode_and_check_concurrently(void **state)
{
	pthread_t t[THREADS];
	job jobs[THREADS], alone;
	int i, r;
	(void)state;

	memset(jobs, 0, sizeof(jobs));
	for (i = 0; i < THREADS; i++) {
		jobs[i].index = i;
		assert_int_equal(pthread_create(&t[i], NULL, run, &jobs[i]), 0);
	}
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (i = 0; i < THREADS; i++) {
		memset(&alone, 0, sizeof(alone));
		alone.index = i;
		run(&alone); /* the same work on one thread */
		assert_int_equal(jobs[i].failures, 0);
		for (r = 0; r < ROUNDS; r++) {
			assert_int_equal(jobs[i].verdicts[r], alone.verdicts[r]);
			assert_int_equal(jobs[i].sections[r], alone.sections[r]);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads__decode_and_check_concurrently),
	};
	return cmocka_run_group_tests_name("threads", tests, NULL, NULL);
}
