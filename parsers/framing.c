/*
 * framing.c - the QEMU migration stream's record structure.
 *
 * Stage: stream framing (after containers, before vmstate decoding).
 * Input: a source positioned at "QEVM".  Output: the vmc_stream's header
 * facts, configuration, sections, commands, RAM (through ram.c), the held
 * device bytes and the vmdesc, with every FULL section body decoded through
 * vmstate/vmdesc_decode.c.  Implements stream-format.md §1-§6 and §8,
 * mirroring qemu_loadvm_state() in QEMU's migration/savevm.c.
 *
 *   OFFSET  SIZE  FIELD
 *   0       4     magic "QEVM" (0x5145564d)
 *   4       4     version 3
 *   8       ...   records: u8 type, then
 *                   0x07 CONFIGURATION  be32 len, name, subsections (§3)
 *                   0x01 START, 0x04 FULL  be32 id, u8+idstr, be32 instance,
 *                                          be32 version, payload, footer
 *                   0x02 PART, 0x03 END    be32 id, payload, footer
 *                   0x08 COMMAND        be16 cmd, be16 len, len bytes
 *                   0x00 EOF            then optionally:
 *                   0x06 VMDESCRIPTION  be32 len, len bytes of JSON
 *                 footer: 0x7e, be32 id (absent for machine types <= 2.3)
 *
 * Why the device bytes are held: a FULL section carries no length; only the
 * vmdesc JSON, which comes last, says how long each field is.  So from the
 * first FULL record (or EOF) to the end of the input everything is read into
 * memory, bounded by limits.max_device_state.  RAM comes before that point in
 * every precopy stream and is never held.  The vmdesc is found by scanning
 * back from the end for its 0x06 marker: JSON text cannot contain a raw 0x06
 * byte, so the last 0x06 whose be32 length reaches exactly to the end (and
 * that follows the EOF byte) is it; the length's own bytes may be 0x06.
 *
 * Without a vmdesc (suppress-vmdesc, or a description that lacks a section),
 * a body's end is found by scanning for its footer (0x7e + its section id)
 * followed by a plausible record header; such bodies are kept as bytes and
 * the section says so (VMC_BODY_RAW) and a note records it.  The same scan
 * skips iterative sections other than "ram", whose formats are not decoded.
 */
#include "../lib/stream.h"
#include "../vmstate/schema_decode.h"
#include "../vmstate/vmdesc_decode.h"
#include "../vmstate/virtio_facts.h"
#include "ram.h"

#include <string.h>

#define QEMU_VM_FILE_MAGIC 0x5145564du
#define QEMU_VM_FILE_VERSION 3u
#define QEMU_VM_FILE_VERSION_COMPAT 2u

enum {
	T_EOF = 0x00,
	T_START = 0x01,
	T_PART = 0x02,
	T_END = 0x03,
	T_FULL = 0x04,
	T_SUBSECTION = 0x05,
	T_VMDESC = 0x06,
	T_CONFIG = 0x07,
	T_COMMAND = 0x08,
	T_FOOTER = 0x7e
};

#define CMD_PACKAGED 7u
#define CMD_MAX 11u
#define MACHINE_NAME_MAX 256u
#define CAPABILITIES_MAX 64u
/* Bytes a plausibility check may look at after a footer: type, id, idstr,
 * instance, version. */
#define RECORD_HEADER_MAX (1u + 4u + 1u + 255u + 4u + 4u)

typedef struct framing {
	vmc_stream *s;
	vmc_ctx *ctx;
	vmc__ram ram;
	int held;            /* reading the held tail                       */
	size_t records_end;  /* held: tail bytes before the vmdesc          */
	uint64_t records;    /* records seen                                */
} framing;

static const char *type_name(uint8_t t)
{
	static const char *const names[] = {"EOF",    "SECTION_START", "SECTION_PART",
					    "SECTION_END", "SECTION_FULL", "SUBSECTION",
					    "VMDESCRIPTION", "CONFIGURATION", "COMMAND"};
	return t < 9 ? names[t] : "unknown";
}

