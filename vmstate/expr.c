/*
 * expr.c - the schema expression language (docs/schema-language.md §7).
 *
 * Stage: schema load (parse) and vmstate decode (evaluate).  Inputs: the
 * text of a `size`, `count`, `exists_if` or `verify` value; output: a tree
 * in the schema's arena, evaluated over decoded vmc_field nodes.
 *
 * A recursive-descent parser with C precedence.  Paths are
 * NAME ('.' NAME | '[' expr ']')*; a NAME is [A-Za-z_][A-Za-z0-9_]* or a
 * backquoted `any/text` (for subsection names such as
 * `virtio/packed_virtqueues`).  Builtins are one table; PCI capability
 * walking lives here because builtins and the pci_config handler share it.
 *
 * Invariants: parsing never recurses deeper than EXPR_MAX_DEPTH; evaluation
 * of a parsed tree has the same depth.  Arithmetic is uint64_t with
 * wrap-around except division/modulo by zero, which is an error.  Shifts
 * of 64 or more give 0.
 *
 * Non-goals: strings, floating point, assignments.
 */
#include "expr.h"

#include <string.h>

#define EXPR_MAX_DEPTH 64

#define E_NUM 0
#define E_PATH 1
#define E_UNARY 2
#define E_BINARY 3
#define E_COND 4
#define E_CALL 5

/* Binary operator codes (two-character operators get letters). */
#define OP_LOR 'o'
#define OP_LAND 'a'
#define OP_EQ 'e'
#define OP_NE 'n'
#define OP_LE 'l'
#define OP_GE 'g'
#define OP_SHL 'L'
#define OP_SHR 'R'

typedef struct seg {
	const char *name;       /* child name, or NULL for an index    */
	const vmc__expr *index; /* index expression                    */
} seg;

struct vmc__expr {
	int kind;
	int op;                 /* E_UNARY/E_BINARY operator           */
	uint64_t num;           /* E_NUM                               */
	const seg *segs;        /* E_PATH                              */
	size_t nsegs;
	int builtin;            /* E_CALL: index into builtins[]       */
	const vmc__expr *a, *b, *c;
	const char *text;       /* root only: the source text          */
};

/* Builtins take one path argument. */
#define B_HAS 0
#define B_LEN 1
#define B_PCI_EXPRESS 2
#define B_MSIX_VECTORS 3
#define B_MSIX_PRESENT 4
static const char *const builtins[] = {"has", "len", "pci_express", "msix_vectors",
				       "msix_present"};

typedef struct parser {
	vmc_ctx *ctx;
	vmc__arena *arena;
	const vmc__ynode *where;
	const char *text;
	const char *p;
	unsigned depth;
} parser;

static int perr(parser *ps, const char *what)
{
	return vmc__yaml_fail(ps->ctx, ps->where,
			      "expected %s at column %u of expression '%s', found '%.12s'", what,
			      (unsigned)(ps->p - ps->text) + 1, ps->text,
			      *ps->p ? ps->p : "end of expression");
}

static void skip_ws(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static int accept(parser *ps, const char *tok)
{
	size_t n = strlen(tok);

	skip_ws(ps);
	if (strncmp(ps->p, tok, n) != 0)
		return 0;
	/* "<" must not match "<<" or "<=", "&" not "&&", "|" not "||", ... */
	if (n == 1 && ps->p[1] != '\0' && strchr("<>&|=", tok[0]) &&
	    (ps->p[1] == tok[0] || ps->p[1] == '='))
		return 0;
	if (n == 1 && tok[0] == '!' && ps->p[1] == '=')
		return 0;
	ps->p += n;
	return 1;
}

static vmc__expr *node(parser *ps, int kind)
{
	vmc__expr *e = vmc__arena_alloc(ps->arena, sizeof(*e));

	if (e)
		e->kind = kind;
	return e;
}

static int is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '`';
}

static int is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* A NAME at ps->p into *out (arena). */
static int parse_name(parser *ps, const char **out)
{
	const char *s = ps->p;
	size_t n;

	if (*s == '`') {
		const char *end = strchr(s + 1, '`');

		if (!end || end == s + 1)
			return perr(ps, "a closing backquote");
		n = (size_t)(end - s - 1);
		*out = vmc__arena_strndup(ps->arena, s + 1, n);
		ps->p = end + 1;
	} else {
		if (!is_name_start(*s))
			return perr(ps, "a name");
		while (is_name_char(*ps->p) && *ps->p != '`')
			ps->p++;
		*out = vmc__arena_strndup(ps->arena, s, (size_t)(ps->p - s));
	}
	return *out ? VMC_OK : VMC_ENOMEM;
}

