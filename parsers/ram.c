/*
 * ram.c - the "ram" iterative section: block list and page records.
 *
 * Stage: stream framing (called by framing.c for START/PART/END records of
 * the section named "ram").  Implements stream-format.md §9.1-§9.3, mirroring
 * ram_load_precopy() in QEMU's migration/ram.c.
 *
 * Record layout (all big-endian):
 *
 *   OFFSET  SIZE  FIELD
 *   0       8     addr | flags   flags = low bits below the target page size
 *   8       1+n   block idstr    counted string, absent when CONTINUE is set
 *                                (ZERO, PAGE, XBZRLE, COMPRESS_PAGE only)
 *   ...           payload        ZERO: u8 fill byte
 *                                PAGE: page_size bytes
 *                                XBZRLE: u8 0x01, be16 len <= page, len bytes
 *                                COMPRESS_PAGE: be32 len, len bytes (zlib)
 *                                MEM_SIZE: block list (below); addr = total
 *
 *   MEM_SIZE block list, repeated until the lengths sum to the total:
 *   0       1+n   idstr          counted string
 *   1+n     8     used_length
 *   +8      8     GPA            only with capability x-ignore-shared
 *
 * Invariants: page contents are skipped through the source and never held;
 * every count and offset is checked against the block list before use.
 * Non-goals: XBZRLE decoding (it needs the previous page), mapped-ram
 * (needs seeking), RDMA hook records, postcopy-ram block page sizes (not
 * announced in the stream: see VMC_READ_POSTCOPY_RAM in docs).
 */
#include "ram.h"

#include <string.h>

#define F_ZERO 0x002u
#define F_MEM_SIZE 0x004u
#define F_PAGE 0x008u
#define F_EOS 0x010u
#define F_CONTINUE 0x020u
#define F_XBZRLE 0x040u
#define F_HOOK 0x080u
#define F_COMPRESS_PAGE 0x100u
#define F_MULTIFD_FLUSH 0x200u

/* compressBound(4096) for zlib is 4096 + 4096/4096*... ; QEMU bounds the
 * length by compressBound(TARGET_PAGE_SIZE).  zlib's formula: */
static uint64_t compress_bound(uint64_t n)
{
	return n + (n >> 12) + (n >> 14) + (n >> 25) + 13;
}

static int read_block_list(vmc__ram *ram, vmc_stream *s, vmc__source *src, uint64_t total,
			   uint64_t at)
{
	uint64_t sum = 0;
	vmc_ctx *ctx = s->ctx;

	VMC_FAIL_IF(s->ram_listed, ctx, VMC_EMALFORMED, at,
		    "expected one RAM block list (RAM_SAVE_FLAG_MEM_SIZE), found a second one");
	s->ram_listed = 1;
	s->ram_total = total;
	while (sum < total) {
		char name[256];
		uint64_t off = vmc__source_offset(src);
		uint64_t len;
		uint8_t n;
		vmc_ramblock *b;
		size_t i;

		VMC_TRY(vmc__source_counted_string(src, name, &n, "ramblock idstr"));
		VMC_TRY(vmc__source_be64(src, &len, "ramblock used_length"));
		VMC_FAIL_IF(s->nramblocks >= ctx->limits.max_ramblocks, ctx, VMC_ELIMIT, off,
			    "limit max_ramblocks exceeded: more than %u RAM blocks",
			    ctx->limits.max_ramblocks);
		for (i = 0; i < s->nramblocks; i++)
			VMC_FAIL_IF(strcmp(s->ramblocks[i].name, name) == 0, ctx, VMC_EMALFORMED,
				    off, "expected distinct ramblock names, found '%s' twice", name);
		VMC_FAIL_IF(!vmc__add_u64(sum, len, &sum) || sum > total, ctx, VMC_EMALFORMED,
			    off + 1 + n,
			    "expected ramblock lengths summing to 0x%llx, found '%s' of 0x%llx "
			    "exceeding it",
			    (unsigned long long)total, name, (unsigned long long)len);
		VMC_TRY(vmc__stream_add_ramblock(s, &b));
		b->name = vmc__arena_strndup(&s->arena, name, n);
		if (!b->name)
			return VMC_ENOMEM;
		b->used_length = len;
		if (ram->ignore_shared) {
			VMC_TRY(vmc__source_be64(src, &b->gpa, "ramblock GPA (x-ignore-shared)"));
			b->has_gpa = 1;
		}
	}
	return VMC_OK;
}

/* The block a page record refers to: by name, or the previous one. */
static int page_block(vmc__ram *ram, vmc_stream *s, vmc__source *src, uint32_t flags,
		      uint64_t at, vmc_ramblock **out)
{
	char name[256];
	size_t i;

	if (flags & F_CONTINUE) {
		VMC_FAIL_IF(!ram->have_last, s->ctx, VMC_EMALFORMED, at,
			    "expected a ramblock name, found RAM_SAVE_FLAG_CONTINUE on the first "
			    "page record");
		*out = &s->ramblocks[ram->last_index];
		return VMC_OK;
	}
	VMC_TRY(vmc__source_counted_string(src, name, NULL, "ramblock idstr"));
	for (i = 0; i < s->nramblocks; i++) {
		if (strcmp(s->ramblocks[i].name, name) == 0) {
			ram->have_last = 1;
			ram->last_index = i;
			*out = &s->ramblocks[i];
			return VMC_OK;
		}
	}
	return VMC_FAIL(s->ctx, VMC_EMALFORMED, at + 8,
			"expected a ramblock from the block list, found '%s'", name);
}

