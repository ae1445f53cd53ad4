/*
 * main.c - vmcompat command line: argument parsing and dispatch.
 *
 * A thin client of libvmcompat: it parses options, calls the library, and
 * maps status codes to exit statuses.  All printing happens in cli/.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vmcompat decode [options] FILE|-\n"
		"       vmcompat check SRC --against DST_REF [--destination-vmstate FILE]\n"
		"                      [--json] [--all]\n"
		"       vmcompat harvest --qemu BINARY [--out FILE] (docs/profiles.md)\n"
		"       vmcompat profiles [--json]\n"
		"       vmcompat check SRC --target CONFIG [--target-qemu V] [--json] [--all]\n"
		"       vmcompat prove --source CONFIG --target CONFIG [--source-qemu V]\n"
		"                      [--target-qemu V] [--json] [--all]\n"
		"       vmcompat --version | --help\n"
		"\n"
		"decode: read a saved QEMU migration stream (raw, gzip, bzip2, xz, zstd or a\n"
		"libvirt save image; '-' reads standard input) and show what is in it.\n"
		"  --json                 one JSON document (docs/decode-json.md)\n"
		"  --verbose              text output: every field of every device\n"
		"  --no-fields            do not decode device fields from the vmdesc\n"
		"  --page-size N          target page size for RAM flags (default 4096)\n"
		"  --limit NAME=VALUE     override a resource limit (docs/limits.md):\n"
		"                         section-size, device-state, vmdesc-size,\n"
		"                         libvirt-xml, json-depth, sections, ramblocks,\n"
		"                         fields, queues\n"
		"\n"
		"check: would a destination whose own saved stream is DST_REF load SRC?\n"
		"  every reason QEMU would reject it (not only the first), warnings for\n"
		"  guest-visible differences QEMU accepts; --all also lists proved rules.\n"
		"  --destination-vmstate FILE: the destination binary's vmstate table\n"
		"  (qemu-system-x86_64 -M MACHINE -dump-vmstate FILE) decides subsections\n"
		"  and minimum versions a saved stream cannot show.\n"
		"  exit status 0 compatible, 1 incompatible, 2 unknown (docs/check.md)\n"
		"\n"
		"prove: decide a swap from two configurations alone (QEMU options in one\n"
		"  string, @FILE, or a libvirt domain XML file), for every guest state, from\n"
		"  the bundled emulator profiles and the rules (docs/prove.md); exit status\n"
		"  as check.\n"
		"  V: a QEMU version (7.2, 7.2.22), a QEMU binary or wrapper (harvested once,\n"
		"  cached under ~/.cache/vmcompat/profiles), or a profile file; default: the\n"
		"  qemu-system-x86_64 on PATH, else the newest bundled profile.\n"
		"\n"
		"profiles: the bundled and cached emulator profiles and their machine types.\n"
		"\n"
		"exit status: 0 ok, 64 usage, 65 malformed input or limit exceeded,\n"
		"66 cannot open, 69 unsupported format, 70 internal error, 74 read error\n");
}

int cli_exit_status(int code)
{
	switch (code) {
	case VMC_OK:
		return 0;
	case VMC_EMALFORMED:
	case VMC_ELIMIT:
		return EXIT_MALFORMED;
	case VMC_EOPEN:
		return EXIT_NOINPUT;
	case VMC_EUNSUPPORTED:
		return EXIT_UNSUPPORTED;
	case VMC_EIO:
		return EXIT_IOERR;
	case VMC_EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_SOFTWARE;
	}
}

void cli_report_error(const vmc_ctx *ctx, const char *input)
{
	const vmc_error *e = vmc_error_last(ctx);

	if (e->has_offset)
		fprintf(stderr, "%s:%llu: %s", input, (unsigned long long)e->offset, e->message);
	else
		fprintf(stderr, "%s: %s", input, e->message[0] ? e->message : vmc_strerror(e->code));
	if (e->path[0])
		fprintf(stderr, " (in %s)", e->path);
	fprintf(stderr, "\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int set_limit(vmc_limits *l, const char *arg)
{
	static const struct {
		const char *name;
		size_t off;
		int wide;
	} names[] = {
		{"section-size", offsetof(vmc_limits, max_section_size), 1},
		{"device-state", offsetof(vmc_limits, max_device_state), 1},
		{"vmdesc-size", offsetof(vmc_limits, max_vmdesc_size), 1},
		{"libvirt-xml", offsetof(vmc_limits, max_libvirt_xml), 1},
		{"json-depth", offsetof(vmc_limits, max_json_depth), 0},
		{"sections", offsetof(vmc_limits, max_sections), 0},
		{"ramblocks", offsetof(vmc_limits, max_ramblocks), 0},
		{"fields", offsetof(vmc_limits, max_fields), 0},
		{"queues", offsetof(vmc_limits, max_queues), 0},
	};
	const char *eq = strchr(arg, '=');
	uint64_t v;
	size_t i;

	if (!eq || parse_u64(eq + 1, &v) < 0 || v == 0)
		return -1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i].name) != (size_t)(eq - arg) ||
		    strncmp(names[i].name, arg, (size_t)(eq - arg)) != 0)
			continue;
		if (names[i].wide) {
			*(uint64_t *)((char *)l + names[i].off) = v;
		} else {
			if (v > UINT32_MAX)
				return -1;
			*(uint32_t *)((char *)l + names[i].off) = (uint32_t)v;
		}
		return 0;
	}
	return -1;
}

static int cmd_decode(int argc, char **argv)
{
	vmc_ctx_options copts = VMC_CTX_OPTIONS_INIT;
	vmc_read_options ropts = VMC_READ_OPTIONS_INIT;
	const char *input = NULL;
	int json = 0, verbose = 0, i, rc, status = 0;
	vmc_ctx *ctx;
	vmc_stream *s;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			verbose = 1;
		} else if (strcmp(a, "--no-fields") == 0) {
			ropts.flags |= VMC_READ_NO_FIELDS;
		} else if (strcmp(a, "--page-size") == 0 && i + 1 < argc) {
			uint64_t v;
			if (parse_u64(argv[++i], &v) < 0 || v > UINT32_MAX) {
				fprintf(stderr, "vmcompat: --page-size expects a number\n");
				return EXIT_USAGE;
			}
			ropts.target_page_size = (uint32_t)v;
		} else if (strcmp(a, "--limit") == 0 && i + 1 < argc) {
			if (set_limit(&copts.limits, argv[++i]) < 0) {
				fprintf(stderr, "vmcompat: bad --limit '%s' (NAME=VALUE, see --help)\n",
					argv[i]);
				return EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "vmcompat: unknown option '%s'\n", a);
			usage(stderr);
			return EXIT_USAGE;
		} else if (!input) {
			input = a;
		} else {
			fprintf(stderr, "vmcompat: decode takes one input\n");
			return EXIT_USAGE;
		}
	}
	if (!input) {
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = vmc_ctx_new(&ctx, &copts);
	if (rc < 0) {
		fprintf(stderr, "vmcompat: %s\n", vmc_strerror(rc));
		return cli_exit_status(rc);
	}
	rc = vmc_stream_read_path(&s, ctx, input, &ropts);
	if (rc < 0) {
		cli_report_error(ctx, strcmp(input, "-") == 0 ? "<stdin>" : input);
		status = cli_exit_status(rc);
	} else {
		if (json)
			rc = decode_print_json(stdout, s, input);
		else
			decode_print_text(stdout, s, input, verbose);
		if (rc < 0 || fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, "vmcompat: cannot write output\n");
			status = EXIT_IOERR;
		}
		vmc_stream_free(s);
	}
	vmc_ctx_free(ctx);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("vmcompat %s\n", VMC_VERSION_STRING);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "decode") == 0)
		return cmd_decode(argc - 2, argv + 2);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(argv[1], "prove") == 0)
		return cmd_prove(argc - 2, argv + 2);
	if (strcmp(argv[1], "harvest") == 0)
		return cmd_harvest(argc - 2, argv + 2);
	if (strcmp(argv[1], "profiles") == 0)
		return cmd_profiles(argc - 2, argv + 2);
	fprintf(stderr, "vmcompat: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
