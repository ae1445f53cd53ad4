/*
 * decode_text.c - the readable summary printed by `vmcompat decode`.
 *
 * Bounded by default: byte fields show at most HEX_MAX bytes and arrays at
 * most ARRAY_MAX elements; --verbose shows everything.
 */
#include "cli.h"

#include <inttypes.h>
#include <string.h>

#define HEX_MAX 32u
#define ARRAY_MAX 8u

static const char *body_name(uint32_t body)
{
	switch (body) {
	case VMC_BODY_DECODED:
		return "fields";
	case VMC_BODY_RAW:
		return "bytes";
	case VMC_BODY_SKIPPED:
		return "skipped";
	case VMC_BODY_RAM:
		return "ram";
	default:
		return "?";
	}
}

static void print_hex(FILE *out, const uint8_t *p, size_t n, size_t max)
{
	size_t i, shown = n < max ? n : max;

	for (i = 0; i < shown; i++)
		fprintf(out, "%02x", p[i]);
	if (shown < n)
		fprintf(out, "... (%zu bytes)", n);
}

static void print_field(FILE *out, const vmc_field *f, int depth, int verbose)
{
	uint32_t kind = vmc_field_kind(f);
	size_t i, n = vmc_field_child_count(f);
	size_t len;
	const uint8_t *b;

	fprintf(out, "%*s%s", 4 + depth * 2, "", vmc_field_name(f));
	switch (kind) {
	case VMC_FIELD_UINT:
		fprintf(out, " = %" PRIu64 " (0x%" PRIx64 ") [%s]\n", vmc_field_uint(f),
			vmc_field_uint(f), vmc_field_type(f));
		return;
	case VMC_FIELD_INT:
		fprintf(out, " = %" PRId64 " [%s]\n", vmc_field_int(f), vmc_field_type(f));
		return;
	case VMC_FIELD_BOOL:
		fprintf(out, " = %s [bool]\n", vmc_field_uint(f) ? "true" : "false");
		return;
	case VMC_FIELD_NULLPTR:
		fprintf(out, " = NULL [nullptr]\n");
		return;
	case VMC_FIELD_BYTES:
	case VMC_FIELD_UNDECODED:
		b = vmc_field_bytes(f, &len);
		fprintf(out, " = ");
		print_hex(out, b, len, verbose ? SIZE_MAX : HEX_MAX);
		fprintf(out, " [%s%s, %" PRIu64 " bytes]\n", vmc_field_type(f),
			kind == VMC_FIELD_UNDECODED ? ", undecoded" : "", vmc_field_size(f));
		return;
	case VMC_FIELD_ARRAY:
		fprintf(out, " [%zu x %s]\n", n, n ? vmc_field_type(vmc_field_child(f, 0)) : "?");
		break;
	case VMC_FIELD_SUBSECTION:
		fprintf(out, " [subsection v%u, %" PRIu64 " bytes]\n", vmc_field_version(f),
			vmc_field_size(f));
		break;
	default:
		fprintf(out, " [%s v%u]\n", vmc_field_type(f), vmc_field_version(f));
		break;
	}
	for (i = 0; i < n; i++) {
		if (kind == VMC_FIELD_ARRAY && !verbose && i == ARRAY_MAX) {
			fprintf(out, "%*s... %zu more\n", 6 + depth * 2, "", n - i);
			break;
		}
		print_field(out, vmc_field_child(f, i), depth + 1, verbose);
	}
}

/*
 * Derived facts, laid out like the fields: a leaf is "name: value", a
 * struct is "name:" over its children, a list of leaves is one line
 * "[a, b, ...]", and each element of a list of structs is one line
 * "- k: v, k: v, k: {k: v, ...}".  By default lists stop after ARRAY_MAX
 * elements ("... N more") and empty lists are left out; --verbose shows
 * every element and writes an empty list as "none".
 */
static void print_fact_value(FILE *out, const vmc_field *f)
{
	switch (vmc_field_kind(f)) {
	case VMC_FIELD_UINT:
		fprintf(out, "%" PRIu64, vmc_field_uint(f));
		if (vmc_field_uint(f) > 9)
			fprintf(out, " (0x%" PRIx64 ")", vmc_field_uint(f));
		break;
	case VMC_FIELD_INT:
		fprintf(out, "%" PRId64, vmc_field_int(f));
		break;
	case VMC_FIELD_BOOL:
		fprintf(out, "%s", vmc_field_uint(f) ? "true" : "false");
		break;
	case VMC_FIELD_STRING:
		fprintf(out, "%s", vmc_field_string(f));
		break;
	default:
		break;
	}
}

static int fact_is_leaf(const vmc_field *f)
{
	uint32_t k = vmc_field_kind(f);
	return k != VMC_FIELD_STRUCT && k != VMC_FIELD_ARRAY && k != VMC_FIELD_SUBSECTION;
}

