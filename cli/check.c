/*
 * check.c - `vmcompat check SRC --against DST_REF`: text and JSON output of
 * a vmc_report (docs/check.md).
 */
#include "cli.h"

#include <json-c/json.h>
#include <inttypes.h>
#include <string.h>

static void print_text(FILE *out, const vmc_report *r, const char *src, const char *dst)
{
	size_t i, n = vmc_report_finding_count(r);
	size_t counts[4] = {0, 0, 0, 0};

	for (i = 0; i < n; i++)
		counts[vmc_finding_status(vmc_report_finding(r, i)) & 3]++;
	fprintf(out, "verdict: %s (%zu refuted, %zu unknown, %zu warnings)\n",
		vmc_verdict_name(vmc_report_verdict(r)), counts[VMC_FINDING_REFUTED],
		counts[VMC_FINDING_UNKNOWN], counts[VMC_FINDING_WARNING]);
	fprintf(out, "source:      %s\ndestination: %s\n", src, dst);
	cli_print_qemu_text(out, r); /* which QEMU, profile and rules (cli/profiles.c) */
	for (i = 0; i < n; i++) {
		const vmc_finding *f = vmc_report_finding(r, i);
		uint64_t off, len;
		const char *sv = vmc_finding_source_value(f), *dv = vmc_finding_destination_value(f);

		fprintf(out, "\n%-8s %s: %s", vmc_finding_status_name(vmc_finding_status(f)),
			vmc_finding_check(f), vmc_finding_subject(f));
		if (vmc_finding_range(f, &off, &len))
			fprintf(out, " [0x%" PRIx64 "+%" PRIu64 "]", off, len);
		fprintf(out, "\n");
		if (sv || dv)
			fprintf(out, "  source: %s, destination: %s\n", sv ? sv : "-", dv ? dv : "-");
		if (vmc_finding_qemu_error(f))
			fprintf(out, "  QEMU:   %s\n", vmc_finding_qemu_error(f));
		if (vmc_finding_condition(f))
			fprintf(out, "  when:   %s\n", vmc_finding_condition(f));
		fprintf(out, "  why:    %s\n", vmc_finding_explanation(f));
		fprintf(out, "  rule:   %s\n", vmc_finding_source(f));
	}
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static int print_json(FILE *out, const vmc_report *r, const char *src, const char *dst)
{
	json_object *root = json_object_new_object(), *arr = json_object_new_array();
	size_t i, n = vmc_report_finding_count(r);
	int rc;

	json_object_object_add(root, "vmcompat", json_object_new_string(VMC_VERSION_STRING));
	json_object_object_add(root, "format", json_object_new_int(1));
	json_object_object_add(root, "source", json_object_new_string(src));
	json_object_object_add(root, "destination", json_object_new_string(dst));
	cli_qemu_json(root, r);
	json_object_object_add(root, "verdict",
			       json_object_new_string(vmc_verdict_name(vmc_report_verdict(r))));
	for (i = 0; i < n; i++) {
		const vmc_finding *f = vmc_report_finding(r, i);
		json_object *o = json_object_new_object();
		uint64_t off, len;

		json_object_object_add(o, "check", json_object_new_string(vmc_finding_check(f)));
		json_object_object_add(
			o, "status",
			json_object_new_string(vmc_finding_status_name(vmc_finding_status(f))));
		json_object_object_add(o, "subject", str_or_null(vmc_finding_subject(f)));
		if (vmc_finding_range(f, &off, &len)) {
			json_object_object_add(o, "offset", json_object_new_uint64(off));
			json_object_object_add(o, "length", json_object_new_uint64(len));
		}
		json_object_object_add(o, "source_value", str_or_null(vmc_finding_source_value(f)));
		json_object_object_add(o, "destination_value",
				       str_or_null(vmc_finding_destination_value(f)));
		json_object_object_add(o, "explanation", str_or_null(vmc_finding_explanation(f)));
		json_object_object_add(o, "qemu_error", str_or_null(vmc_finding_qemu_error(f)));
		json_object_object_add(o, "rule_source", str_or_null(vmc_finding_source(f)));
		json_object_object_add(o, "condition", str_or_null(vmc_finding_condition(f)));
		json_object_array_add(arr, o);
	}
	json_object_object_add(root, "findings", arr);
	rc = fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE),
		   out) < 0 || fputc('\n', out) == EOF
		     ? -1
		     : 0;
	json_object_put(root);
	return rc;
}

int cli_print_report(FILE *out, const vmc_report *r, const char *src, const char *dst, int json)
{
	if (json)
		return print_json(out, r, src, dst);
	print_text(out, r, src, dst);
	return 0;
}

int cli_verdict_status(const vmc_report *r)
{
	switch (vmc_report_verdict(r)) {
	case VMC_VERDICT_COMPATIBLE:
		return 0;
	case VMC_VERDICT_INCOMPATIBLE:
		return 1;
	default:
		return 2;
	}
}

