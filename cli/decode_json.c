/*
 * decode_json.c - `vmcompat decode --json`: everything as one JSON document,
 * built with json-c from the public API.  The shape is documented in
 * docs/decode-json.md; keys are only ever added.
 */
#include "cli.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#define JSON_FORMAT_VERSION 1

static json_object *hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *buf = malloc(n * 2 + 1);
	json_object *o;
	size_t i;

	if (!buf)
		return NULL;
	for (i = 0; i < n; i++) {
		buf[2 * i] = digits[p[i] >> 4];
		buf[2 * i + 1] = digits[p[i] & 15];
	}
	o = json_object_new_string_len(buf, (int)(n * 2));
	free(buf);
	return o;
}

static const char *kind_name(uint32_t kind)
{
	static const char *const names[] = {"uint",   "int",   "bool",       "bytes",
					    "struct", "array", "subsection", "nullptr",
					    "undecoded", "string"};
	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

static void add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

/* Same shape and values (offsets aside): consecutive elements of an array
 * that compare equal are written once with a "repeat" count. */
static int same_value(const vmc_field *a, const vmc_field *b)
{
	size_t i, n = vmc_field_child_count(a), la, lb;
	const uint8_t *ba, *bb;

	if (vmc_field_kind(a) != vmc_field_kind(b) || vmc_field_size(a) != vmc_field_size(b) ||
	    strcmp(vmc_field_name(a), vmc_field_name(b)) != 0 ||
	    strcmp(vmc_field_type(a), vmc_field_type(b)) != 0 ||
	    vmc_field_uint(a) != vmc_field_uint(b) || vmc_field_int(a) != vmc_field_int(b) ||
	    n != vmc_field_child_count(b))
		return 0;
	ba = vmc_field_bytes(a, &la);
	bb = vmc_field_bytes(b, &lb);
	if (la != lb || (la && memcmp(ba, bb, la) != 0))
		return 0;
	if (vmc_field_kind(a) == VMC_FIELD_STRING &&
	    strcmp(vmc_field_string(a), vmc_field_string(b)) != 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!same_value(vmc_field_child(a, i), vmc_field_child(b, i)))
			return 0;
	return 1;
}

static json_object *field_json(const vmc_field *f)
{
	json_object *o = json_object_new_object();
	uint32_t kind = vmc_field_kind(f);
	size_t i, n = vmc_field_child_count(f), len;
	const uint8_t *b;

	add(o, "name", json_object_new_string(vmc_field_name(f)));
	add(o, "type", json_object_new_string(vmc_field_type(f)));
	add(o, "kind", json_object_new_string(kind_name(kind)));
	add(o, "offset", json_object_new_uint64(vmc_field_offset(f)));
	add(o, "size", json_object_new_uint64(vmc_field_size(f)));
	switch (kind) {
	case VMC_FIELD_UINT:
		add(o, "value", json_object_new_uint64(vmc_field_uint(f)));
		break;
	case VMC_FIELD_INT:
		add(o, "value", json_object_new_int64(vmc_field_int(f)));
		break;
	case VMC_FIELD_BOOL:
		add(o, "value", json_object_new_boolean(vmc_field_uint(f) != 0));
		break;
	case VMC_FIELD_NULLPTR:
		add(o, "value", NULL);
		break;
	case VMC_FIELD_STRING:
		add(o, "value", json_object_new_string(vmc_field_string(f)));
		break;
	case VMC_FIELD_BYTES:
	case VMC_FIELD_UNDECODED:
		b = vmc_field_bytes(f, &len);
		add(o, "hex", hex(b, len));
		break;
	default: {
		json_object *arr = json_object_new_array_ext((int)n);
		if (kind == VMC_FIELD_STRUCT || kind == VMC_FIELD_SUBSECTION)
			add(o, "version", json_object_new_int64(vmc_field_version(f)));
		for (i = 0; i < n;) {
			const vmc_field *e = vmc_field_child(f, i);
			json_object *ej = field_json(e);
			size_t k = 1;

			if (kind == VMC_FIELD_ARRAY)
				while (i + k < n && same_value(e, vmc_field_child(f, i + k)))
					k++;
			if (k > 1) {
				add(ej, "index", json_object_new_uint64(i));
				add(ej, "repeat", json_object_new_uint64(k));
			}
			json_object_array_add(arr, ej);
			i += k;
		}
		add(o, kind == VMC_FIELD_ARRAY ? "elements" : "fields", arr);
		break;
	}
	}
	return o;
}

/* Derived facts as plain JSON (docs/decode-json.md "facts"): a struct is an
 * object keyed by child names, an array an array, a leaf its value. */
static json_object *facts_json(const vmc_field *f)
{
	size_t i, n = vmc_field_child_count(f), len;
	json_object *o;
	const uint8_t *b;

	switch (vmc_field_kind(f)) {
	case VMC_FIELD_UINT:
		return json_object_new_uint64(vmc_field_uint(f));
	case VMC_FIELD_INT:
		return json_object_new_int64(vmc_field_int(f));
	case VMC_FIELD_BOOL:
		return json_object_new_boolean(vmc_field_uint(f) != 0);
	case VMC_FIELD_STRING:
		return json_object_new_string(vmc_field_string(f));
	case VMC_FIELD_BYTES:
	case VMC_FIELD_UNDECODED:
		b = vmc_field_bytes(f, &len);
		return hex(b, len);
	case VMC_FIELD_ARRAY:
		o = json_object_new_array_ext((int)n);
		for (i = 0; i < n; i++)
			json_object_array_add(o, facts_json(vmc_field_child(f, i)));
		return o;
	case VMC_FIELD_STRUCT:
	case VMC_FIELD_SUBSECTION:
		o = json_object_new_object();
		for (i = 0; i < n; i++)
			add(o, vmc_field_name(vmc_field_child(f, i)),
			    facts_json(vmc_field_child(f, i)));
		return o;
	default:
		return NULL;
	}
}

static json_object *container_json(const vmc_container *c)
{
	json_object *o = json_object_new_object();

	add(o, "kind", json_object_new_string(vmc_container_kind(c)));
	add(o, "compression", json_object_new_string(vmc_container_compression(c)));
	add(o, "header_size", json_object_new_uint64(vmc_container_header_size(c)));
	if (vmc_container_is_libvirt(c)) {
		json_object *lv = json_object_new_object();
		const char *xml = vmc_container_libvirt_xml(c);
		const char *cookie = vmc_container_libvirt_cookie(c);

		add(lv, "partial", json_object_new_boolean(vmc_container_is_partial(c)));
		add(lv, "version", json_object_new_int64(vmc_container_libvirt_version(c)));
		add(lv, "data_len", json_object_new_int64(vmc_container_libvirt_data_len(c)));
		add(lv, "was_running", json_object_new_int64(vmc_container_libvirt_was_running(c)));
		add(lv, "format", json_object_new_int64(vmc_container_libvirt_format(c)));
		add(lv, "cookie_offset",
		    json_object_new_int64(vmc_container_libvirt_cookie_offset(c)));
		add(lv, "xml", xml ? json_object_new_string(xml) : NULL);
		add(lv, "cookie", cookie ? json_object_new_string(cookie) : NULL);
		add(o, "libvirt", lv);
	}
	return o;
}

static const char *body_name(uint32_t body)
{
	static const char *const names[] = {"decoded", "raw", "skipped", "ram"};
	return body < 4 ? names[body] : "unknown";
}

static json_object *section_json(const vmc_section *sec)
{
	json_object *o = json_object_new_object();
	const vmc_field *root = vmc_section_fields(sec);
	const vmc_field *facts = vmc_section_facts(sec);
	const char *vmsd = vmc_section_vmsd_name(sec);

	add(o, "section_id", json_object_new_int64(vmc_section_id(sec)));
	add(o, "idstr", json_object_new_string(vmc_section_idstr(sec)));
	add(o, "instance_id", json_object_new_int64(vmc_section_instance_id(sec)));
	add(o, "version_id", json_object_new_int64(vmc_section_version_id(sec)));
	add(o, "iterative", json_object_new_boolean(vmc_section_is_iterative(sec)));
	add(o, "offset", json_object_new_uint64(vmc_section_offset(sec)));
	add(o, "size", json_object_new_uint64(vmc_section_size(sec)));
	add(o, "records", json_object_new_int64(vmc_section_record_count(sec)));
	add(o, "body", json_object_new_string(body_name(vmc_section_body(sec))));
	add(o, "vmsd_name", vmsd ? json_object_new_string(vmsd) : NULL);
	if (root) {
		json_object *arr = json_object_new_array();
		size_t i;
		for (i = 0; i < vmc_field_child_count(root); i++)
			json_object_array_add(arr, field_json(vmc_field_child(root, i)));
		add(o, "fields", arr);
	} else if (!vmc_section_is_iterative(sec)) {
		size_t len;
		const uint8_t *d = vmc_section_data(sec, &len);
		add(o, "fields", NULL);
		add(o, "hex", hex(d, len));
	} else {
		add(o, "fields", NULL); /* iterative: RAM is under "ramblocks" */
	}
	if (facts) /* keyed by the facts root's name, e.g. "virtio" */
		add(o, vmc_field_name(facts), facts_json(facts));
	return o;
}

static json_object *ramblock_json(const vmc_ramblock *b)
{
	json_object *o = json_object_new_object(), *pages = json_object_new_object();
	int has_gpa;
	uint64_t gpa = vmc_ramblock_gpa(b, &has_gpa);

	add(o, "name", json_object_new_string(vmc_ramblock_name(b)));
	add(o, "size", json_object_new_uint64(vmc_ramblock_used_length(b)));
	if (vmc_ramblock_page_size(b))
		add(o, "page_size", json_object_new_uint64(vmc_ramblock_page_size(b)));
	if (has_gpa)
		add(o, "gpa", json_object_new_uint64(gpa));
	add(pages, "zero", json_object_new_uint64(vmc_ramblock_pages(b, VMC_PAGE_ZERO)));
	add(pages, "normal", json_object_new_uint64(vmc_ramblock_pages(b, VMC_PAGE_NORMAL)));
	add(pages, "xbzrle", json_object_new_uint64(vmc_ramblock_pages(b, VMC_PAGE_XBZRLE)));
	add(pages, "compressed",
	    json_object_new_uint64(vmc_ramblock_pages(b, VMC_PAGE_COMPRESSED)));
	add(o, "pages", pages);
	return o;
}

int decode_print_json(FILE *out, const vmc_stream *s, const char *input)
{
	static const char *const rec_names[] = {"eof",     "start",  "part",
						"end",     "full",   "subsection",
						"vmdesc",  "configuration", "command"};
	json_object *root = json_object_new_object(), *arr, *o;
	uint8_t uuid[16];
	size_t i, n;
	int rc;

	add(root, "vmcompat", json_object_new_string(VMC_VERSION_STRING));
	add(root, "format", json_object_new_int(JSON_FORMAT_VERSION));
	add(root, "input", json_object_new_string(input));
	add(root, "container", container_json(vmc_stream_container(s)));
	add(root, "stream_size", json_object_new_uint64(vmc_stream_size(s)));
	add(root, "file_version", json_object_new_int64(vmc_stream_file_version(s)));
	add(root, "machine_type", vmc_stream_machine_type(s)
					  ? json_object_new_string(vmc_stream_machine_type(s))
					  : NULL);
	arr = json_object_new_array();
	for (i = 0; i < vmc_stream_capability_count(s); i++)
		json_object_array_add(arr, json_object_new_string(vmc_stream_capability(s, i)));
	add(root, "capabilities", arr);
	if (vmc_stream_uuid(s, uuid))
		add(root, "uuid", hex(uuid, 16));
	else
		add(root, "uuid", NULL);
	add(root, "target_page_bits",
	    vmc_stream_target_page_bits(s) ? json_object_new_int64(vmc_stream_target_page_bits(s))
					   : NULL);
	add(root, "page_size", json_object_new_int64(vmc_stream_page_size(s)));

	o = json_object_new_object();
	add(o, "present", json_object_new_boolean(vmc_stream_has_vmdesc(s)));
	add(o, "offset", json_object_new_uint64(vmc_stream_vmdesc_offset(s)));
	add(o, "size", json_object_new_uint64(vmc_stream_vmdesc_size(s)));
	add(root, "vmdesc", o);

	o = json_object_new_object();
	for (i = 0; i < 9; i++)
		add(o, rec_names[i], json_object_new_uint64(vmc_stream_record_count(s, (uint8_t)i)));
	add(root, "records", o);

	arr = json_object_new_array();
	for (i = 0; i < vmc_stream_command_count(s); i++) {
		const char *name;
		uint16_t cmd, len;
		uint64_t off;
		vmc_stream_command(s, i, &cmd, &name, &len, &off);
		o = json_object_new_object();
		add(o, "cmd", json_object_new_int(cmd));
		add(o, "name", json_object_new_string(name));
		add(o, "len", json_object_new_int(len));
		add(o, "offset", json_object_new_uint64(off));
		json_object_array_add(arr, o);
	}
	add(root, "commands", arr);

	o = json_object_new_object();
	add(o, "total", json_object_new_uint64(vmc_stream_ram_total(s)));
	add(o, "eos", json_object_new_uint64(vmc_stream_ram_markers(s, VMC_RAM_EOS)));
	add(o, "multifd_flush",
	    json_object_new_uint64(vmc_stream_ram_markers(s, VMC_RAM_MULTIFD_FLUSH)));
	add(o, "hook", json_object_new_uint64(vmc_stream_ram_markers(s, VMC_RAM_HOOK)));
	add(root, "ram", o);

	arr = json_object_new_array();
	n = vmc_stream_ramblock_count(s);
	for (i = 0; i < n; i++)
		json_object_array_add(arr, ramblock_json(vmc_stream_ramblock(s, i)));
	add(root, "ramblocks", arr);

	arr = json_object_new_array();
	n = vmc_stream_section_count(s);
	for (i = 0; i < n; i++)
		json_object_array_add(arr, section_json(vmc_stream_section(s, i)));
	add(root, "sections", arr);

	arr = json_object_new_array();
	for (i = 0; i < vmc_stream_note_count(s); i++)
		json_object_array_add(arr, json_object_new_string(vmc_stream_note(s, i)));
	add(root, "notes", arr);

	rc = fputs(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_NOSLASHESCAPE),
		   out) < 0
		     ? -1
		     : 0;
	if (rc == 0 && fputc('\n', out) == EOF)
		rc = -1;
	json_object_put(root);
	return rc;
}
