/*
 * prove.c - `vmcompat prove --source CONFIG --target CONFIG`: decide a
 * migration from two configurations (docs/prove.md).
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Whole (small) file; NULL and a message on failure. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		fprintf(stderr, "vmcompat: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t r;
		if (cap - n < 4096) {
			char *nb;
			if (cap > (64u << 20)) {
				fprintf(stderr, "vmcompat: '%s' is larger than 64 MiB\n", path);
				free(buf);
				fclose(f);
				return NULL;
			}
			cap = cap ? cap * 2 : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int cli_read_config(vmc_config **out, vmc_ctx *ctx, const char *arg)
{
	struct stat st;
	const char *path = NULL;
	char *text = NULL;
	size_t len;
	int rc;

	if (arg[0] == '@')
		path = arg + 1;
	else if (stat(arg, &st) == 0 && S_ISREG(st.st_mode))
		path = arg; /* a domain XML (or options) file named directly */
	if (path) {
		text = slurp(path, &len);
		if (!text)
			return VMC_EOPEN;
		rc = vmc_config_parse(out, ctx, text, len, path);
	} else {
		rc = vmc_config_parse(out, ctx, arg, strlen(arg), "configuration");
	}
	if (rc < 0)
		cli_report_error(ctx, path ? path : "configuration");
	free(text);
	return rc;
}

int cmd_prove(int argc, char **argv)
{
	vmc_prove_options o = VMC_PROVE_OPTIONS_INIT;
	const char *src = NULL, *dst = NULL, *sqemu = NULL, *tqemu = NULL;
	vmc_config *sc = NULL, *dc = NULL;
	cli_qemu sq, tq;
	vmc_report *r = NULL;
	vmc_ctx *ctx;
	int json = 0, i, rc, status;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			o.flags |= VMC_CHECK_KEEP_PROVED;
		else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
			src = argv[++i];
		else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
			dst = argv[++i];
		else if (strcmp(argv[i], "--source-qemu") == 0 && i + 1 < argc)
			sqemu = argv[++i];
		else if (strcmp(argv[i], "--target-qemu") == 0 && i + 1 < argc)
			tqemu = argv[++i];
		else {
			fprintf(stderr, "vmcompat: unknown prove argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!src || !dst) {
		fprintf(stderr, "usage: vmcompat prove --source CONFIG --target CONFIG "
				"[--source-qemu V] [--target-qemu V] [--json] [--all]\n");
		return EXIT_USAGE;
	}
	rc = vmc_ctx_new(&ctx, NULL);
	if (rc < 0)
		return cli_exit_status(rc);
	/* Which QEMU (cli/qemu_version.c): the source's from --source-qemu or
	 * the emulator on PATH; the destination's from --target-qemu, else the
	 * source's (the library's default). */
	memset(&tq, 0, sizeof(tq));
	status = cli_qemu_resolve(&sq, ctx, sqemu, "--source-qemu");
	if (status == 0 && tqemu)
		status = cli_qemu_resolve(&tq, ctx, tqemu, "--target-qemu");
	if (status != 0) {
		cli_qemu_free(&sq);
		vmc_ctx_free(ctx);
		return status;
	}
	o.source_qemu = sq.version;
	o.source_profile = sq.profile;
	o.source_reason = sq.reason;
	o.target_qemu = tq.version;
	o.target_profile = tq.profile;
	o.target_reason = tq.reason;
	rc = cli_read_config(&sc, ctx, src);
	if (rc == VMC_OK)
		rc = cli_read_config(&dc, ctx, dst);
	if (rc == VMC_OK) {
		rc = vmc_prove(&r, ctx, sc, dc, &o);
		if (rc < 0)
			cli_report_error(ctx, "prove");
	}
	if (rc < 0) {
		status = cli_exit_status(rc);
	} else {
		status = cli_verdict_status(r);
		if (cli_print_report(stdout, r, "source configuration", "target configuration",
				     json) < 0 ||
		    fflush(stdout) != 0)
			status = EXIT_IOERR;
	}
	vmc_report_free(r);
	vmc_config_free(sc);
	vmc_config_free(dc);
	cli_qemu_free(&sq);
	cli_qemu_free(&tq);
	vmc_ctx_free(ctx);
	return status;
}
