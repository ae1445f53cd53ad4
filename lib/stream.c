/*
 * stream.c - the public vmc_stream: reading entry points and getters.
 *
 * Stage: top of the read pipeline.  vmc_stream_read_* stack the sources
 * (input -> container -> QEMU stream), run the framing parser and hand back
 * a read-only stream.  Getters only read what the parsers filled in.
 * Inputs are opened O_RDONLY and never written; nothing is global.
 */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Grow a ctx-allocated array by one element. */
static int grow(vmc_ctx *ctx, void **arr, size_t *n, size_t *cap, size_t elem)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *p = vmc__reallocarray(ctx, *arr, ncap, elem);
		if (!p)
			return VMC_ENOMEM;
		*arr = p;
		*cap = ncap;
	}
	memset((char *)*arr + *n * elem, 0, elem);
	(*n)++;
	return VMC_OK;
}

int vmc__stream_note(vmc_stream *s, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	char *copy;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	copy = vmc__arena_strndup(&s->arena, buf, strlen(buf));
	if (!copy)
		return VMC_ENOMEM;
	VMC_TRY(grow(s->ctx, (void **)&s->notes, &s->nnotes, &s->notes_cap, sizeof(*s->notes)));
	s->notes[s->nnotes - 1] = copy;
	return VMC_OK;
}

int vmc__stream_add_section(vmc_stream *s, vmc_section **out)
{
	VMC_TRY(grow(s->ctx, (void **)&s->sections, &s->nsections, &s->sections_cap,
		     sizeof(*s->sections)));
	*out = &s->sections[s->nsections - 1];
	return VMC_OK;
}

vmc_section *vmc__stream_section_by_id(vmc_stream *s, uint32_t section_id)
{
	size_t i;

	/* newest first: ids of iterative sections are looked up per record */
	for (i = s->nsections; i-- > 0;)
		if (s->sections[i].section_id == section_id)
			return &s->sections[i];
	return NULL;
}

int vmc__stream_add_ramblock(vmc_stream *s, vmc_ramblock **out)
{
	VMC_TRY(grow(s->ctx, (void **)&s->ramblocks, &s->nramblocks, &s->ramblocks_cap,
		     sizeof(*s->ramblocks)));
	*out = &s->ramblocks[s->nramblocks - 1];
	return VMC_OK;
}

int vmc__stream_add_command(vmc_stream *s, uint16_t cmd, uint16_t len, uint64_t offset)
{
	vmc__command *c;

	VMC_TRY(grow(s->ctx, (void **)&s->commands, &s->ncommands, &s->commands_cap,
		     sizeof(*s->commands)));
	c = &s->commands[s->ncommands - 1];
	c->cmd = cmd;
	c->len = len;
	c->offset = offset;
	return VMC_OK;
}

/* ---- reading ---------------------------------------------------------- */

