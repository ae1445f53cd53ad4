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

#endif