/* ---- header and configuration (§2, §3) ------------------------------- */

static int read_header(framing *f, vmc__source *src)
{
	uint32_t magic, version;

	VMC_TRY(vmc__source_be32(src, &magic, "stream magic QEVM"));
	VMC_FAIL_IF(magic != QEMU_VM_FILE_MAGIC, f->ctx, VMC_EMALFORMED, 0,
		    "expected stream magic 0x5145564d (QEVM), found 0x%08x", magic);
	VMC_TRY(vmc__source_be32(src, &version, "stream version"));
	VMC_FAIL_IF(version == QEMU_VM_FILE_VERSION_COMPAT, f->ctx, VMC_EUNSUPPORTED, 4,
		    "expected stream version 3, found 2 (the obsolete SaveVM v2 format)");
	VMC_FAIL_IF(version != QEMU_VM_FILE_VERSION, f->ctx, VMC_EMALFORMED, 4,
		    "expected stream version 3, found %u", version);
	f->s->file_version = version;
	return VMC_OK;
}

/* Peek a subsection header of the configuration vmsd: 1 if the next bytes
 * are 0x05 + a counted name starting with "configuration/", *len_out the
 * header length before the version. */
static int peek_config_subsection(vmc__source *src, char name[256], size_t *hdr_len)
{
	const uint8_t *p;
	size_t avail;
	uint8_t n;

	VMC_TRY(vmc__source_peek(src, 2 + 255, &p, &avail));
	if (avail < 2 || p[0] != T_SUBSECTION)
		return 0;
	n = p[1];
	if (avail < 2u + n)
		return 0;
	memcpy(name, p + 2, n);
	name[n] = '\0';
	/* QEMU's vmstate_subsection_load stops quietly at a name that does not
	 * start with the parent's: the bytes are then the next record's. */
	if (strncmp(name, "configuration/", 14) != 0)
		return 0;
	*hdr_len = 2u + n;
	return 1;
}

static int read_configuration(framing *f, vmc__source *src)
{
	vmc_stream *s = f->s;
	uint64_t at = vmc__source_offset(src);
	char name[256];
	uint32_t len;
	char *machine;
	size_t hdr;
	int rc;

	VMC_TRY(vmc__source_be32(src, &len, "machine type length"));
	VMC_FAIL_IF(len == 0 || len > MACHINE_NAME_MAX, f->ctx, VMC_EMALFORMED, at,
		    "expected a machine type name of 1..%u bytes, found length %u",
		    MACHINE_NAME_MAX, len);
	machine = vmc__arena_alloc(&s->arena, (size_t)len + 1);
	if (!machine)
		return VMC_ENOMEM;
	VMC_TRY(vmc__source_read(src, machine, len, "machine type name"));
	s->machine_type = machine;

	while ((rc = peek_config_subsection(src, name, &hdr)) == 1) {
		uint64_t sub_at = vmc__source_offset(src);
		uint32_t version;

		VMC_TRY(vmc__source_skip(src, hdr, "configuration subsection header"));
		VMC_TRY(vmc__source_be32(src, &version, "configuration subsection version"));
		if (strcmp(name, "configuration/target-page-bits") == 0) {
			VMC_TRY(vmc__source_be32(src, &s->target_page_bits, "target page bits"));
		} else if (strcmp(name, "configuration/capabilities") == 0) {
			uint32_t count, i;
			uint64_t cat = vmc__source_offset(src);

			VMC_TRY(vmc__source_be32(src, &count, "capability count"));
			VMC_FAIL_IF(count > CAPABILITIES_MAX, f->ctx, VMC_EMALFORMED, cat,
				    "expected at most %u capabilities, found %u",
				    CAPABILITIES_MAX, count);
			s->caps = vmc__arena_alloc(&s->arena, sizeof(*s->caps) * (count ? count : 1));
			if (!s->caps)
				return VMC_ENOMEM;
			for (i = 0; i < count; i++) {
				char cap[256];
				uint8_t n;
				VMC_TRY(vmc__source_counted_string(src, cap, &n, "capability name"));
				s->caps[i] = vmc__arena_strndup(&s->arena, cap, n);
				if (!s->caps[i])
					return VMC_ENOMEM;
				if (strcmp(cap, "x-ignore-shared") == 0)
					f->ram.ignore_shared = 1;
				VMC_FAIL_IF(strcmp(cap, "mapped-ram") == 0, f->ctx,
					    VMC_EUNSUPPORTED, cat,
					    "expected a sequential stream, found capability "
					    "mapped-ram (pages at file offsets; not supported)");
			}
			s->ncaps = count;
		} else if (strcmp(name, "configuration/uuid") == 0) {
			VMC_TRY(vmc__source_read(src, s->uuid, 16, "VM UUID"));
			s->has_uuid = 1;
		} else {
			return VMC_FAIL(f->ctx, VMC_EUNSUPPORTED, sub_at,
					"expected a known configuration subsection, found '%s' "
					"(its length is not in the stream)",
					name);
		}
	}
	return rc < 0 ? rc : VMC_OK;
}

