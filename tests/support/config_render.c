/* Test support: a parsed configuration as text, one fact per line, so that
 * the command-line and domain-XML tests compare against one rendering. */
#define _POSIX_C_SOURCE 200809L
#include "config_render.h"

#include <stdio.h>

char *vmc_test_render_config(const vmc__config *cfg)
{
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fprintf(f, "machine=%s accel=%s ram=%llu smp=%u flags=%u\n",
		cfg->machine ? cfg->machine : "-", cfg->accel ? cfg->accel : "-",
		(unsigned long long)cfg->ram_bytes, cfg->smp_cpus, cfg->flags);
	for (i = 0; i < cfg->nmachine_props; i++)
		fprintf(f, "machine %s=%s\n", cfg->machine_props[i].key, cfg->machine_props[i].value);
	for (i = 0; i < cfg->nglobals; i++)
		fprintf(f, "global %s=%s\n", cfg->globals[i].key, cfg->globals[i].value);
	for (i = 0; i < cfg->nbackends; i++) {
		const vmc__cfg_backend *b = &cfg->backends[i];

		fprintf(f, "-%s %s,id=%s", b->kind, b->type ? b->type : "-", b->id);
		for (j = 0; j < b->nprops; j++)
			fprintf(f, ",%s=%s", b->props[j].key, b->props[j].value);
		fprintf(f, "\n");
	}
	for (i = 0; i < cfg->ndevices; i++) {
		const vmc__cfg_device *d = &cfg->devices[i];

		fprintf(f, "-device %s", d->driver);
		if (d->id)
			fprintf(f, ",id=%s", d->id);
		for (j = 0; j < d->nprops; j++)
			fprintf(f, ",%s=%s", d->props[j].key, d->props[j].value);
		fprintf(f, " [%s]\n", d->origin);
	}
	for (i = 0; i < cfg->nignored; i++)
		fprintf(f, "ignored %s\n", cfg->ignored[i]);
	for (i = 0; i < cfg->nunmapped; i++)
		fprintf(f, "unmapped %s\n", cfg->unmapped[i]);
	fclose(f);
	return buf;
}
