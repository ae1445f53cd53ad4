/*
 * profiles.c - `vmcompat profiles`: the bundled and cached emulator
 * profiles with their machine types; and the lines of a report that say
 * which QEMU, profile and rules each side was answered with
 * (docs/profiles.md, docs/prove.md).
 */
#include "cli.h"

#include <dirent.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- the report's "which QEMU" -------------------------------------------- */

static const char *const key_names[VMC_QEMU_KEY_COUNT] = {
	"requested", "reason", "match", "note", "profile", "origin", "version", "package",
	"binary",    "rules"};

static int same_side(const vmc_report *r)
{
	uint32_t k;

	for (k = 0; k < VMC_QEMU_KEY_COUNT; k++) {
		const char *a = vmc_report_qemu(r, VMC_SIDE_SOURCE, k);
		const char *b = vmc_report_qemu(r, VMC_SIDE_DESTINATION, k);
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
			return 0;
	}
	return 1;
}

static void print_side(FILE *out, const vmc_report *r, uint32_t side, const char *label)
{
	const char *ver = vmc_report_qemu(r, side, VMC_QEMU_VERSION);
	const char *pkg = vmc_report_qemu(r, side, VMC_QEMU_PACKAGE);
	const char *reason = vmc_report_qemu(r, side, VMC_QEMU_REASON);

	if (!vmc_report_qemu(r, side, VMC_QEMU_RULES)) {
		fprintf(out, "%-17s the saved stream itself\n", label);
		return;
	}
	if (ver)
		fprintf(out, "%-17s %s%s%s%s: %s profile %s [%s]\n", label, ver,
			pkg && *pkg ? " (" : "", pkg && *pkg ? pkg : "", pkg && *pkg ? ")" : "",
			vmc_report_qemu(r, side, VMC_QEMU_ORIGIN),
			vmc_report_qemu(r, side, VMC_QEMU_PROFILE),
			vmc_report_qemu(r, side, VMC_QEMU_MATCH));
	else
		fprintf(out, "%-17s %s: no profile [%s]\n", label,
			vmc_report_qemu(r, side, VMC_QEMU_REQUESTED),
			vmc_report_qemu(r, side, VMC_QEMU_MATCH));
	fprintf(out, "%-17s %s\n", "", vmc_report_qemu(r, side, VMC_QEMU_NOTE));
	if (reason)
		fprintf(out, "%-17s because: %s\n", "", reason);
}

void cli_print_qemu_text(FILE *out, const vmc_report *r)
{
	const char *rules = vmc_report_qemu(r, VMC_SIDE_DESTINATION, VMC_QEMU_RULES);

	if (!rules)
		return; /* two real streams: no profile, no prove rules */
	print_side(out, r, VMC_SIDE_SOURCE, "source QEMU:");
	if (vmc_report_qemu(r, VMC_SIDE_SOURCE, VMC_QEMU_RULES) && same_side(r))
		fprintf(out, "%-17s the source's\n", "destination QEMU:");
	else
		print_side(out, r, VMC_SIDE_DESTINATION, "destination QEMU:");
	fprintf(out, "%-17s %s\n", "rules:", rules);
}

static json_object *side_json(const vmc_report *r, uint32_t side)
{
	json_object *o;
	uint32_t k;

	if (!vmc_report_qemu(r, side, VMC_QEMU_RULES))
		return NULL; /* a real stream */
	o = json_object_new_object();
	for (k = 0; k < VMC_QEMU_KEY_COUNT; k++) {
		const char *v = vmc_report_qemu(r, side, k);
		json_object_object_add(o, key_names[k], v ? json_object_new_string(v) : NULL);
	}
	return o;
}

void cli_qemu_json(struct json_object *root, const vmc_report *r)
{
	json_object *q;

	if (!vmc_report_qemu(r, VMC_SIDE_DESTINATION, VMC_QEMU_RULES))
		return;
	q = json_object_new_object();
	json_object_object_add(q, "source", side_json(r, VMC_SIDE_SOURCE));
	json_object_object_add(q, "destination", side_json(r, VMC_SIDE_DESTINATION));
	json_object_object_add(root, "qemu", q);
}

/* ---- vmcompat profiles ------------------------------------------------------- */

static void print_profile_text(FILE *out, const vmc_profile *p, const char *label)
{
	size_t i, n = vmc_profile_machine_count(p), col;
	const char *pkg = vmc_profile_package(p);

	fprintf(out, "  %s  QEMU %s%s%s%s, harvested from %s\n", label, vmc_profile_version(p),
		pkg && *pkg ? " (" : "", pkg && *pkg ? pkg : "", pkg && *pkg ? ")" : "",
		vmc_profile_binary(p));
	fprintf(out, "    %zu machine types:", n);
	col = 22;
	for (i = 0; i < n; i++) {
		char item[160];
		const char *alias = vmc_profile_machine_alias(p, i);
		int def = vmc_profile_machine_is_default(p, i);
		size_t len;

		snprintf(item, sizeof(item), "%s%s%s%s%s", vmc_profile_machine_name(p, i),
			 alias || def ? " (" : "", alias ? alias : "",
			 def ? (alias ? ", default" : "default") : "", alias || def ? ")" : "");
		len = strlen(item) + 1;
		if (col + len > 96) {
			fprintf(out, "\n     ");
			col = 5;
		}
		fprintf(out, " %s", item);
		col += len;
	}
	fprintf(out, "\n");
}