/* ---- section bookkeeping --------------------------------------------- */

static int new_section(framing *f, vmc__source *src, uint8_t type, uint64_t at,
		       vmc_section **out)
{
	vmc_stream *s = f->s;
	char idstr[256];
	uint32_t id, instance, version;
	uint8_t n;
	vmc_section *sec;

	VMC_TRY(vmc__source_be32(src, &id, "section id"));
	VMC_TRY(vmc__source_counted_string(src, idstr, &n, "section idstr"));
	VMC_TRY(vmc__source_be32(src, &instance, "section instance id"));
	VMC_TRY(vmc__source_be32(src, &version, "section version id"));
	VMC_FAIL_IF(n == 0, f->ctx, VMC_EMALFORMED, at + 5,
		    "expected a non-empty section idstr, found length 0");
	if (type == T_START) {
		vmc_section *old = vmc__stream_section_by_id(s, id);
		VMC_FAIL_IF(old && old->iterative && !old->ended, f->ctx, VMC_EMALFORMED, at,
			    "expected a new section id in SECTION_START, found id %u already "
			    "open for '%s'",
			    id, old->idstr);
	}
	VMC_FAIL_IF(s->nsections >= f->ctx->limits.max_sections, f->ctx, VMC_ELIMIT, at,
		    "limit max_sections exceeded: more than %u sections",
		    f->ctx->limits.max_sections);
	VMC_TRY(vmc__stream_add_section(s, &sec));
	sec->section_id = id;
	sec->instance_id = instance;
	sec->version_id = version;
	sec->iterative = type == T_START;
	sec->offset = at;
	sec->idstr = vmc__arena_strndup(&s->arena, idstr, n);
	if (!sec->idstr)
		return VMC_ENOMEM;
	*out = sec;
	return VMC_OK;
}

/* ---- footers and footer scanning (§4.1) ------------------------------ */

static int is_section_id(const vmc_stream *s, uint32_t id)
{
	size_t i;
	for (i = 0; i < s->nsections; i++)
		if (s->sections[i].section_id == id)
			return 1;
	return 0;
}

