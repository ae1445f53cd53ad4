/*
 * yaml.h - private: YAML data files (schemas, rules, profiles) loaded with
 * libyaml into a small immutable tree that remembers line numbers, plus
 * the validation helpers every data loader uses.
 *
 * Errors are VMC_ESCHEMA with path "FILE:LINE" (or "FILE:LINE:key") and a
 * message "expected ..., found ...".  Data files are validated on load:
 * an unknown key is an error (vmc__yaml_check_keys).
 */
#ifndef VMC_PARSERS_YAML_H
#define VMC_PARSERS_YAML_H

#include "../lib/ctx.h"

#define VMC_YAML_SCALAR 0u
#define VMC_YAML_SEQ 1u
#define VMC_YAML_MAP 2u

typedef struct vmc__ynode vmc__ynode;
struct vmc__ynode {
	uint32_t kind;              /* VMC_YAML_*                         */
	uint32_t line;              /* 1-based line in the file           */
	const char *file;           /* name for messages (arena)          */
	const char *scalar;         /* SCALAR: NUL-terminated text        */
	size_t len;                 /* SCALAR: bytes; SEQ/MAP: entries    */
	const vmc__ynode **items;   /* SEQ: len items; MAP: len values    */
	const char **keys;          /* MAP: len keys                      */
	int quoted;                 /* SCALAR: was quoted in the file     */
};

/*
 * Parse one YAML document from memory.  name is used in messages.  Nodes
 * are allocated from arena and live as long as it.  Anchors/aliases are
 * resolved by libyaml; nesting deeper than ctx->limits.max_json_depth is
 * VMC_ELIMIT.
 */
int vmc__yaml_parse(const vmc__ynode **out, vmc__arena *arena, const char *name,
		    const uint8_t *data, size_t len);
/* Read and parse a file (bounded by max_vmdesc_size bytes). */
int vmc__yaml_load_file(const vmc__ynode **out, vmc__arena *arena, const char *path);

/* MAP lookup: the value for key, or NULL. */
const vmc__ynode *vmc__yaml_get(const vmc__ynode *map, const char *key);

/* Validation: each records VMC_ESCHEMA with the node's file:line. */
int vmc__yaml_expect(vmc_ctx *ctx, const vmc__ynode *n, uint32_t kind, const char *what);
/* Every key of map must be in allowed (NULL-terminated). */
int vmc__yaml_check_keys(vmc_ctx *ctx, const vmc__ynode *map, const char *const *allowed);
/* Required (or optional: returns 0 and leaves *out when absent) values. */
int vmc__yaml_str(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		  const char **out);
int vmc__yaml_u64(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		  uint64_t *out);
int vmc__yaml_bool(vmc_ctx *ctx, const vmc__ynode *map, const char *key, int required,
		   int *out);
/* A scalar as an unsigned integer (decimal, 0x hex, 0b binary). */
int vmc__yaml_scalar_u64(vmc_ctx *ctx, const vmc__ynode *n, uint64_t *out);
/* Record an ESCHEMA error at a node. */
int vmc__yaml_fail(vmc_ctx *ctx, const vmc__ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