static int parse_expr(parser *ps, const vmc__expr **out);

static int parse_path(parser *ps, const vmc__expr **out)
{
	seg segs[32];
	size_t n = 0;
	vmc__expr *e;
	seg *copy;

	VMC_TRY(parse_name(ps, &segs[n].name));
	segs[n++].index = NULL;
	for (;;) {
		skip_ws(ps);
		if (n == sizeof(segs) / sizeof(segs[0]))
			return perr(ps, "a path of at most 32 parts");
		if (*ps->p == '.') {
			ps->p++;
			VMC_TRY(parse_name(ps, &segs[n].name));
			segs[n++].index = NULL;
		} else if (*ps->p == '[') {
			ps->p++;
			segs[n].name = NULL;
			VMC_TRY(parse_expr(ps, &segs[n].index));
			n++;
			if (!accept(ps, "]"))
				return perr(ps, "']'");
		} else {
			break;
		}
	}
	e = node(ps, E_PATH);
	copy = vmc__arena_alloc(ps->arena, n * sizeof(*copy));
	if (!e || !copy)
		return VMC_ENOMEM;
	memcpy(copy, segs, n * sizeof(*copy));
	e->segs = copy;
	e->nsegs = n;
	*out = e;
	return VMC_OK;
}

static int parse_primary(parser *ps, const vmc__expr **out)
{
	vmc__expr *e;

	skip_ws(ps);
	if (*ps->p >= '0' && *ps->p <= '9') {
		uint64_t v = 0;
		int hex = ps->p[0] == '0' && (ps->p[1] == 'x' || ps->p[1] == 'X');
		unsigned base = hex ? 16 : 10, digits = 0;

		if (hex)
			ps->p += 2;
		for (;; ps->p++, digits++) {
			char c = *ps->p;
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if (hex && c >= 'a' && c <= 'f')
				d = (unsigned)(c - 'a' + 10);
			else if (hex && c >= 'A' && c <= 'F')
				d = (unsigned)(c - 'A' + 10);
			else
				break;
			if (v > (UINT64_MAX - d) / base)
				return perr(ps, "an integer below 2^64");
			v = v * base + d;
		}
		if (!digits || is_name_char(*ps->p))
			return perr(ps, "an integer");
		e = node(ps, E_NUM);
		if (!e)
			return VMC_ENOMEM;
		e->num = v;
		*out = e;
		return VMC_OK;
	}
	if (accept(ps, "(")) {
		VMC_TRY(parse_expr(ps, out));
		return accept(ps, ")") ? VMC_OK : perr(ps, "')'");
	}
	if (!is_name_start(*ps->p))
		return perr(ps, "an integer, a name or '('");
	{
		const char *save = ps->p;
		const char *name;
		size_t i;

		VMC_TRY(parse_name(ps, &name));
		skip_ws(ps);
		if (*ps->p != '(') {
			ps->p = save;
			return parse_path(ps, out);
		}
		for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
			if (strcmp(builtins[i], name) == 0)
				break;
		if (i == sizeof(builtins) / sizeof(builtins[0])) {
			ps->p = save;
			return perr(ps, "a builtin (has, len, pci_express, msix_vectors, "
					"msix_present)");
		}
		ps->p++;
		e = node(ps, E_CALL);
		if (!e)
			return VMC_ENOMEM;
		e->builtin = (int)i;
		skip_ws(ps);
		VMC_TRY(parse_path(ps, &e->a));
		if (!accept(ps, ")"))
			return perr(ps, "')' after the one argument of a builtin");
		*out = e;
		return VMC_OK;
	}
}

static int parse_unary(parser *ps, const vmc__expr **out)
{
	int op = 0;
	vmc__expr *e;

	if (++ps->depth > EXPR_MAX_DEPTH)
		return perr(ps, "an expression nested at most 64 deep");
	if (accept(ps, "!"))
		op = '!';
	else if (accept(ps, "-"))
		op = '-';
	else if (accept(ps, "~"))
		op = '~';
	if (!op) {
		int rc = parse_primary(ps, out);
		ps->depth--;
		return rc;
	}
	e = node(ps, E_UNARY);
	if (!e)
		return VMC_ENOMEM;
	e->op = op;
	VMC_TRY(parse_unary(ps, &e->a));
	ps->depth--;
	*out = e;
	return VMC_OK;
}

