/*
 * oracle_tally.c - see oracle_tally.h.
 */
#include "oracle_tally.h"

#include <stdlib.h>
#include <string.h>

const char *const vmc_oracle_part_names[VMC_ORACLE_PARTS] = {
	"never-booted", "booted", "cross-version", "settings"};

static int starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

int vmc_oracle_part(const char *group)
{
	if (!group)
		return 0;
	if (starts(group, "booted"))
		return 1;
	if (starts(group, "xver") || strcmp(group, "cross-version") == 0)
		return 2;
	if (starts(group, "sendcfg") || starts(group, "smp") || starts(group, "children") ||
	    starts(group, "rom"))
		return 3;
	return 0;
}

static char *dup_until(const char *s, char stop)
{
	size_t n = 0;
	char *d;

	while (s[n] && s[n] != stop && s[n] != '\n')
		n++;
	d = malloc(n + 1);
	if (!d)
		abort();
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

void vmc_oracle_known_load(vmc_oracle_known *k, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	memset(k, 0, sizeof(*k));
	while (f && fgets(line, sizeof(line), f)) {
		char *tab = strchr(line, '\t');
		if (line[0] == '#' || !tab)
			continue;
		k->ids = realloc(k->ids, (k->n + 1) * sizeof(*k->ids));
		k->verdicts = realloc(k->verdicts, (k->n + 1) * sizeof(*k->verdicts));
		if (!k->ids || !k->verdicts)
			abort();
		k->ids[k->n] = dup_until(line, '\t');
		k->verdicts[k->n] = dup_until(tab + 1, '\t');
		k->n++;
	}
	if (f)
		fclose(f);
	k->seen = calloc(k->n + 1, sizeof(int));
	if (!k->seen)
		abort();
}

long vmc_oracle_known_find(vmc_oracle_known *k, const char *id)
{
	size_t i;

	for (i = 0; i < k->n; i++)
		if (strcmp(k->ids[i], id) == 0) {
			k->seen[i] = 1;
			return (long)i;
		}
	return -1;
}

void vmc_oracle_known_free(vmc_oracle_known *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		free(k->ids[i]);
		free(k->verdicts[i]);
	}
	free(k->ids);
	free(k->verdicts);
	free(k->seen);
	memset(k, 0, sizeof(*k));
}

void vmc_oracle_tally_add(vmc_oracle_tally *t, int part, int accepted, uint32_t verdict,
			  int agree, int cause_named)
{
	t->total[part]++;
	t->agree[part] += agree != 0;
	if (!accepted) {
		t->rejected[part]++;
		t->named[part] += cause_named != 0;
		t->wrong_compatible[part] += verdict == VMC_VERDICT_COMPATIBLE;
	} else {
		t->wrong_incompatible[part] += verdict == VMC_VERDICT_INCOMPATIBLE;
	}
	t->unknown[part] += verdict == VMC_VERDICT_UNKNOWN;
}

static void line(FILE *f, const char *what, const char *part, size_t n, size_t a, size_t r,
		 size_t c, size_t wc, size_t wi, size_t u)
{
	fprintf(f,
		"%s %-13s %5zu cases, %5zu agree (%6.2f%%); %5zu rejections, %5zu name QEMU's "
		"cause; %4zu REFUSED BY QEMU BUT CALLED COMPATIBLE; %4zu accepted but called "
		"incompatible; %5zu unknown\n",
		what, part, n, a, n ? 100.0 * (double)a / (double)n : 100.0, r, c, wc, wi, u);
}

void vmc_oracle_tally_print(FILE *f, const char *what, const vmc_oracle_tally *t)
{
	size_t s[7] = {0}, i;

	for (i = 0; i < VMC_ORACLE_PARTS; i++) {
		if (t->total[i])
			line(f, what, vmc_oracle_part_names[i], t->total[i], t->agree[i],
			     t->rejected[i], t->named[i], t->wrong_compatible[i],
			     t->wrong_incompatible[i], t->unknown[i]);
		s[0] += t->total[i];
		s[1] += t->agree[i];
		s[2] += t->rejected[i];
		s[3] += t->named[i];
		s[4] += t->wrong_compatible[i];
		s[5] += t->wrong_incompatible[i];
		s[6] += t->unknown[i];
	}
	line(f, what, "all", s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
	if (t->skipped_no_ref)
		fprintf(f, "%s: %zu cases not checked: the destination QEMU crashed saving its own "
			   "reference stream (no DST_REF)\n",
			what, t->skipped_no_ref);
}