static int fact_is_list(const vmc_field *f)
{
	return vmc_field_kind(f) == VMC_FIELD_ARRAY;
}

/* Elements shown of a list of n. */
static size_t fact_shown(size_t n, int verbose)
{
	return verbose || n <= ARRAY_MAX ? n : ARRAY_MAX;
}

static void print_fact_more(FILE *out, size_t shown, size_t n)
{
	if (shown < n)
		fprintf(out, "%s... %zu more", shown ? ", " : "", n - shown);
}

/* One value on the current line: a leaf, "[...]" or "{k: v, ...}". */
static void print_fact_inline(FILE *out, const vmc_field *f, int verbose)
{
	size_t i, n = vmc_field_child_count(f), shown = fact_shown(n, verbose);

	if (fact_is_leaf(f)) {
		print_fact_value(out, f);
		return;
	}
	if (fact_is_list(f)) {
		fprintf(out, "[");
		for (i = 0; i < shown; i++) {
			fprintf(out, i ? ", " : "");
			print_fact_inline(out, vmc_field_child(f, i), verbose);
		}
		print_fact_more(out, shown, n);
		fprintf(out, "]");
		return;
	}
	fprintf(out, "{");
	for (i = 0; i < n; i++) {
		const vmc_field *c = vmc_field_child(f, i);
		if (!verbose && fact_is_list(c) && !vmc_field_child_count(c))
			continue;
		fprintf(out, "%s%s: ", i ? ", " : "", vmc_field_name(c));
		print_fact_inline(out, c, verbose);
	}
	fprintf(out, "}");
}

/* Element i of a list of structs: the struct's members on one line. */
static void print_fact_element(FILE *out, const vmc_field *e, int depth, int verbose)
{
	size_t i, n = vmc_field_child_count(e), col = 0;

	fprintf(out, "%*s- ", 6 + 2 * depth, "");
	if (fact_is_leaf(e) || fact_is_list(e)) {
		print_fact_inline(out, e, verbose);
		fprintf(out, "\n");
		return;
	}
	for (i = 0; i < n; i++) {
		const vmc_field *c = vmc_field_child(e, i);
		if (!verbose && fact_is_list(c) && !vmc_field_child_count(c))
			continue;
		fprintf(out, "%s%s: ", col++ ? ", " : "", vmc_field_name(c));
		print_fact_inline(out, c, verbose);
	}
	fprintf(out, "\n");
}

static void print_facts(FILE *out, const vmc_field *f, int depth, int verbose)
{
	size_t i, n = vmc_field_child_count(f);

	for (i = 0; i < n; i++) {
		const vmc_field *c = vmc_field_child(f, i);
		size_t j, m = vmc_field_child_count(c), shown = fact_shown(m, verbose);
		int leaves = 1;

		for (j = 0; j < m; j++)
			leaves &= fact_is_leaf(vmc_field_child(c, j));
		if (fact_is_list(c) && m == 0) {
			if (verbose)
				fprintf(out, "%*s%s: none\n", 6 + 2 * depth, "", vmc_field_name(c));
		} else if (fact_is_leaf(c) || (fact_is_list(c) && leaves)) {
			fprintf(out, "%*s%s: ", 6 + 2 * depth, "", vmc_field_name(c));
			print_fact_inline(out, c, verbose);
			fprintf(out, "\n");
		} else if (fact_is_list(c)) {
			fprintf(out, "%*s%s (%zu):\n", 6 + 2 * depth, "", vmc_field_name(c), m);
			for (j = 0; j < shown; j++)
				print_fact_element(out, vmc_field_child(c, j), depth + 1, verbose);
			if (shown < m)
				fprintf(out, "%*s... %zu more\n", 8 + 2 * depth, "", m - shown);
		} else {
			fprintf(out, "%*s%s:\n", 6 + 2 * depth, "", vmc_field_name(c));
			print_facts(out, c, depth + 1, verbose);
		}
	}
}

static void print_container(FILE *out, const vmc_stream *s)
{
	const vmc_container *c = vmc_stream_container(s);

	fprintf(out, "container:    %s", vmc_container_kind(c));
	if (vmc_container_is_libvirt(c)) {
		fprintf(out, " save image%s (version %u, was_running %u, format %u = %s, "
			     "%u bytes of XML and cookie)",
			vmc_container_is_partial(c) ? " (UNFINISHED: LibvirtQemudPart)" : "",
			vmc_container_libvirt_version(c), vmc_container_libvirt_was_running(c),
			vmc_container_libvirt_format(c), vmc_container_compression(c),
			vmc_container_libvirt_data_len(c));
	}
	fprintf(out, "\n");
}