static json_object *profile_json(const vmc_profile *p, const char *path)
{
	json_object *o = json_object_new_object(), *m = json_object_new_array();
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(vmc_profile_name(p)));
	if (path)
		json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "origin", json_object_new_string(vmc_profile_origin(p)));
	json_object_object_add(o, "version", json_object_new_string(vmc_profile_version(p)));
	json_object_object_add(o, "package", json_object_new_string(vmc_profile_package(p)));
	json_object_object_add(o, "binary", json_object_new_string(vmc_profile_binary(p)));
	for (i = 0; i < vmc_profile_machine_count(p); i++) {
		json_object *e = json_object_new_object();
		const char *alias = vmc_profile_machine_alias(p, i);
		json_object_object_add(e, "name",
				       json_object_new_string(vmc_profile_machine_name(p, i)));
		json_object_object_add(e, "alias", alias ? json_object_new_string(alias) : NULL);
		json_object_object_add(e, "default",
				       json_object_new_boolean(vmc_profile_machine_is_default(p, i)));
		json_object_array_add(m, e);
	}
	json_object_object_add(o, "machines", m);
	return o;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int cmd_profiles(int argc, char **argv)
{
	const char *const *names = vmc_profile_bundled_names();
	json_object *root = NULL, *barr = NULL, *carr = NULL;
	char dir[PATH_MAX], **files = NULL;
	size_t nfiles = 0, i;
	int json = 0, status = 0, have_dir, k;
	vmc_ctx *ctx;
	DIR *d;

	for (k = 0; k < argc; k++) {
		if (strcmp(argv[k], "--json") == 0) {
			json = 1;
		} else {
			fprintf(stderr, "usage: vmcompat profiles [--json]\n");
			return EXIT_USAGE;
		}
	}
	if (vmc_ctx_new(&ctx, NULL) < 0)
		return EXIT_SOFTWARE;
	if (json) {
		root = json_object_new_object();
		barr = json_object_new_array();
		carr = json_object_new_array();
	} else {
		printf("bundled profiles (embedded in libvmcompat):\n");
	}
	for (i = 0; names[i]; i++) {
		vmc_profile *p;
		if (vmc_profile_bundled(&p, ctx, names[i]) < 0) {
			cli_report_error(ctx, names[i]);
			status = EXIT_SOFTWARE;
			continue;
		}
		if (json)
			json_object_array_add(barr, profile_json(p, NULL));
		else
			print_profile_text(stdout, p, names[i]);
		vmc_profile_free(p);
	}
	have_dir = cli_profile_cache_dir(dir, sizeof(dir)) == 0;
	d = have_dir ? opendir(dir) : NULL;
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t len = strlen(e->d_name);
			char **nf;
			if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
				continue;
			nf = realloc(files, (nfiles + 1) * sizeof(*files));
			if (!nf)
				break;
			files = nf;
			files[nfiles] = strdup(e->d_name);
			if (files[nfiles])
				nfiles++;
		}
		closedir(d);
		qsort(files, nfiles, sizeof(*files), by_name);
	}
	if (!json)
		printf("\ncached harvests (%s):%s\n", have_dir ? dir : "no cache directory",
		       nfiles ? "" : " none");
	for (i = 0; i < nfiles; i++) {
		char path[PATH_MAX + 256];
		vmc_profile *p;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (vmc_profile_read_path(&p, ctx, path, "cached harvest") < 0) {
			fprintf(stderr, "vmcompat: %s: %s (skipped)\n", path,
				vmc_error_last(ctx)->message);
			vmc_error_clear(ctx);
		} else {
			if (json)
				json_object_array_add(carr, profile_json(p, path));
			else
				print_profile_text(stdout, p, files[i]);
			vmc_profile_free(p);
		}
		free(files[i]);
	}
	free(files);
	if (json) {
		json_object_object_add(root, "bundled", barr);
		json_object_object_add(root, "cache_dir",
				       have_dir ? json_object_new_string(dir) : NULL);
		json_object_object_add(root, "cached", carr);
		if (puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								      JSON_C_TO_STRING_NOSLASHESCAPE)) <
		    0)
			status = EXIT_IOERR;
		json_object_put(root);
	}
	if (fflush(stdout) != 0)
		status = EXIT_IOERR;
	vmc_ctx_free(ctx);
	return status;
}