int vmc__ram_load(vmc__ram *ram, vmc_stream *s, vmc__source *src, uint32_t version)
{
	vmc_ctx *ctx = s->ctx;
	uint64_t mask = (uint64_t)s->page_size - 1;

	VMC_FAIL_IF(version != 4, ctx, VMC_EMALFORMED, vmc__source_offset(src),
		    "expected RAM section version 4, found %u", version);
	for (;;) {
		uint64_t at = vmc__source_offset(src);
		uint64_t word, addr;
		uint32_t flags;
		vmc_ramblock *b;

		VMC_TRY(vmc__source_be64(src, &word, "RAM record header (addr|flags)"));
		flags = (uint32_t)(word & mask);
		addr = word & ~mask;
		VMC_FAIL_IF(!s->ram_listed && (flags & (F_ZERO | F_PAGE | F_XBZRLE | F_COMPRESS_PAGE)),
			    ctx, VMC_EMALFORMED, at,
			    "expected the RAM block list (RAM_SAVE_FLAG_MEM_SIZE) before page "
			    "records, found flags 0x%x",
			    flags);

		switch (flags & ~F_CONTINUE) {
		case F_MEM_SIZE:
			VMC_TRY(read_block_list(ram, s, src, addr, at));
			break;
		case F_ZERO: {
			uint8_t fill;
			VMC_TRY(page_block(ram, s, src, flags, at, &b));
			VMC_FAIL_IF(addr >= b->used_length, ctx, VMC_EMALFORMED, at,
				    "expected a page offset below 0x%llx in '%s', found 0x%llx",
				    (unsigned long long)b->used_length, b->name,
				    (unsigned long long)addr);
			VMC_TRY(vmc__source_u8(src, &fill, "zero page fill byte"));
			b->pages[VMC_PAGE_ZERO]++;
			break;
		}
		case F_PAGE:
			VMC_TRY(page_block(ram, s, src, flags, at, &b));
			VMC_FAIL_IF(addr >= b->used_length, ctx, VMC_EMALFORMED, at,
				    "expected a page offset below 0x%llx in '%s', found 0x%llx",
				    (unsigned long long)b->used_length, b->name,
				    (unsigned long long)addr);
			VMC_TRY(vmc__source_skip(src, s->page_size, "page contents"));
			b->pages[VMC_PAGE_NORMAL]++;
			break;
		case F_XBZRLE: {
			uint8_t enc;
			uint16_t len;
			VMC_TRY(page_block(ram, s, src, flags, at, &b));
			VMC_TRY(vmc__source_u8(src, &enc, "XBZRLE encoding flag"));
			VMC_FAIL_IF(enc != 0x01, ctx, VMC_EMALFORMED, vmc__source_offset(src) - 1,
				    "expected XBZRLE encoding flag 0x01, found 0x%02x", enc);
			VMC_TRY(vmc__source_be16(src, &len, "XBZRLE length"));
			VMC_FAIL_IF(len > s->page_size, ctx, VMC_EMALFORMED,
				    vmc__source_offset(src) - 2,
				    "expected an XBZRLE length <= %u, found %u", s->page_size, len);
			VMC_TRY(vmc__source_skip(src, len, "XBZRLE data"));
			b->pages[VMC_PAGE_XBZRLE]++;
			break;
		}
		case F_COMPRESS_PAGE: {
			uint32_t len;
			VMC_TRY(page_block(ram, s, src, flags, at, &b));
			VMC_TRY(vmc__source_be32(src, &len, "compressed page length"));
			VMC_FAIL_IF(len > compress_bound(s->page_size), ctx, VMC_EMALFORMED,
				    vmc__source_offset(src) - 4,
				    "expected a compressed page length <= %llu, found %u",
				    (unsigned long long)compress_bound(s->page_size), len);
			VMC_TRY(vmc__source_skip(src, len, "compressed page data"));
			b->pages[VMC_PAGE_COMPRESSED]++;
			break;
		}
		case F_MULTIFD_FLUSH:
			s->ram_markers[VMC_RAM_MULTIFD_FLUSH]++;
			break;
		case F_EOS:
			s->ram_markers[VMC_RAM_EOS]++;
			return VMC_OK;
		default:
			if (flags & F_HOOK)
				return VMC_FAIL(ctx, VMC_EUNSUPPORTED, at,
						"expected a file-stream RAM record, found an RDMA "
						"hook record (flags 0x%x)",
						flags);
			return VMC_FAIL(ctx, VMC_EMALFORMED, at,
					"expected a known RAM flag combination, found 0x%x "
					"(QEMU: \"Unknown combination of migration flags\")",
					flags);
		}
	}
}