/* Could a record start at p (len bytes available, end: no more input)? */
static int plausible_record(const vmc_stream *s, const uint8_t *p, size_t len, int end)
{
	size_t i, n;

	/* A footer right at the end of a truncated input ends its section; the
	 * record loop then reports the missing record at that offset. */
	if (len == 0)
		return end;
	switch (p[0]) {
	case T_EOF:
		return (len == 1 && end) || (len > 1 && p[1] == T_VMDESC);
	case T_START:
	case T_FULL:
		if (len < 6)
			return !end;
		n = p[5];
		if (n == 0)
			return 0;
		if (len < 6 + n + 8)
			return !end;
		for (i = 0; i < n; i++)
			if (p[6 + i] < 0x20 || p[6 + i] > 0x7e)
				return 0;
		return 1;
	case T_PART:
	case T_END:
		if (len < 5)
			return !end;
		return is_section_id(s, vmc__load_be32(p + 1));
	case T_COMMAND:
		if (len < 5)
			return !end;
		return vmc__load_be16(p + 1) <= CMD_MAX;
	default:
		return 0;
	}
}

/* First q >= 0 in buf where a footer for id is followed by a plausible
 * record; (size_t)-1 if none.  With !end, positions whose check would need
 * bytes past len are not decided (the caller slides its window). */
static size_t find_footer(const vmc_stream *s, const uint8_t *buf, size_t len, int end,
			  uint32_t id)
{
	size_t q;

	for (q = 0; q + 5 <= len; q++) {
		const uint8_t *hit = memchr(buf + q, T_FOOTER, len - q);
		if (!hit)
			break;
		q = (size_t)(hit - buf);
		if (q + 5 > len)
			break;
		if (!end && len - q < 5 + RECORD_HEADER_MAX)
			break;
		if (vmc__load_be32(buf + q + 1) == id &&
		    plausible_record(s, buf + q + 5, len - q - 5, end))
			return q;
	}
	return (size_t)-1;
}

/* Skip a payload of unknown format on a streaming source up to its footer
 * (left unread).  Bounded by max_section_size. */
static int skip_to_footer(framing *f, vmc__source *src, vmc_section *sec, uint64_t *skipped)
{
	uint64_t start = vmc__source_offset(src);
	size_t window = src->cap;

	VMC_FAIL_IF(f->s->has_footers == 0, f->ctx, VMC_EUNSUPPORTED, start,
		    "expected section footers to find the end of '%s', found a stream "
		    "without them",
		    sec->idstr);
	for (;;) {
		const uint8_t *p;
		size_t avail, q;
		int end;

		VMC_TRY(vmc__source_peek(src, window, &p, &avail));
		end = avail < window;
		q = find_footer(f->s, p, avail, end, sec->section_id);
		if (q != (size_t)-1) {
			VMC_TRY(vmc__source_skip(src, q, "section payload"));
			break;
		}
		VMC_FAIL_IF(end, f->ctx, VMC_EMALFORMED, start,
			    "expected a footer (0x7e, id %u) ending section '%s', found end of "
			    "input",
			    sec->section_id, sec->idstr);
		/* keep the undecided tail of the window for the next round */
		VMC_TRY(vmc__source_skip(src, avail - (5 + RECORD_HEADER_MAX), "section payload"));
		VMC_FAIL_IF(vmc__source_offset(src) - start > f->ctx->limits.max_section_size,
			    f->ctx, VMC_ELIMIT, start,
			    "limit max_section_size exceeded: section '%s' longer than %llu "
			    "bytes",
			    sec->idstr, (unsigned long long)f->ctx->limits.max_section_size);
	}
	*skipped = vmc__source_offset(src) - start;
	return VMC_OK;
}

static int read_footer(framing *f, vmc__source *src, const vmc_section *sec)
{
	vmc_stream *s = f->s;
	const uint8_t *p;
	size_t avail;
	uint64_t at = vmc__source_offset(src);
	uint32_t id;

	VMC_TRY(vmc__source_peek(src, 1, &p, &avail));
	if (avail == 1 && p[0] == T_FOOTER) {
		VMC_TRY(vmc__source_skip(src, 1, "section footer"));
		VMC_TRY(vmc__source_be32(src, &id, "section footer id"));
		VMC_FAIL_IF(id != sec->section_id, f->ctx, VMC_EMALFORMED, at + 1,
			    "expected footer section id %u for '%s', found %u (QEMU: "
			    "\"Mismatched section id in footer\")",
			    sec->section_id, sec->idstr, id);
		s->has_footers = 1;
		return VMC_OK;
	}
	VMC_FAIL_IF(s->has_footers == 1, f->ctx, VMC_EMALFORMED, at,
		    "expected section footer 0x7e after '%s', found %s (QEMU: \"Missing "
		    "section footer\")",
		    sec->idstr, avail ? "another byte" : "end of input");
	s->has_footers = 0;
	return VMC_OK;
}

