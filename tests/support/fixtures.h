/* Test support: fixture paths and small helpers shared by the test files. */
#ifndef VMC_TEST_FIXTURES_H
#define VMC_TEST_FIXTURES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmcompat.h"

/* Path of a committed fixture (fixtures/<rel>) in a static buffer-free way:
 * the result is malloc'd; free it. */
char *vmc_test_fixture(const char *rel);
/* Path of the raw (decompressed) copy of fixtures/<rel>.xz; malloc'd. */
char *vmc_test_fixture_raw(const char *rel);
/* The bytes of the raw (decompressed) copy of fixtures/<rel>.xz, made on
 * first use; malloc'd. */
uint8_t *vmc_test_load_raw(const char *rel, size_t *len);
/* 1 if a refuted finding of r carries a QEMU message that appears in one of
 * QEMU's error lines (a JSON array of strings: the oracle matrix). */
struct json_object;
int vmc_test_names_cause(const vmc_report *r, struct json_object *lines);
/* 1 if the file exists. */
int vmc_test_exists(const char *path);
/* Read a whole (small) file; malloc'd, *len set.  Fails the test on error. */
uint8_t *vmc_test_slurp(const char *path, size_t *len);
/* Run a shell command, capture stdout (malloc'd) and the exit status. */
char *vmc_test_run(const char *cmd, int *status);


/* A counting allocator for out-of-memory tests: allocation number fail_at
 * (0-based, counted in count) fails, and with sticky every later one too;
 * fail_at < 0 never fails.  live counts blocks not yet freed. */
typedef struct vmc_test_alloc {
	long fail_at;
	int sticky;
	long count;
	long live;
} vmc_test_alloc;
vmc_allocator vmc_test_allocator(vmc_test_alloc *state);

#endif