/* Binary levels, lowest precedence first. */
static const struct level {
	const char *tok[4];
	int op[4];
} levels[] = {
	{{"||"}, {OP_LOR}},
	{{"&&"}, {OP_LAND}},
	{{"|"}, {'|'}},
	{{"^"}, {'^'}},
	{{"&"}, {'&'}},
	{{"==", "!="}, {OP_EQ, OP_NE}},
	{{"<=", ">=", "<", ">"}, {OP_LE, OP_GE, '<', '>'}},
	{{"<<", ">>"}, {OP_SHL, OP_SHR}},
	{{"+", "-"}, {'+', '-'}},
	{{"*", "/", "%"}, {'*', '/', '%'}},
};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static int parse_level(parser *ps, size_t lv, const vmc__expr **out)
{
	if (lv == NLEVELS)
		return parse_unary(ps, out);
	VMC_TRY(parse_level(ps, lv + 1, out));
	for (;;) {
		int op = 0;
		size_t k;
		vmc__expr *e;

		for (k = 0; k < 4 && levels[lv].tok[k] && !op; k++)
			if (accept(ps, levels[lv].tok[k]))
				op = levels[lv].op[k];
		if (!op)
			return VMC_OK;
		e = node(ps, E_BINARY);
		if (!e)
			return VMC_ENOMEM;
		e->op = op;
		e->a = *out;
		VMC_TRY(parse_level(ps, lv + 1, &e->b));
		*out = e;
	}
}

static int parse_expr(parser *ps, const vmc__expr **out)
{
	vmc__expr *e;

	if (++ps->depth > EXPR_MAX_DEPTH)
		return perr(ps, "an expression nested at most 64 deep");
	VMC_TRY(parse_level(ps, 0, out));
	if (accept(ps, "?")) {
		e = node(ps, E_COND);
		if (!e)
			return VMC_ENOMEM;
		e->a = *out;
		VMC_TRY(parse_expr(ps, &e->b));
		if (!accept(ps, ":"))
			return perr(ps, "':'");
		VMC_TRY(parse_expr(ps, &e->c));
		*out = e;
	}
	ps->depth--;
	return VMC_OK;
}

int vmc__expr_parse(const vmc__expr **out, vmc__arena *arena, const char *text,
		    const vmc__ynode *where)
{
	parser ps;
	const vmc__expr *e;
	vmc__expr *root;

	memset(&ps, 0, sizeof(ps));
	ps.ctx = arena->ctx;
	ps.arena = arena;
	ps.where = where;
	ps.text = text;
	ps.p = text;
	VMC_TRY(parse_expr(&ps, &e));
	skip_ws(&ps);
	if (*ps.p)
		return perr(&ps, "an operator or the end of the expression");
	/* Wrap so that the root carries its text. */
	root = vmc__arena_alloc(arena, sizeof(*root));
	if (!root)
		return VMC_ENOMEM;
	*root = *e;
	root->text = vmc__arena_strndup(arena, text, strlen(text));
	if (!root->text)
		return VMC_ENOMEM;
	*out = root;
	return VMC_OK;
}

const char *vmc__expr_text(const vmc__expr *e)
{
	return e && e->text ? e->text : "?";
}

/* ---------------------------------------------------------------------- */
/* PCI capability list (PCI Local Bus 3.0 §6.7)                            */
/* ---------------------------------------------------------------------- */

#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_EXP 0x10
#define PCI_MSIX_FLAGS 2
#define PCI_MSIX_FLAGS_QSIZE 0x07ff