/* ---- records ------------------------------------------------------- */

static int is_ram(const vmc_section *sec)
{
	return strcmp(sec->idstr, "ram") == 0;
}

static int iterative_payload(framing *f, vmc__source *src, vmc_section *sec)
{
	uint64_t start = vmc__source_offset(src);

	if (is_ram(sec)) {
		sec->body = VMC_BODY_RAM;
		VMC_TRY(vmc__ram_load(&f->ram, f->s, src, sec->version_id));
	} else {
		uint64_t skipped;
		VMC_TRY(skip_to_footer(f, src, sec, &skipped));
		sec->body = VMC_BODY_SKIPPED;
		if (sec->records == 0)
			VMC_TRY(vmc__stream_note(f->s,
						 "section '%s' (iterative, id %u): format not "
						 "decoded; payloads skipped to their footers",
						 sec->idstr, sec->section_id));
	}
	sec->size += vmc__source_offset(src) - start;
	sec->records++;
	return read_footer(f, src, sec);
}

/* A FULL body in the held tail: decoded by its vmdesc description, or
 * delimited by its footer and kept as bytes. */
static int full_payload(framing *f, vmc__source *src, vmc_section *sec)
{
	vmc_stream *s = f->s;
	uint64_t start = vmc__source_offset(src);
	size_t rel = (size_t)(start - s->tail_offset);
	const uint8_t *data = s->tail + rel;
	size_t avail = f->records_end - rel;
	const vmc__vmdesc_device *dev = NULL;
	size_t consumed;

	if (s->vmdesc)
		dev = vmc__vmdesc_find(s->vmdesc, sec->idstr, sec->instance_id);
	if (dev && !(s->opts.flags & VMC_READ_NO_FIELDS)) {
		int rc = vmc__vmdesc_decode(&sec->fields, &consumed, &s->arena, dev, data, avail,
					    start, sec->idstr, &s->field_budget);
		if (rc < 0) {
			vmc__error_set_path(f->ctx, sec->idstr);
			return rc;
		}
		sec->body = VMC_BODY_DECODED;
	} else {
		size_t q;

		VMC_FAIL_IF(s->has_footers == 0, f->ctx, VMC_EUNSUPPORTED, start,
			    "expected a vmdesc or section footers to find the end of '%s', "
			    "found neither",
			    sec->idstr);
		q = find_footer(s, data, avail, 1, sec->section_id);
		VMC_FAIL_IF(q == (size_t)-1, f->ctx, VMC_EMALFORMED, start,
			    "expected a footer (0x7e, id %u) ending section '%s', found none",
			    sec->section_id, sec->idstr);
		consumed = q;
		sec->body = VMC_BODY_RAW;
		if (s->vmdesc)
			VMC_TRY(vmc__stream_note(s,
						 "section '%s' instance %u is not in the vmdesc: "
						 "body delimited by its footer, kept as bytes",
						 sec->idstr, sec->instance_id));
	}
	if (dev) {
		sec->vmsd_name = dev->vmsd_name;
		if (dev->has_version && dev->version != sec->version_id)
			VMC_TRY(vmc__stream_note(s,
						 "section '%s': header version %u but vmdesc "
						 "version %u",
						 sec->idstr, sec->version_id, dev->version));
	}
	VMC_FAIL_IF(consumed > f->ctx->limits.max_section_size, f->ctx, VMC_ELIMIT, start,
		    "limit max_section_size exceeded: section '%s' is %zu bytes", sec->idstr,
		    consumed);
	sec->data = data;
	sec->data_len = consumed;
	sec->size = consumed;
	sec->records = 1;
	VMC_TRY(vmc__source_skip(src, consumed, "section body"));
	return read_footer(f, src, sec);
}