int vmc_stream_read_cb(vmc_stream **out, vmc_ctx *ctx, vmc_read_fn read, void *payload,
		       const char *name, const vmc_read_options *opts)
{
	vmc_read_options o = VMC_READ_OPTIONS_INIT;
	vmc__container_reader *cr = NULL;
	vmc__source file;
	vmc_stream *s;
	int rc;

	(void)name;
	if (!out || !ctx || !read)
		return ctx ? VMC_FAIL(ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument") : VMC_EINVAL;
	if (opts) {
		VMC_FAIL_IF(opts->version != VMC_READ_OPTIONS_VERSION, ctx, VMC_EINVAL,
			    VMC_NO_OFFSET, "expected read options version %u, found %u",
			    VMC_READ_OPTIONS_VERSION, opts->version);
		o = *opts;
	}
	if (!o.target_page_size)
		o.target_page_size = 4096;
	VMC_FAIL_IF(o.target_page_size < 512 || (o.target_page_size & (o.target_page_size - 1)),
		    ctx, VMC_EINVAL, VMC_NO_OFFSET,
		    "expected a power-of-two target page size >= 512, found %u",
		    o.target_page_size);
	vmc_error_clear(ctx);

	s = vmc__calloc(ctx, 1, sizeof(*s));
	if (!s)
		return VMC_ENOMEM;
	s->ctx = ctx;
	s->opts = o;
	s->page_size = o.target_page_size;
	vmc__arena_init(&s->arena, ctx);

	rc = vmc__source_init(&file, ctx, read, payload, 0);
	if (rc == VMC_OK) {
		rc = vmc__container_open(&cr, ctx, &file, &s->container);
		if (rc == VMC_OK) {
			rc = vmc__framing_read(s, vmc__container_stream(cr));
			vmc__container_close(cr);
		}
		vmc__source_fini(&file);
	}
	if (rc < 0) {
		vmc_stream_free(s);
		return rc;
	}
	*out = s;
	return VMC_OK;
}

int vmc_stream_read_fd(vmc_stream **out, vmc_ctx *ctx, int fd, const char *name,
		       const vmc_read_options *opts)
{
	return vmc_stream_read_cb(out, ctx, vmc__fd_read, &fd, name, opts);
}

int vmc_stream_read_buffer(vmc_stream **out, vmc_ctx *ctx, const void *data, size_t len,
			   const char *name, const vmc_read_options *opts)
{
	vmc__mem_reader m = {data, len, 0};

	if (!data && len)
		return ctx ? VMC_FAIL(ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL data") : VMC_EINVAL;
	return vmc_stream_read_cb(out, ctx, vmc__mem_read, &m, name, opts);
}

int vmc_stream_read_path(vmc_stream **out, vmc_ctx *ctx, const char *path,
			 const vmc_read_options *opts)
{
	int fd, rc;

	if (!ctx)
		return VMC_EINVAL;
	VMC_FAIL_IF(!path || !out, ctx, VMC_EINVAL, VMC_NO_OFFSET, "NULL argument");
	if (strcmp(path, "-") == 0)
		return vmc_stream_read_fd(out, ctx, STDIN_FILENO, "<stdin>", opts);
	vmc_error_clear(ctx);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return VMC_FAIL(ctx, VMC_EOPEN, VMC_NO_OFFSET, "cannot open '%s': %s", path,
				strerror(errno));
	rc = vmc_stream_read_fd(out, ctx, fd, path, opts);
	close(fd);
	return rc;
}

void vmc_stream_free(vmc_stream *s)
{
	vmc_ctx *ctx;

	if (!s)
		return;
	ctx = s->ctx;
	vmc__vmdesc_free(s->vmdesc);
	vmc__container_info_fini(ctx, &s->container);
	vmc__free(ctx, s->tail);
	vmc__free(ctx, s->sections);
	vmc__free(ctx, s->ramblocks);
	vmc__free(ctx, s->commands);
	vmc__free(ctx, s->notes);
	vmc__arena_free(&s->arena);
	vmc__free(ctx, s);
}

/* ---- stream getters ------------------------------------------------------ */

const vmc_container *vmc_stream_container(const vmc_stream *s)
{
	return s ? &s->container : NULL;
}

uint64_t vmc_stream_size(const vmc_stream *s)
{
	return s ? s->size : 0;
}

uint32_t vmc_stream_file_version(const vmc_stream *s)
{
	return s ? s->file_version : 0;
}

const char *vmc_stream_machine_type(const vmc_stream *s)
{
	return s ? s->machine_type : NULL;
}

size_t vmc_stream_capability_count(const vmc_stream *s)
{
	return s ? s->ncaps : 0;
}

const char *vmc_stream_capability(const vmc_stream *s, size_t i)
{
	return s && i < s->ncaps ? s->caps[i] : NULL;
}

int vmc_stream_uuid(const vmc_stream *s, uint8_t uuid[16])
{
	if (!s || !s->has_uuid)
		return 0;
	memcpy(uuid, s->uuid, 16);
	return 1;
}

uint32_t vmc_stream_target_page_bits(const vmc_stream *s)
{
	return s ? s->target_page_bits : 0;
}

int vmc_stream_has_vmdesc(const vmc_stream *s)
{
	return s ? s->has_vmdesc : 0;
}

uint64_t vmc_stream_vmdesc_size(const vmc_stream *s)
{
	return s ? s->vmdesc_size : 0;
}

uint64_t vmc_stream_vmdesc_offset(const vmc_stream *s)
{
	return s ? s->vmdesc_offset : 0;
}

uint32_t vmc_stream_page_size(const vmc_stream *s)
{
	if (!s)
		return 0;
	return s->vmdesc_page_size ? s->vmdesc_page_size : s->page_size;
}

size_t vmc_stream_command_count(const vmc_stream *s)
{
	return s ? s->ncommands : 0;
}

static const char *command_name(uint16_t cmd)
{
	/* enum qemu_vm_cmd, migration/savevm.c */
	static const char *const names[] = {
		"INVALID",       "OPEN_RETURN_PATH",     "PING",
		"POSTCOPY_ADVISE", "POSTCOPY_LISTEN",    "POSTCOPY_RUN",
		"POSTCOPY_RAM_DISCARD", "PACKAGED",      "ENABLE_COLO",
		"POSTCOPY_RESUME", "RECV_BITMAP",        "SWITCHOVER_START"};
	return cmd < sizeof(names) / sizeof(names[0]) ? names[cmd] : "UNKNOWN";
}

int vmc_stream_command(const vmc_stream *s, size_t i, uint16_t *cmd, const char **name,
		       uint16_t *len, uint64_t *offset)
{
	const vmc__command *c;

	if (!s || i >= s->ncommands)
		return VMC_EINVAL;
	c = &s->commands[i];
	if (cmd)
		*cmd = c->cmd;
	if (name)
		*name = command_name(c->cmd);
	if (len)
		*len = c->len;
	if (offset)
		*offset = c->offset;
	return VMC_OK;
}

size_t vmc_stream_note_count(const vmc_stream *s)
{
	return s ? s->nnotes : 0;
}

const char *vmc_stream_note(const vmc_stream *s, size_t i)
{
	return s && i < s->nnotes ? s->notes[i] : NULL;
}

uint64_t vmc_stream_record_count(const vmc_stream *s, uint8_t type)
{
	return s && type < 9 ? s->record_counts[type] : 0;
}

/* ---- container getters ------------------------------------------------- */

const char *vmc_container_kind(const vmc_container *c)
{
	return c && c->kind ? c->kind : "raw";
}

const char *vmc_container_compression(const vmc_container *c)
{
	return c && c->compression ? c->compression : "none";
}

uint64_t vmc_container_header_size(const vmc_container *c)
{
	return c ? c->header_size : 0;
}

int vmc_container_is_libvirt(const vmc_container *c)
{
	return c ? c->libvirt : 0;
}

int vmc_container_is_partial(const vmc_container *c)
{
	return c ? c->partial : 0;
}

uint32_t vmc_container_libvirt_version(const vmc_container *c)
{
	return c ? c->lv_version : 0;
}

uint32_t vmc_container_libvirt_data_len(const vmc_container *c)
{
	return c ? c->lv_data_len : 0;
}

uint32_t vmc_container_libvirt_was_running(const vmc_container *c)
{
	return c ? c->lv_was_running : 0;
}

uint32_t vmc_container_libvirt_format(const vmc_container *c)
{
	return c ? c->lv_format : 0;
}

uint32_t vmc_container_libvirt_cookie_offset(const vmc_container *c)
{
	return c ? c->lv_cookie_offset : 0;
}

const char *vmc_container_libvirt_xml(const vmc_container *c)
{
	return c ? c->xml : NULL;
}

const char *vmc_container_libvirt_cookie(const vmc_container *c)
{
	return c ? c->cookie : NULL;
}

/* ---- section getters --------------------------------------------------- */

size_t vmc_stream_section_count(const vmc_stream *s)
{
	return s ? s->nsections : 0;
}

const vmc_section *vmc_stream_section(const vmc_stream *s, size_t i)
{
	return s && i < s->nsections ? &s->sections[i] : NULL;
}

const vmc_section *vmc_stream_find_section(const vmc_stream *s, const char *idstr,
					   uint32_t instance_id)
{
	size_t i;

	if (!s || !idstr)
		return NULL;
	for (i = 0; i < s->nsections; i++)
		if (s->sections[i].instance_id == instance_id &&
		    strcmp(s->sections[i].idstr, idstr) == 0)
			return &s->sections[i];
	return NULL;
}

uint32_t vmc_section_id(const vmc_section *sec)
{
	return sec ? sec->section_id : 0;
}

const char *vmc_section_idstr(const vmc_section *sec)
{
	return sec ? sec->idstr : NULL;
}

uint32_t vmc_section_instance_id(const vmc_section *sec)
{
	return sec ? sec->instance_id : 0;
}

uint32_t vmc_section_version_id(const vmc_section *sec)
{
	return sec ? sec->version_id : 0;
}

int vmc_section_is_iterative(const vmc_section *sec)
{
	return sec ? sec->iterative : 0;
}

uint64_t vmc_section_offset(const vmc_section *sec)
{
	return sec ? sec->offset : 0;
}

uint64_t vmc_section_size(const vmc_section *sec)
{
	return sec ? sec->size : 0;
}

uint32_t vmc_section_record_count(const vmc_section *sec)
{
	return sec ? sec->records : 0;
}

const char *vmc_section_vmsd_name(const vmc_section *sec)
{
	return sec ? sec->vmsd_name : NULL;
}

uint32_t vmc_section_body(const vmc_section *sec)
{
	return sec ? sec->body : VMC_BODY_RAW;
}

const vmc_field *vmc_section_fields(const vmc_section *sec)
{
	return sec ? sec->fields : NULL;
}

const vmc_field *vmc_section_facts(const vmc_section *sec)
{
	return sec ? sec->facts : NULL;
}

const uint8_t *vmc_section_data(const vmc_section *sec, size_t *len)
{
	if (len)
		*len = sec ? sec->data_len : 0;
	return sec ? sec->data : NULL;
}

/* ---- RAM getters ------------------------------------------------------- */

size_t vmc_stream_ramblock_count(const vmc_stream *s)
{
	return s ? s->nramblocks : 0;
}

const vmc_ramblock *vmc_stream_ramblock(const vmc_stream *s, size_t i)
{
	return s && i < s->nramblocks ? &s->ramblocks[i] : NULL;
}

uint64_t vmc_stream_ram_total(const vmc_stream *s)
{
	return s ? s->ram_total : 0;
}

uint64_t vmc_stream_ram_markers(const vmc_stream *s, uint32_t marker)
{
	return s && marker < VMC_RAM_MARKER_COUNT ? s->ram_markers[marker] : 0;
}

const char *vmc_ramblock_name(const vmc_ramblock *b)
{
	return b ? b->name : NULL;
}

uint64_t vmc_ramblock_used_length(const vmc_ramblock *b)
{
	return b ? b->used_length : 0;
}

uint64_t vmc_ramblock_page_size(const vmc_ramblock *b)
{
	return b ? b->page_size : 0;
}

uint64_t vmc_ramblock_gpa(const vmc_ramblock *b, int *present)
{
	if (present)
		*present = b ? b->has_gpa : 0;
	return b ? b->gpa : 0;
}

uint64_t vmc_ramblock_pages(const vmc_ramblock *b, uint32_t kind)
{
	return b && kind < VMC_PAGE_KIND_COUNT ? b->pages[kind] : 0;
}