static int read_stream(vmc_stream **s, vmc_ctx *ctx, const char *path)
{
	int rc = vmc_stream_read_path(s, ctx, path, NULL);
	if (rc < 0)
		cli_report_error(ctx, strcmp(path, "-") == 0 ? "<stdin>" : path);
	return rc;
}

/* check SRC --target CONFIG: the destination from its configuration. */
static int check_target(const char *src, const char *target, const char *tqemu, int json,
			uint32_t flags)
{
	vmc_prove_options po = VMC_PROVE_OPTIONS_INIT;
	vmc_stream *s = NULL;
	vmc_config *tc = NULL;
	vmc_report *r = NULL;
	cli_qemu tq;
	vmc_ctx *ctx;
	int rc, status;

	po.flags = flags;
	rc = vmc_ctx_new(&ctx, NULL);
	if (rc < 0)
		return cli_exit_status(rc);
	/* the destination's QEMU: --target-qemu, else the emulator on PATH */
	status = cli_qemu_resolve(&tq, ctx, tqemu, "--target-qemu");
	if (status != 0) {
		vmc_ctx_free(ctx);
		return status;
	}
	po.target_qemu = tq.version;
	po.target_profile = tq.profile;
	po.target_reason = tq.reason;
	rc = read_stream(&s, ctx, src);
	if (rc == VMC_OK)
		rc = cli_read_config(&tc, ctx, target);
	if (rc == VMC_OK) {
		rc = vmc_check_stream_config(&r, ctx, s, tc, &po);
		if (rc < 0)
			cli_report_error(ctx, target);
	}
	if (rc < 0) {
		status = cli_exit_status(rc);
	} else {
		status = cli_verdict_status(r);
		if (cli_print_report(stdout, r, src, target, json) < 0 || fflush(stdout) != 0)
			status = EXIT_IOERR;
	}
	vmc_report_free(r);
	vmc_config_free(tc);
	vmc_stream_free(s);
	cli_qemu_free(&tq);
	vmc_ctx_free(ctx);
	return status;
}

int cmd_check(int argc, char **argv)
{
	vmc_check_options o = VMC_CHECK_OPTIONS_INIT;
	const char *src = NULL, *dst = NULL, *vmstate = NULL, *target = NULL, *tqemu = NULL;
	vmc_vmstate *vm = NULL;
	vmc_stream *s = NULL, *d = NULL;
	vmc_report *r = NULL;
	vmc_ctx *ctx;
	int json = 0, i, rc, status;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--all") == 0)
			o.flags |= VMC_CHECK_KEEP_PROVED;
		else if (strcmp(argv[i], "--against") == 0 && i + 1 < argc)
			dst = argv[++i];
		else if (strcmp(argv[i], "--destination-vmstate") == 0 && i + 1 < argc)
			vmstate = argv[++i];
		else if (strcmp(argv[i], "--target") == 0 && i + 1 < argc)
			target = argv[++i];
		else if (strcmp(argv[i], "--target-qemu") == 0 && i + 1 < argc)
			tqemu = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "vmcompat: unknown option '%s'\n", argv[i]);
			return EXIT_USAGE;
		} else if (!src)
			src = argv[i];
		else {
			fprintf(stderr, "vmcompat: check takes one source stream\n");
			return EXIT_USAGE;
		}
	}
	if (!src || (!dst == !target)) {
		fprintf(stderr, "usage: vmcompat check SRC --against DST_REF [--destination-vmstate "
				"FILE] [--json] [--all]\n"
				"       vmcompat check SRC --target CONFIG [--target-qemu V] [--json] "
				"[--all]\n");
		return EXIT_USAGE;
	}
	if (target)
		return check_target(src, target, tqemu, json, o.flags);
	if (strcmp(src, "-") == 0 && strcmp(dst, "-") == 0) {
		fprintf(stderr, "vmcompat: only one input can be standard input\n");
		return EXIT_USAGE;
	}
	rc = vmc_ctx_new(&ctx, NULL);
	if (rc < 0)
		return cli_exit_status(rc);
	rc = read_stream(&s, ctx, src);
	if (rc == VMC_OK && vmstate) {
		rc = vmc_vmstate_read_path(&vm, ctx, vmstate);
		if (rc < 0)
			cli_report_error(ctx, vmstate);
		o.dst_vmstate = vm;
	}
	if (rc == VMC_OK)
		rc = read_stream(&d, ctx, dst);
	if (rc == VMC_OK) {
		rc = vmc_check_streams(&r, ctx, s, d, &o);
		if (rc < 0)
			cli_report_error(ctx, "check");
	}
	if (rc < 0) {
		status = cli_exit_status(rc);
	} else {
		rc = cli_print_report(stdout, r, src, dst, json);
		status = cli_verdict_status(r);
		if (rc < 0 || fflush(stdout) != 0) {
			fprintf(stderr, "vmcompat: cannot write output\n");
			status = EXIT_IOERR;
		}
	}
	vmc_report_free(r);
	vmc_vmstate_free(vm);
	vmc_stream_free(s);
	vmc_stream_free(d);
	vmc_ctx_free(ctx);
	return status;
}
