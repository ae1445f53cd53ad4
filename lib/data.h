/*
 * data.h - private: the data files embedded into the library at build time
 * (cmake/embed_data.cmake): the YAML files under rules/ and vmstate/schemas/, so an
 * installed library needs no data path.
 */
#ifndef VMC_LIB_DATA_H
#define VMC_LIB_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct vmc__data_file {
	const char *path;     /* relative to the source tree, e.g. "rules/checks.yaml" */
	const uint8_t *data;  /* len bytes (plus a NUL)                               */
	size_t len;
} vmc__data_file;

/* The embedded files, in path order, ending with a {NULL, NULL, 0} entry. */
extern const vmc__data_file vmc__data_files[];

/* The file at path, or NULL. */
const vmc__data_file *vmc__data_find(const char *path);

#endif
