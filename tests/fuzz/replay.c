/*
 * replay.c - main() for a fuzz target built without libFuzzer: each
 * argument is a file, or a directory whose regular files are fed one by
 * one (sorted by name) to LLVMFuzzerTestOneInput.  ctest runs every target
 * this way on tests/data/fuzz-regressions/<target>/ in the normal (gcc,
 * and ASan/UBSan) builds, so a fixed finding stays fixed without clang.
 * A crash is the failure; a missing directory is an empty one.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;
	struct timespec t0, t1;
	double secs;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f)
			fclose(f);
		return 1;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("replay: %s (%ld bytes) %.3fs\n", path, n, secs);
	free(buf);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, i;
	int bad = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char **grown;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		grown = realloc(names, (n + 1) * sizeof(*names));
		len = strlen(dir) + strlen(e->d_name) + 2;
		if (!grown || !(grown[n] = malloc(len))) {
			free(grown ? grown : names);
			closedir(d);
			return 1;
		}
		names = grown;
		snprintf(names[n], len, "%s/%s", dir, e->d_name);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
			bad |= run_file(names[i]);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			printf("replay: %s: none\n", argv[i]); /* no findings yet */
		} else if (S_ISDIR(st.st_mode)) {
			bad |= run_dir(argv[i], &count);
		} else {
			bad |= run_file(argv[i]);
			count++;
		}
	}
	printf("replay: %zu inputs\n", count);
	return bad;
}
