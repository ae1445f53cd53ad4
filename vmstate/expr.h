/*
 * expr.h - private: the schema expression language (docs/schema-language.md
 * §7): parsed once when a schema file is loaded, evaluated by the schema
 * engine over already decoded vmc_field nodes.
 *
 * Values are uint64_t; comparisons and logic give 0/1.  A path names a
 * decoded node; the engine supplies the lookup of a path's first name
 * (scoped: the current vmsd, then the enclosing ones), the evaluator walks
 * the rest ('.' child by name, '[i]' child by index).
 */
#ifndef VMC_VMSTATE_EXPR_H
#define VMC_VMSTATE_EXPR_H

#include "../lib/ctx.h"
#include "../parsers/yaml.h"
#include "model.h"

typedef struct vmc__expr vmc__expr;

/*
 * Parse text (from YAML node where, used for the FILE:LINE of errors) into
 * an expression tree in arena.  VMC_ESCHEMA on a syntax error or an unknown
 * builtin; VMC_ENOMEM.
 */
int vmc__expr_parse(const vmc__expr **out, vmc__arena *arena, const char *text,
		    const vmc__ynode *where);

/* The engine's side of an evaluation. */
typedef struct vmc__expr_env {
	vmc_ctx *ctx;
	/* The decoded node called name in scope, or NULL. */
	const vmc_field *(*lookup)(void *payload, const char *name);
	void *payload;
	uint64_t offset;  /* stream offset for errors              */
	const char *path; /* model path for errors                 */
} vmc__expr_env;

/*
 * Evaluate e.  VMC_EMALFORMED (at env->offset/path) when a path names no
 * decoded node or a non-integer, on division by zero, or when a builtin's
 * argument is not what it needs.
 */
int vmc__expr_eval(uint64_t *out, const vmc__expr *e, const vmc__expr_env *env);

/* The source text of e (for messages). */
const char *vmc__expr_text(const vmc__expr *e);

/* PCI capability list helpers over config bytes (also used by the engine's
 * pci_config handler): offset of the first capability with id, or 0. */
size_t vmc__pci_find_cap(const uint8_t *cfg, size_t len, uint8_t id);

#endif