static int command_record(framing *f, vmc__source *src, uint64_t at)
{
	uint16_t cmd, len;

	VMC_TRY(vmc__source_be16(src, &cmd, "command number"));
	VMC_TRY(vmc__source_be16(src, &len, "command data length"));
	/* PACKAGED wraps a nested stream whose length is in the data. */
	VMC_FAIL_IF(cmd == CMD_PACKAGED, f->ctx, VMC_EUNSUPPORTED, at,
		    "expected a precopy stream, found a postcopy PACKAGED command");
	VMC_FAIL_IF(cmd == 0 || cmd > CMD_MAX, f->ctx, VMC_EMALFORMED, at + 1,
		    "expected a command number 1..%u, found %u", CMD_MAX, cmd);
	VMC_TRY(vmc__source_skip(src, len, "command data"));
	return vmc__stream_add_command(f->s, cmd, len, at);
}

/* PART/END: continue an open iterative section. */
static int continue_section(framing *f, vmc__source *src, uint8_t type, uint64_t at)
{
	uint32_t id;
	vmc_section *sec;

	VMC_TRY(vmc__source_be32(src, &id, "section id"));
	sec = vmc__stream_section_by_id(f->s, id);
	VMC_FAIL_IF(!sec || !sec->iterative || sec->ended, f->ctx, VMC_EMALFORMED, at + 1,
		    "expected the id of an open iterative section in %s, found %u (QEMU: "
		    "\"Unknown savevm section %u\")",
		    type_name(type), id, id);
	if (type == T_END)
		sec->ended = 1;
	return iterative_payload(f, src, sec);
}

/*
 * Hold everything from the current position to the end of input (bounded),
 * then locate the vmdesc by scanning back for its marker.
 */
static int hold_tail(framing *f, vmc__source *src)
{
	vmc_stream *s = f->s;
	vmc_ctx *ctx = f->ctx;
	uint64_t limit = ctx->limits.max_device_state;
	size_t cap = 1u << 20, len = 0, p, lo;
	uint8_t *buf;

	s->tail_offset = vmc__source_offset(src);
	buf = vmc__malloc(ctx, cap);
	if (!buf)
		return VMC_ENOMEM;
	s->tail = buf;
	for (;;) {
		const uint8_t *q;
		size_t avail;

		VMC_TRY(vmc__source_peek(src, src->cap, &q, &avail));
		if (avail == 0)
			break;
		VMC_FAIL_IF((uint64_t)len + avail > limit, ctx, VMC_ELIMIT, s->tail_offset,
			    "limit max_device_state exceeded: more than %llu bytes of device "
			    "state from this offset",
			    (unsigned long long)limit);
		if (len + avail > cap) {
			while (len + avail > cap)
				cap *= 2;
			buf = vmc__reallocarray(ctx, s->tail, cap, 1);
			if (!buf)
				return VMC_ENOMEM;
			s->tail = buf;
		}
		memcpy(s->tail + len, q, avail);
		len += avail;
		VMC_TRY(vmc__source_skip(src, avail, "device state"));
	}
	s->tail_len = len;

	/* vmdesc: the last 0x06 whose be32 length reaches the end, preceded by
	 * the EOF byte. */
	f->records_end = len;
	lo = len > ctx->limits.max_vmdesc_size + 5 ? len - (size_t)ctx->limits.max_vmdesc_size - 5
						    : 0;
	/* JSON holds no 0x06, but the be32 length in front of it may (a
	 * length of 0x0000b506): a 0x06 whose length does not reach the end is
	 * passed over, not taken as the end of the search. */
	for (p = len >= 5 ? len - 5 : 0; len >= 6 && p >= lo && p >= 1; p--) {
		if (s->tail[p] != T_VMDESC)
			continue;
		if (vmc__load_be32(s->tail + p + 1) == len - p - 5 && s->tail[p - 1] == T_EOF) {
			f->records_end = p;
			s->has_vmdesc = 1;
			s->vmdesc_offset = s->tail_offset + p;
			s->vmdesc_size = len - p - 5;
			break;
		}
	}
	if (s->has_vmdesc) {
		size_t at = f->records_end + 5;
		VMC_TRY(vmc__vmdesc_parse(&s->vmdesc, ctx, s->tail + at, (size_t)s->vmdesc_size,
					  s->tail_offset + at));
		s->vmdesc_page_size = vmc__vmdesc_page_size(s->vmdesc);
		if (s->vmdesc_page_size && s->vmdesc_page_size != s->page_size)
			VMC_TRY(vmc__stream_note(s,
						 "vmdesc page_size is %u but RAM was split with "
						 "page size %u",
						 s->vmdesc_page_size, s->page_size));
	}
	return VMC_OK;
}