static void print_ram(FILE *out, const vmc_stream *s)
{
	size_t i, n = vmc_stream_ramblock_count(s);

	if (!n)
		return;
	fprintf(out, "ramblocks:    %zu, total %" PRIu64 " bytes\n", n, vmc_stream_ram_total(s));
	fprintf(out, "  %-44s %12s %9s %9s %7s %7s\n", "NAME", "USED_LENGTH", "ZERO", "NORMAL",
		"XBZRLE", "COMPR");
	for (i = 0; i < n; i++) {
		const vmc_ramblock *b = vmc_stream_ramblock(s, i);
		fprintf(out, "  %-44s %12" PRIu64 " %9" PRIu64 " %9" PRIu64 " %7" PRIu64
			     " %7" PRIu64 "\n",
			vmc_ramblock_name(b), vmc_ramblock_used_length(b),
			vmc_ramblock_pages(b, VMC_PAGE_ZERO), vmc_ramblock_pages(b, VMC_PAGE_NORMAL),
			vmc_ramblock_pages(b, VMC_PAGE_XBZRLE),
			vmc_ramblock_pages(b, VMC_PAGE_COMPRESSED));
	}
}

void decode_print_text(FILE *out, const vmc_stream *s, const char *input, int verbose)
{
	size_t i, n;

	fprintf(out, "input:        %s\n", input);
	print_container(out, s);
	fprintf(out, "stream:       %" PRIu64 " bytes, format version %u\n", vmc_stream_size(s),
		vmc_stream_file_version(s));
	fprintf(out, "machine type: %s\n",
		vmc_stream_machine_type(s) ? vmc_stream_machine_type(s) : "(no configuration)");
	n = vmc_stream_capability_count(s);
	if (n) {
		fprintf(out, "capabilities:");
		for (i = 0; i < n; i++)
			fprintf(out, " %s", vmc_stream_capability(s, i));
		fprintf(out, "\n");
	}
	if (vmc_stream_has_vmdesc(s))
		fprintf(out, "vmdesc:       %" PRIu64 " bytes of JSON at offset %" PRIu64
			     ", page size %u\n",
			vmc_stream_vmdesc_size(s), vmc_stream_vmdesc_offset(s),
			vmc_stream_page_size(s));
	else
		fprintf(out, "vmdesc:       none\n");
	for (i = 0; i < vmc_stream_command_count(s); i++) {
		const char *name;
		uint16_t cmd, len;
		uint64_t off;
		vmc_stream_command(s, i, &cmd, &name, &len, &off);
		fprintf(out, "command:      %s (%u), %u bytes, at offset %" PRIu64 "\n", name, cmd,
			len, off);
	}
	print_ram(out, s);

	n = vmc_stream_section_count(s);
	fprintf(out, "sections:     %zu\n", n);
	fprintf(out, "  %4s %-44s %4s %4s %9s %s\n", "ID", "IDSTR", "INST", "VER", "SIZE", "BODY");
	for (i = 0; i < n; i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		fprintf(out, "  %4u %-44s %4u %4u %9" PRIu64 " %s", vmc_section_id(sec),
			vmc_section_idstr(sec), vmc_section_instance_id(sec),
			vmc_section_version_id(sec), vmc_section_size(sec),
			body_name(vmc_section_body(sec)));
		if (vmc_section_is_iterative(sec))
			fprintf(out, " (%u records)", vmc_section_record_count(sec));
		fprintf(out, "\n");
	}

	fprintf(out, "devices:\n");
	for (i = 0; i < n; i++) {
		const vmc_section *sec = vmc_stream_section(s, i);
		const vmc_field *root = vmc_section_fields(sec);
		size_t j, len;
		const uint8_t *data;

		if (vmc_section_is_iterative(sec))
			continue;
		fprintf(out, "  %s (instance %u, version %u%s%s)\n", vmc_section_idstr(sec),
			vmc_section_instance_id(sec), vmc_section_version_id(sec),
			vmc_section_vmsd_name(sec) ? ", vmsd " : "",
			vmc_section_vmsd_name(sec) ? vmc_section_vmsd_name(sec) : "");
		if (root) {
			for (j = 0; j < vmc_field_child_count(root); j++)
				print_field(out, vmc_field_child(root, j), 0, verbose);
		} else {
			data = vmc_section_data(sec, &len);
			fprintf(out, "    (undescribed) ");
			print_hex(out, data, len, verbose ? SIZE_MAX : HEX_MAX);
			fprintf(out, "\n");
		}
		if (vmc_section_facts(sec)) {
			fprintf(out, "    %s facts:\n", vmc_field_name(vmc_section_facts(sec)));
			print_facts(out, vmc_section_facts(sec), 0, verbose);
		}
	}
	n = vmc_stream_note_count(s);
	for (i = 0; i < n; i++)
		fprintf(out, "note: %s\n", vmc_stream_note(s, i));
}
