/*
 * oracle_tally.h - shared bookkeeping of the two oracle tests
 * (tests/oracle/test_oracle.c for check, test_prove_oracle.c for prove):
 * the known-disagreements lists, agreement per part of the matrix, and the
 * count of the worst error (QEMU refused, vmcompat said compatible).
 */
#ifndef VMC_TEST_ORACLE_TALLY_H
#define VMC_TEST_ORACLE_TALLY_H

#include <stddef.h>
#include <stdio.h>

#include <stdint.h>

#include "vmcompat.h"

/* The parts of tests/oracle/matrix.json reported separately (the case
 * "group" decides; see tests/oracle/plans.py PART_OF_GROUP). */
enum { VMC_ORACLE_PARTS = 4 };
extern const char *const vmc_oracle_part_names[VMC_ORACLE_PARTS];
int vmc_oracle_part(const char *group);

/* A known-disagreements file: lines "CASE_ID<TAB>VERDICT<TAB>reason", where
 * VERDICT is vmcompat's verdict when the line was written ('#' = comment). */
typedef struct vmc_oracle_known {
	char **ids;
	char **verdicts;
	size_t n;
	int *seen;
} vmc_oracle_known;

void vmc_oracle_known_load(vmc_oracle_known *k, const char *path);
/* Index of id in the list (marks it seen), or -1. */
long vmc_oracle_known_find(vmc_oracle_known *k, const char *id);
void vmc_oracle_known_free(vmc_oracle_known *k);

typedef struct vmc_oracle_tally {
	size_t total[VMC_ORACLE_PARTS], agree[VMC_ORACLE_PARTS];
	size_t rejected[VMC_ORACLE_PARTS], named[VMC_ORACLE_PARTS];
	/* QEMU refused, vmcompat said compatible: the worst answer */
	size_t wrong_compatible[VMC_ORACLE_PARTS];
	/* QEMU accepted, vmcompat said incompatible / unknown */
	size_t wrong_incompatible[VMC_ORACLE_PARTS], unknown[VMC_ORACLE_PARTS];
	size_t skipped_no_ref;
} vmc_oracle_tally;

void vmc_oracle_tally_add(vmc_oracle_tally *t, int part, int accepted, uint32_t verdict,
			  int agree, int cause_named);
/* "<what> <part>: N cases, A agree (P%); R rejections, C name QEMU's cause;
 * W refused by QEMU but called compatible; U unknown" per part that has
 * cases, then the total. */
void vmc_oracle_tally_print(FILE *f, const char *what, const vmc_oracle_tally *t);

#endif