/* After EOF in the held tail: nothing, or the vmdesc located before. */
static int after_eof(framing *f, vmc__source *src)
{
	vmc_stream *s = f->s;
	uint64_t at = vmc__source_offset(src);
	size_t rel = (size_t)(at - s->tail_offset);
	uint8_t marker;
	uint32_t len;

	if (rel == s->tail_len)
		return VMC_OK; /* no vmdesc (suppress-vmdesc) */
	if (s->has_vmdesc && rel == f->records_end)
		return VMC_OK;
	/* Something follows EOF that is not a well-formed vmdesc: say what. */
	VMC_TRY(vmc__source_u8(src, &marker, "vmdesc marker"));
	VMC_FAIL_IF(marker != T_VMDESC, f->ctx, VMC_EMALFORMED, at,
		    "expected end of input or the vmdesc marker 0x06 after EOF, found 0x%02x",
		    marker);
	VMC_TRY(vmc__source_be32(src, &len, "vmdesc length"));
	VMC_FAIL_IF(len > f->ctx->limits.max_vmdesc_size, f->ctx, VMC_ELIMIT, at + 1,
		    "limit max_vmdesc_size exceeded: vmdesc of %u bytes (limit %llu)", len,
		    (unsigned long long)f->ctx->limits.max_vmdesc_size);
	return VMC_FAIL(f->ctx, VMC_EMALFORMED, at + 1,
			"expected vmdesc JSON of %u bytes to end the input, found %llu bytes", len,
			(unsigned long long)(s->tail_len - rel - 5));
}

static int end_of_input(framing *f, uint64_t at)
{
	if (f->s->container.partial)
		return VMC_FAIL(f->ctx, VMC_EMALFORMED, at,
				"expected a record type byte, found end of input (the libvirt "
				"image is marked unfinished: LibvirtQemudPart)");
	return VMC_FAIL(f->ctx, VMC_EMALFORMED, at,
			"expected a record type byte, found end of input");
}

/* The record loop over src; on the streaming source it switches to the held
 * tail at the first FULL record or EOF. */