size_t vmc__pci_find_cap(const uint8_t *cfg, size_t len, uint8_t id)
{
	size_t pos;
	unsigned hops;

	if (len < 256 || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return 0;
	pos = cfg[PCI_CAPABILITY_LIST] & 0xfcu;
	for (hops = 0; pos >= 0x40 && pos <= 0xfc && hops < 48; hops++) {
		if (cfg[pos] == id)
			return pos;
		pos = cfg[pos + 1] & 0xfcu;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Evaluation                                                              */
/* ---------------------------------------------------------------------- */

static int eval(uint64_t *out, const vmc__expr *e, const vmc__expr_env *env, const char *root);

static int efail(const vmc__expr_env *env, const char *root, const char *fmt, const char *arg)
{
	return VMC_FAIL_AT(env->ctx, VMC_EMALFORMED, env->offset, env->path,
			   "expression '%s': %s%s", root, fmt, arg ? arg : "");
}

/* The node a path names, or NULL (no error recorded) when none. */
static int resolve(const vmc_field **out, const vmc__expr *e, const vmc__expr_env *env,
		   const char *root)
{
	const vmc_field *f = env->lookup(env->payload, e->segs[0].name);
	size_t i;

	for (i = 1; f && i < e->nsegs; i++) {
		const seg *s = &e->segs[i];

		if (s->name) {
			f = vmc_field_find(f, s->name);
		} else {
			uint64_t idx;

			VMC_TRY(eval(&idx, s->index, env, root));
			f = idx < f->nchildren ? &f->children[idx] : NULL;
		}
	}
	*out = f;
	return VMC_OK;
}

static int value_of(uint64_t *out, const vmc_field *f, const vmc__expr_env *env,
		    const char *root)
{
	switch (f->kind) {
	case VMC_FIELD_UINT:
	case VMC_FIELD_BOOL:
		*out = f->u;
		return VMC_OK;
	case VMC_FIELD_INT:
		*out = (uint64_t)f->i;
		return VMC_OK;
	default:
		return efail(env, root, "not an integer: ", f->name);
	}
}

static int call(uint64_t *out, const vmc__expr *e, const vmc__expr_env *env, const char *root)
{
	const vmc_field *f;
	size_t cap;

	VMC_TRY(resolve(&f, e->a, env, root));
	if (e->builtin == B_HAS) {
		*out = f != NULL;
		return VMC_OK;
	}
	if (!f)
		return efail(env, root, "no decoded field ", e->a->segs[0].name);
	if (e->builtin == B_LEN) {
		*out = f->kind == VMC_FIELD_ARRAY ? f->nchildren : f->size;
		return VMC_OK;
	}
	if (f->kind != VMC_FIELD_BYTES || f->size < 256)
		return efail(env, root, "needs PCI config bytes (>= 256): ", f->name);
	if (e->builtin == B_PCI_EXPRESS) {
		*out = vmc__pci_find_cap(f->bytes, (size_t)f->size, PCI_CAP_ID_EXP) != 0;
		return VMC_OK;
	}
	cap = vmc__pci_find_cap(f->bytes, (size_t)f->size, PCI_CAP_ID_MSIX);
	if (e->builtin == B_MSIX_PRESENT)
		*out = cap != 0;
	else
		/* Message Control is little-endian in config space. */
		*out = cap ? ((f->bytes[cap + PCI_MSIX_FLAGS] |
			       (unsigned)f->bytes[cap + PCI_MSIX_FLAGS + 1] << 8) &
			      PCI_MSIX_FLAGS_QSIZE) +
				     1u
			   : 0;
	return VMC_OK;
}

static int eval(uint64_t *out, const vmc__expr *e, const vmc__expr_env *env, const char *root)
{
	uint64_t a, b;

	switch (e->kind) {
	case E_NUM:
		*out = e->num;
		return VMC_OK;
	case E_PATH: {
		const vmc_field *f;

		VMC_TRY(resolve(&f, e, env, root));
		if (!f)
			return efail(env, root, "no decoded field ", e->segs[0].name);
		return value_of(out, f, env, root);
	}
	case E_CALL:
		return call(out, e, env, root);
	case E_COND:
		VMC_TRY(eval(&a, e->a, env, root));
		return eval(out, a ? e->b : e->c, env, root);
	case E_UNARY:
		VMC_TRY(eval(&a, e->a, env, root));
		*out = e->op == '!' ? !a : e->op == '-' ? (uint64_t)0 - a : ~a;
		return VMC_OK;
	default:
		break;
	}
	VMC_TRY(eval(&a, e->a, env, root));
	/* Short-circuit like C, so that has(x) && x works. */
	if (e->op == OP_LAND && !a) {
		*out = 0;
		return VMC_OK;
	}
	if (e->op == OP_LOR && a) {
		*out = 1;
		return VMC_OK;
	}
	VMC_TRY(eval(&b, e->b, env, root));
	switch (e->op) {
	case OP_LOR:
	case OP_LAND: *out = b != 0; break;
	case '|': *out = a | b; break;
	case '^': *out = a ^ b; break;
	case '&': *out = a & b; break;
	case OP_EQ: *out = a == b; break;
	case OP_NE: *out = a != b; break;
	case '<': *out = a < b; break;
	case '>': *out = a > b; break;
	case OP_LE: *out = a <= b; break;
	case OP_GE: *out = a >= b; break;
	case OP_SHL: *out = b >= 64 ? 0 : a << b; break;
	case OP_SHR: *out = b >= 64 ? 0 : a >> b; break;
	case '+': *out = a + b; break;
	case '-': *out = a - b; break;
	case '*': *out = a * b; break;
	case '/':
	case '%':
		if (b == 0)
			return efail(env, root, "division by zero", NULL);
		*out = e->op == '/' ? a / b : a % b;
		break;
	default:
		return VMC_FAIL(env->ctx, VMC_ERROR, env->offset, "bad operator %d", e->op);
	}
	return VMC_OK;
}

int vmc__expr_eval(uint64_t *out, const vmc__expr *e, const vmc__expr_env *env)
{
	return eval(out, e, env, vmc__expr_text(e));
}
