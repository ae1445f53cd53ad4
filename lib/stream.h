/*
 * stream.h - private: the decoded stream behind the public vmc_stream, and
 * the helpers the parsers use to fill it.
 *
 * A vmc_stream owns an arena (names, field trees, notes), the section and
 * ramblock tables (ctx-allocated, growable), the held device bytes ("tail")
 * and the parsed vmdesc.  Everything a getter returns points into these and
 * lives until vmc_stream_free.
 */
#ifndef VMC_LIB_STREAM_H
#define VMC_LIB_STREAM_H

#include "../parsers/container.h"
#include "../parsers/vmdesc.h"
#include "../vmstate/model.h"

struct vmc_section {
	uint32_t section_id;
	uint32_t instance_id;
	uint32_t version_id;
	const char *idstr;        /* arena                                   */
	int iterative;            /* opened by START                          */
	int ended;                /* END seen (iterative)                     */
	uint64_t offset;          /* stream offset of the first record        */
	uint64_t size;            /* payload bytes over all records           */
	uint32_t records;
	uint32_t body;            /* VMC_BODY_*                               */
	const char *vmsd_name;    /* arena, or NULL                           */
	vmc_field *fields;        /* decoded tree, or NULL                    */
	vmc_field *facts;         /* derived facts, or NULL                   */
	const uint8_t *data;      /* FULL: body bytes inside the held tail    */
	size_t data_len;
};

struct vmc_ramblock {
	const char *name;         /* arena                                   */
	uint64_t used_length;
	uint64_t page_size;       /* 0 when the stream does not carry one     */
	uint64_t gpa;
	int has_gpa;
	uint64_t pages[VMC_PAGE_KIND_COUNT];
};

typedef struct vmc__command {
	uint16_t cmd;
	uint16_t len;
	uint64_t offset;
} vmc__command;

struct vmc_stream {
	vmc_ctx *ctx;
	vmc__arena arena;
	vmc_read_options opts;
	uint32_t page_size;        /* target page size used for RAM flags    */

	vmc_container container;
	uint64_t size;             /* stream bytes read                       */
	uint32_t file_version;
	const char *machine_type;  /* arena, or NULL                          */
	const char **caps;         /* arena array                             */
	size_t ncaps;
	uint8_t uuid[16];
	int has_uuid;
	uint32_t target_page_bits;
	int has_footers;           /* -1 unknown, 0/1 once seen              */

	int has_vmdesc;
	uint64_t vmdesc_offset;    /* stream offset of the 0x06 byte          */
	uint64_t vmdesc_size;      /* JSON bytes                              */
	uint32_t vmdesc_page_size;
	vmc__vmdesc *vmdesc;

	uint64_t record_counts[9];
	vmc__command *commands;
	size_t ncommands, commands_cap;
	const char **notes;
	size_t nnotes, notes_cap;

	vmc_section *sections;
	size_t nsections, sections_cap;
	vmc_ramblock *ramblocks;
	size_t nramblocks, ramblocks_cap;
	uint64_t ram_total;
	int ram_listed;            /* MEM_SIZE block list seen                 */
	uint64_t ram_markers[VMC_RAM_MARKER_COUNT];

	uint8_t *tail;             /* held device bytes (ctx allocation)      */
	size_t tail_len;
	uint64_t tail_offset;      /* stream offset of tail[0]                */
	uint32_t field_budget;     /* counts down max_fields                  */
};

/* Append a note (printf-style); VMC_ENOMEM on failure. */
int vmc__stream_note(vmc_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a section; *out points into s->sections (valid until the next
 * append). */
int vmc__stream_add_section(vmc_stream *s, vmc_section **out);
vmc_section *vmc__stream_section_by_id(vmc_stream *s, uint32_t section_id);
int vmc__stream_add_ramblock(vmc_stream *s, vmc_ramblock **out);
int vmc__stream_add_command(vmc_stream *s, uint16_t cmd, uint16_t len, uint64_t offset);

/* parsers/framing.c: read the whole QEMU stream from src into s. */
int vmc__framing_read(vmc_stream *s, vmc__source *src);

#endif
