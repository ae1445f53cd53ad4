/*
 * cli.h - the vmcompat command line: shared declarations of the thin client.
 * Everything here uses only the public API (include/vmcompat.h).
 */
#ifndef VMC_CLI_H
#define VMC_CLI_H

#include <stdio.h>

#include "vmcompat.h"

/* Exit statuses (sysexits.h values; docs/cli.md). */
#define EXIT_USAGE 64       /* EX_USAGE: bad command line                */
#define EXIT_MALFORMED 65   /* EX_DATAERR: malformed input, limit hit    */
#define EXIT_NOINPUT 66     /* EX_NOINPUT: cannot open input             */
#define EXIT_UNSUPPORTED 69 /* EX_UNAVAILABLE: known format not readable */
#define EXIT_SOFTWARE 70    /* EX_SOFTWARE: internal error, out of memory */
#define EXIT_IOERR 74       /* EX_IOERR: read error                      */

/* Map a vmc_status to an exit status. */
int cli_exit_status(int code);
/* Print "FILE:OFFSET: message" for the ctx's last error to stderr. */
void cli_report_error(const vmc_ctx *ctx, const char *input);

/* Output of `vmcompat decode`. */
void decode_print_text(FILE *out, const vmc_stream *s, const char *input, int verbose);
int decode_print_json(FILE *out, const vmc_stream *s, const char *input);

/* `vmcompat check`. */
int cmd_check(int argc, char **argv);
/* `vmcompat prove`. */
int cmd_prove(int argc, char **argv);
/* A report as text or JSON (docs/check.md); the exit status of its verdict. */
int cli_print_report(FILE *out, const vmc_report *r, const char *src, const char *dst, int json);
int cli_verdict_status(const vmc_report *r);
/* A configuration argument: "@FILE", a file holding domain XML, or QEMU
 * options in one string.  Reports errors; returns a vmc_status. */
int cli_read_config(vmc_config **out, vmc_ctx *ctx, const char *arg);
/* `vmcompat harvest`: record an emulator profile by running QEMU. */
int cmd_harvest(int argc, char **argv);

/* Which QEMU a side answers for (cli/qemu_version.c, docs/prove.md). */
typedef struct cli_qemu {
	const char *version;  /* for vmc_prove_options.*_qemu, or NULL       */
	vmc_profile *profile; /* for vmc_prove_options.*_profile, or NULL    */
	char *reason;         /* for vmc_prove_options.*_reason (malloc'd)   */
	char vbuf[32];
} cli_qemu;
/* arg: the --source-qemu/--target-qemu value (option names it), or NULL for
 * the emulator on PATH.  0 or an exit status (message printed). */
int cli_qemu_resolve(cli_qemu *q, vmc_ctx *ctx, const char *arg, const char *option);
void cli_qemu_free(cli_qemu *q);
/* ${XDG_CACHE_HOME:-$HOME/.cache}/vmcompat/profiles; 0, or -1 if neither. */
int cli_profile_cache_dir(char *out, size_t cap);
/* The report's "which QEMU" lines / JSON members (cli/profiles.c). */
void cli_print_qemu_text(FILE *out, const vmc_report *r);
struct json_object;
void cli_qemu_json(struct json_object *root, const vmc_report *r);
/* `vmcompat profiles`: the bundled and cached profiles. */
int cmd_profiles(int argc, char **argv);

#endif