static int read_records(framing *f, vmc__source *src, vmc__source *tail_src,
			vmc__mem_reader *tail_reader)
{
	vmc_stream *s = f->s;

	for (;;) {
		uint64_t at = vmc__source_offset(src);
		const uint8_t *p;
		size_t avail;
		uint8_t type;
		vmc_section *sec;

		if (f->held && (size_t)(at - s->tail_offset) >= f->records_end)
			return end_of_input(f, at);
		VMC_TRY(vmc__source_peek(src, 1, &p, &avail));
		if (avail == 0)
			return end_of_input(f, at);
		type = p[0];
		if (!f->held && (type == T_FULL || type == T_EOF)) {
			VMC_TRY(hold_tail(f, src));
			tail_reader->data = s->tail;
			tail_reader->len = f->records_end;
			tail_reader->pos = 0;
			f->held = 1;
			/* Offsets continue: the held source starts where we are. */
			tail_src->base = s->tail_offset;
			src = tail_src;
			continue;
		}
		VMC_TRY(vmc__source_skip(src, 1, "record type"));
		f->records++;
		if (type < 9)
			s->record_counts[type]++;
		switch (type) {
		case T_CONFIG:
			VMC_FAIL_IF(f->records != 1, f->ctx, VMC_EMALFORMED, at,
				    "expected the configuration section only right after the "
				    "header, found it as record %llu",
				    (unsigned long long)f->records);
			VMC_TRY(read_configuration(f, src));
			break;
		case T_START:
			VMC_TRY(new_section(f, src, type, at, &sec));
			VMC_TRY(iterative_payload(f, src, sec));
			break;
		case T_FULL:
			VMC_TRY(new_section(f, src, type, at, &sec));
			VMC_TRY(full_payload(f, src, sec));
			break;
		case T_PART:
		case T_END:
			VMC_TRY(continue_section(f, src, type, at));
			break;
		case T_COMMAND:
			VMC_TRY(command_record(f, src, at));
			break;
		case T_EOF:
			return after_eof(f, src);
		default:
			return VMC_FAIL(f->ctx, VMC_EMALFORMED, at,
					"expected a record type (0x00-0x04, 0x07, 0x08), found "
					"0x%02x%s",
					type,
					type == T_SUBSECTION || type == T_VMDESC || type == T_FOOTER
						? " out of place"
						: "");
		}
	}
}

/* Cross-check the vmdesc's device list against the sections read. */
static int check_vmdesc_coverage(framing *f)
{
	vmc_stream *s = f->s;
	size_t i, n;

	if (!s->vmdesc)
		return VMC_OK;
	n = vmc__vmdesc_device_count(s->vmdesc);
	for (i = 0; i < n; i++) {
		const vmc__vmdesc_device *d = vmc__vmdesc_device_at(s->vmdesc, i);
		size_t j;
		int found = 0;

		for (j = 0; j < s->nsections && !found; j++)
			found = !s->sections[j].iterative &&
				strcmp(s->sections[j].idstr, d->name) == 0 &&
				s->sections[j].instance_id == d->instance_id;
		if (!found)
			VMC_TRY(vmc__stream_note(s,
						 "vmdesc describes '%s' instance %u, which has no "
						 "section in the stream",
						 d->name, d->instance_id));
	}
	return VMC_OK;
}

int vmc__framing_read(vmc_stream *s, vmc__source *src)
{
	framing f;
	vmc__mem_reader tail_reader = {0};
	vmc__source tail_src;
	int rc;

	memset(&f, 0, sizeof(f));
	f.s = s;
	f.ctx = s->ctx;
	s->has_footers = -1;
	s->field_budget = s->ctx->limits.max_fields;

	VMC_TRY(read_header(&f, src));
	/* The held tail is read through a source of its own so that every parser
	 * works the same on held and streamed bytes. */
	VMC_TRY(vmc__source_init(&tail_src, s->ctx, vmc__mem_read, &tail_reader, 64u * 1024u));
	rc = read_records(&f, src, &tail_src, &tail_reader);
	if (rc == VMC_OK) {
		s->size = s->tail_offset + s->tail_len;
		if (!f.held)
			s->size = vmc__source_offset(src);
		rc = check_vmdesc_coverage(&f);
		if (rc == VMC_OK) /* opaque blobs with a schema (docs/virtio-blob.md) */
			rc = vmc__schema_decode_stream(s);
		if (rc == VMC_OK) /* derived facts (docs/pci-config.md) */
			rc = vmc__virtio_facts_stream(s);
	}
	vmc__source_fini(&tail_src);
	return rc;
}
