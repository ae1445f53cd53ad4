/*
 * data.c - look up the data files embedded at build time (lib/data.h).
 */
#include "data.h"

#include <string.h>

const vmc__data_file *vmc__data_find(const char *path)
{
	const vmc__data_file *f;

	for (f = vmc__data_files; f->path; f++)
		if (strcmp(f->path, path) == 0)
			return f;
	return NULL;
}
