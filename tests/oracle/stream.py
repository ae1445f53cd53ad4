#!/usr/bin/env python3
"""Content-addressed chunk store for the oracle's QEMU migration streams.

  tests/oracle/stream.py get CONFIG_ID OUT_PATH   reassemble one stream (sha256-verified)
  tests/oracle/stream.py cat CONFIG_ID            same, to stdout
  tests/oracle/stream.py list                     config ids with a stored stream
  tests/oracle/stream.py check                    reassemble every stream, verify sha256
  tests/oracle/stream.py split FILE               show where a stream would be cut (debug)
  tests/oracle/stream.py repack                   rewrite the booted guests' page store as one pack

Storage (all under tests/oracle/):
  streams/<CONFIG_ID>.json   manifest: stream sha256/size, exact QEMU argv, and
                             "chunks": in order, each either a chunk's sha256
                             or "=" + hex bytes (chunks of <= 64 bytes, inline)
  chunks/<h[:2]>/<h>.xz      one unique chunk, xz (preset 9e, deterministic)

A stream is cut at record boundaries (header+configuration, every top-level
START/PART/END/FULL record, EOF+vmdesc, each vmdesc "devices" element) and
inside RAM records at every block switch (the page record carrying a block id
string is its own small chunk), so the firmware/ROM pages and all machine
devices are stored once.  Where a cut is placed only affects deduplication:
reassembly is a plain concatenation and is checked against the stream's
sha256.  Python standard library only.
"""

import hashlib
import json
import lzma
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STREAMS = os.path.join(HERE, "streams")
CHUNKS = os.path.join(HERE, "chunks")

# RAM section flags (stream-format.md §9.1)
F_ZERO, F_MEM_SIZE, F_PAGE, F_EOS, F_CONTINUE = 0x2, 0x4, 0x8, 0x10, 0x20
F_XBZRLE, F_COMPRESS = 0x40, 0x100
PAGE = 4096


class SplitError(Exception):
    pass


def _be32(d, p):
    if p + 4 > len(d):
        raise SplitError("truncated at %d" % p)
    return struct.unpack_from(">I", d, p)[0]


def _be64(d, p):
    if p + 8 > len(d):
        raise SplitError("truncated at %d" % p)
    return struct.unpack_from(">Q", d, p)[0]


def locate_vmdesc(d):
    """Offset of the 0x06 byte of the trailing vmdesc, or None."""
    pos = d.rfind(b"\x06", 0, max(0, len(d) - 5))
    while pos >= 0:
        (ln,) = struct.unpack_from(">I", d, pos + 1)
        if pos + 5 + ln == len(d) and d[pos + 5:pos + 6] == b"{":
            return pos
        pos = d.rfind(b"\x06", 0, pos)
    return None


def _ram_payload(d, pos, cuts, pages=None):
    """Parse RAM records from pos up to and including the EOS record; add cut
    points at each block switch; append the offset of every 4 KiB PAGE
    payload to `pages` (a list) if given.  Returns the offset after EOS."""
    while True:
        rec = pos
        w = _be64(d, pos)
        pos += 8
        flags = w & (PAGE - 1)
        if flags & F_MEM_SIZE:
            total, acc = w & ~(PAGE - 1), 0
            while acc < total:
                n = d[pos]
                pos += 1 + n
                acc += _be64(d, pos)
                pos += 8
        if flags & (F_ZERO | F_PAGE | F_XBZRLE | F_COMPRESS):
            if not flags & F_CONTINUE:
                cuts.add(rec)
                pos += 1 + d[pos]
                cuts.add(pos)
            if flags & F_ZERO:
                pos += 1
            elif flags & F_PAGE:
                if pages is not None:
                    pages.append(pos)
                pos += PAGE
            elif flags & F_XBZRLE:
                pos += 3 + struct.unpack_from(">H", d, pos + 1)[0]
            else:
                pos += 4 + _be32(d, pos)
        if flags & F_EOS:
            return pos
        if not flags & (F_MEM_SIZE | F_ZERO | F_PAGE | F_XBZRLE | F_COMPRESS):
            raise SplitError("unknown RAM flags 0x%x at %d" % (flags, rec))
        if pos > len(d):
            raise SplitError("RAM record runs past the end")


def _vmdesc_cuts(d, vm, cuts):
    """Cut before every element of the vmdesc's top-level "devices" array."""
    js = d[vm + 5:]
    depth, instr, esc = 0, False, False
    base = vm + 5
    for i, c in enumerate(js):
        if instr:
            if esc:
                esc = False
            elif c == 0x5c:
                esc = True
            elif c == 0x22:
                instr = False
            continue
        if c == 0x22:
            instr = True
        elif c in (0x7b, 0x5b):
            if c == 0x7b and depth == 2:
                cuts.add(base + i)
            depth += 1
        elif c in (0x7d, 0x5d):
            depth -= 1
            if depth == 1:
                cuts.add(base + i)


def cut_points(d, recs=None, pages=None):
    """Sorted offsets (exclusive of 0 and len) where the stream is cut.
    If recs is a list, (record type byte, offset) of every top-level record
    is appended to it."""
    cuts = set()
    try:
        if d[:8] != b"QEVM\x00\x00\x00\x03":
            raise SplitError("not a version-3 stream")
        pos = 8
        if d[pos] == 0x07:
            pos += 5 + _be32(d, pos + 1)
            while d[pos] == 0x05:  # configuration subsections
                n = d[pos + 1]
                name = d[pos + 2:pos + 2 + n]
                pos += 2 + n + 4
                if name.endswith(b"/capabilities"):
                    cnt = _be32(d, pos)
                    pos += 4
                    for _ in range(cnt):
                        pos += 1 + d[pos]
                elif name.endswith(b"/uuid"):
                    pos += 16
                else:
                    pos += 4
        cuts.add(pos)
        vm = locate_vmdesc(d)
        order = []
        if vm is not None:
            desc = json.loads(d[vm + 5:].decode("utf-8"))
            order = [(x["name"], x.get("instance_id", 0))
                     for x in desc.get("devices", [])]
            _vmdesc_cuts(d, vm, cuts)
        end = vm if vm is not None else len(d)
        ram_ids = set()
        k = 0  # index into order (non-iterative FULL records)
        while pos < end:
            cuts.add(pos)
            t = d[pos]
            if recs is not None:
                recs.append((t, pos))
            if t == 0x00:
                break
            if t in (0x01, 0x04):
                sid = _be32(d, pos + 1)
                n = d[pos + 5]
                idstr = d[pos + 6:pos + 6 + n].decode("latin-1")
                inst = _be32(d, pos + 6 + n)
                body = pos + 6 + n + 8
                if idstr == "ram":
                    ram_ids.add(sid)
                    pos = _ram_payload(d, body, cuts, pages) + 5
                    continue
                if t == 0x01:
                    raise SplitError("unknown iterative section %r" % idstr)
                # FULL: find the footer followed by the next record's header
                foot = b"\x7e" + struct.pack(">I", sid)
                if k < len(order) and order[k] == (idstr, inst):
                    k += 1
                if k < len(order):
                    nm = order[k][0].encode("latin-1")
                    nxt = (lambda q, nm=nm, ni=order[k][1]:
                           d[q] == 0x04 and d[q + 5] == len(nm)
                           and d[q + 6:q + 6 + len(nm)] == nm
                           and _be32(d, q + 6 + len(nm)) == ni)
                else:
                    nxt = lambda q: d[q] == 0x00 and q + 1 == end
                q = d.find(foot, body)
                while q >= 0 and not nxt(q + 5):
                    q = d.find(foot, q + 1)
                if q < 0:
                    raise SplitError("no footer for %r" % idstr)
                pos = q + 5
            elif t in (0x02, 0x03):
                sid = _be32(d, pos + 1)
                if sid not in ram_ids:
                    raise SplitError("PART/END of unknown section %d" % sid)
                pos = _ram_payload(d, pos + 5, cuts, pages) + 5
            elif t == 0x08:
                pos += 5 + struct.unpack_from(">H", d, pos + 3)[0]
            else:
                raise SplitError("unknown record type 0x%x at %d" % (t, pos))
    except (SplitError, IndexError, ValueError, struct.error) as e:
        # cuts found so far are still valid; the rest is one chunk
        sys.stderr.write("stream.py: split: %s (rest stored unsplit)\n" % e)
    return sorted(c for c in cuts if 0 < c < len(d))


def ram_part_count(d):
    """Number of SECTION_PART records (RAM iterations) in the stream."""
    recs = []
    cut_points(d, recs)
    return sum(1 for t, _ in recs if t == 0x02)


def split(d):
    cuts = [0] + cut_points(d) + [len(d)]
    return [d[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]


# ---------------------------------------------------------------------------
# store

def chunk_path(h):
    return os.path.join(CHUNKS, h[:2], h + ".xz")


INLINE_MAX = 64  # chunks up to this size are stored inline in the manifest


def put_chunks(data):
    """Store the chunks of `data`.  Returns (manifest chunk list, bytes of new
    chunk files).  A list entry is the chunk's sha256 (file
    chunks/<h[:2]>/<h>.xz) or, for chunks of at most INLINE_MAX bytes,
    "=" + the chunk's bytes in hex."""
    out, new = [], 0
    for c in split(data):
        if len(c) <= INLINE_MAX:
            out.append("=" + c.hex())
            continue
        h = hashlib.sha256(c).hexdigest()
        p = chunk_path(h)
        if not os.path.exists(p):
            os.makedirs(os.path.dirname(p), exist_ok=True)
            z = lzma.compress(c, preset=9 | lzma.PRESET_EXTREME)
            with open(p + ".tmp", "wb") as f:
                f.write(z)
            os.replace(p + ".tmp", p)
            new += len(z)
        out.append(h)
    if join_chunks(out) != data:
        raise RuntimeError("chunk round trip mismatch")
    return out, new


def join_chunks(entries):
    return b"".join(bytes.fromhex(e[1:]) if e.startswith("=") else read_chunk(e)
                    for e in entries)


_cache = {}


def read_chunk(h):
    if h not in _cache:
        with open(chunk_path(h), "rb") as f:
            c = lzma.decompress(f.read())
        if hashlib.sha256(c).hexdigest() != h:
            raise RuntimeError("chunk %s is corrupt" % h)
        if len(_cache) > 4096:
            _cache.clear()
        _cache[h] = c
    return _cache[h]


def manifest_path(config_id):
    return os.path.join(STREAMS, config_id + ".json")


def load_manifest(config_id):
    with open(manifest_path(config_id)) as f:
        return json.load(f)


def assemble(config_id):
    m = load_manifest(config_id)
    if m.get("paged"):
        data = assemble_paged(m["paged"])
    elif m.get("external"):
        # a stream committed elsewhere in the repository (the booted
        # fixtures, fixtures/qemu-7.2/*-booted.mig.xz): not stored twice
        with open(os.path.join(ROOT, m["external"]), "rb") as f:
            data = lzma.decompress(f.read())
    else:
        data = join_chunks(m["chunks"])
    if len(data) != m["stream_size"] or hashlib.sha256(data).hexdigest() != m["stream_sha256"]:
        raise RuntimeError("%s: reassembled stream does not match its sha256" % config_id)
    return data


# ---------------------------------------------------------------------------
# page store, for booted guests: their RAM is ~50 MB of non-zero pages, mostly
# the same kernel pages in every boot.  A booted stream is stored as
#   skeleton  the stream with every 4 KiB PAGE payload cut out (one chunk)
#   pagelist  per cut, in order: be32 offset in the skeleton (delta from the
#             previous cut), u8 pack number, be32 page index in that pack
#   packs     where pages come from: "fx:<path>" = the PAGE payloads, in
#             stream order, of a committed booted fixture (fixtures/...mig.xz,
#             never stored twice), or "pages/<sha256>.xz" = concatenated new
#             pages, written once and never changed
# Reassembly splices the pages back and is checked against the sha256.

PAGES = os.path.join(HERE, "pages")
FIXTURE_PACKS = ["fixtures/qemu-7.2/i440fx-booted.mig.xz",
                 "fixtures/qemu-7.2/q35-booted.mig.xz"]
_packs = {}


def page_offsets(d):
    pages = []
    cut_points(d, pages=pages)
    return pages


def load_pack(ref):
    """List of 4 KiB pages of pack `ref` (cached)."""
    if ref not in _packs:
        if ref.startswith("fx:"):
            with open(os.path.join(ROOT, ref[3:]), "rb") as f:
                d = lzma.decompress(f.read())
            _packs[ref] = [d[o:o + PAGE] for o in page_offsets(d)]
        else:
            with open(os.path.join(HERE, ref), "rb") as f:
                d = lzma.decompress(f.read())
            if "pages/" + hashlib.sha256(d).hexdigest() + ".xz" != ref:
                raise RuntimeError("page pack %s is corrupt" % ref)
            _packs[ref] = [d[i:i + PAGE] for i in range(0, len(d), PAGE)]
    return _packs[ref]


def pack_refs():
    refs = ["fx:" + p for p in FIXTURE_PACKS]
    if os.path.isdir(PAGES):
        refs += sorted("pages/" + f for f in os.listdir(PAGES) if f.endswith(".xz"))
    return refs


def put_paged(data):
    """Store `data` (a booted stream) as skeleton + pagelist + packs.
    Returns (manifest "paged" dict, bytes of new files)."""
    offs = page_offsets(data)
    refs = pack_refs()
    index = {}
    for ri, ref in enumerate(refs):
        for pi, pg in enumerate(load_pack(ref)):
            index.setdefault(hashlib.sha256(pg).digest(), (ri, pi))
    new_pages, new_index = [], {}
    used, plist, skel, last = [], [], [], 0
    for o in offs:
        pg = data[o:o + PAGE]
        h = hashlib.sha256(pg).digest()
        if h in index:
            ri, pi = index[h]
            ref = refs[ri]
        else:
            if h not in new_index:
                new_index[h] = len(new_pages)
                new_pages.append(pg)
            ref, pi = None, new_index[h]
        skel.append(data[last:o])
        plist.append((len(b"".join(skel[-1:])), ref, pi))
        last = o + PAGE
    skel.append(data[last:])
    new = 0
    new_ref = None
    if new_pages:
        blob = b"".join(new_pages)
        new_ref = "pages/" + hashlib.sha256(blob).hexdigest() + ".xz"
        path = os.path.join(HERE, new_ref)
        if not os.path.exists(path):
            os.makedirs(PAGES, exist_ok=True)
            z = lzma.compress(blob, preset=9 | lzma.PRESET_EXTREME)
            with open(path + ".tmp", "wb") as f:
                f.write(z)
            os.replace(path + ".tmp", path)
            new += len(z)
        _packs[new_ref] = new_pages
    packs = []
    out = bytearray()
    for delta, ref, pi in plist:
        ref = ref or new_ref
        if ref not in packs:
            packs.append(ref)
        out += struct.pack(">IBI", delta, packs.index(ref), pi)
    sk, n1 = put_chunks_single(b"".join(skel))
    pl, n2 = put_chunks_single(bytes(out))
    paged = {"skeleton": sk, "pagelist": pl, "packs": packs, "pages": len(offs),
             "new_pages": len(new_pages)}
    if assemble_paged(paged) != data:
        raise RuntimeError("paged round trip mismatch")
    return paged, new + n1 + n2


def repack():
    """Rewrite the page store as ONE pack holding every page the paged
    streams need that no fixture has, interleaved by position so that the
    same guest address of different boots is adjacent (xz then finds the
    near-identical pages).  Every stream is reassembled before and after and
    compared; old packs are removed.  Returns (old bytes, new bytes)."""
    ids = [c for c in list_ids() if load_manifest(c).get("paged")]
    datas = {c: assemble(c) for c in ids}
    fx = ["fx:" + p for p in FIXTURE_PACKS]
    index = {}
    for ri, ref in enumerate(fx):
        for pi, pg in enumerate(load_pack(ref)):
            index.setdefault(hashlib.sha256(pg).digest(), (ref, pi))
    per = {}
    for c in ids:
        d = datas[c]
        per[c] = [(o, d[o:o + PAGE]) for o in page_offsets(d)]
    new_pages, new_index = [], {}
    for k in range(max(len(v) for v in per.values())):
        for c in ids:
            if k < len(per[c]):
                pg = per[c][k][1]
                h = hashlib.sha256(pg).digest()
                if h not in index and h not in new_index:
                    new_index[h] = len(new_pages)
                    new_pages.append(pg)
    blob = b"".join(new_pages)
    ref = "pages/" + hashlib.sha256(blob).hexdigest() + ".xz"
    old = {r for c in ids for r in load_manifest(c)["paged"]["packs"] if not r.startswith("fx:")}
    old_bytes = sum(os.path.getsize(os.path.join(HERE, r)) for r in old)
    old_lists = {load_manifest(c)["paged"]["pagelist"] for c in ids}
    path = os.path.join(HERE, ref)
    if not os.path.exists(path):
        z = lzma.compress(blob, preset=9 | lzma.PRESET_EXTREME)
        with open(path + ".tmp", "wb") as f:
            f.write(z)
        os.replace(path + ".tmp", path)
    _packs[ref] = new_pages
    for c in ids:
        m = load_manifest(c)
        packs, out, last = [], bytearray(), 0
        skel_len = 0
        for o, pg in per[c]:
            h = hashlib.sha256(pg).digest()
            r, pi = index[h] if h in index else (ref, new_index[h])
            if r not in packs:
                packs.append(r)
            delta = o - last
            out += struct.pack(">IBI", delta, packs.index(r), pi)
            last = o + PAGE
            skel_len += delta
        pl, _ = put_chunks_single(bytes(out))
        paged = dict(m["paged"], pagelist=pl, packs=packs,
                     new_pages=sum(1 for _o, pg in per[c]
                                   if hashlib.sha256(pg).digest() not in index))
        if assemble_paged(paged) != datas[c]:
            raise RuntimeError("%s: repack round trip mismatch" % c)
        m["paged"] = paged
        data = json.dumps(m, indent=1, sort_keys=True) + "\n"
        with open(manifest_path(c) + ".tmp", "w") as f:
            f.write(data)
        os.replace(manifest_path(c) + ".tmp", manifest_path(c))
    for r in old - {ref}:
        os.unlink(os.path.join(HERE, r))
    for h in old_lists - {load_manifest(c)["paged"]["pagelist"] for c in ids}:
        if os.path.exists(chunk_path(h)):
            os.unlink(chunk_path(h))
    return old_bytes, os.path.getsize(path)


def put_chunks_single(c):
    """Store c as one chunk file; returns (sha256, new bytes)."""
    h = hashlib.sha256(c).hexdigest()
    p = chunk_path(h)
    if os.path.exists(p):
        return h, 0
    os.makedirs(os.path.dirname(p), exist_ok=True)
    z = lzma.compress(c, preset=9 | lzma.PRESET_EXTREME)
    with open(p + ".tmp", "wb") as f:
        f.write(z)
    os.replace(p + ".tmp", p)
    return h, len(z)


def assemble_paged(paged):
    skel = read_chunk(paged["skeleton"])
    pl = read_chunk(paged["pagelist"])
    packs = [load_pack(r) for r in paged["packs"]]
    out, pos = [], 0
    for i in range(0, len(pl), 9):
        delta, pk, pi = struct.unpack_from(">IBI", pl, i)
        out.append(skel[pos:pos + delta])
        out.append(packs[pk][pi])
        pos += delta
    out.append(skel[pos:])
    return b"".join(out)


def list_ids():
    if not os.path.isdir(STREAMS):
        return []
    return sorted(f[:-5] for f in os.listdir(STREAMS) if f.endswith(".json"))


def check_all(verbose=False):
    bad = 0
    ids = list_ids()
    used = set()
    for cid in ids:
        try:
            assemble(cid)
            man = load_manifest(cid)
            used.update(e for e in man["chunks"] if not e.startswith("="))
            if man.get("paged"):
                used.update((man["paged"]["skeleton"], man["paged"]["pagelist"]))
                used.update(r for r in man["paged"]["packs"] if not r.startswith("fx:"))
            if verbose:
                print("ok  %s" % cid)
        except Exception as e:  # noqa: BLE001 - report and continue
            bad += 1
            print("BAD %s: %s" % (cid, e))
    stored = set()
    if os.path.isdir(CHUNKS):
        for dp, _dn, fns in os.walk(CHUNKS):
            stored.update(f[:-3] for f in fns if f.endswith(".xz"))
    if os.path.isdir(PAGES):
        stored.update("pages/" + f for f in os.listdir(PAGES) if f.endswith(".xz"))
    orphans = stored - used
    print("%d streams verified, %d bad; %d chunks stored, %d unreferenced"
          % (len(ids) - bad, bad, len(stored), len(orphans)))
    return bad, orphans


def main(argv):
    if len(argv) >= 2 and argv[0] == "get" and len(argv) == 3:
        data = assemble(argv[1])
        tmp = argv[2] + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, argv[2])
        return 0
    if len(argv) == 2 and argv[0] == "cat":
        sys.stdout.buffer.write(assemble(argv[1]))
        return 0
    if argv == ["list"]:
        for cid in list_ids():
            print(cid)
        return 0
    if argv == ["repack"]:
        a, b = repack()
        print("page store: %d bytes in the old packs, %d in the new one" % (a, b))
        return 0
    if argv and argv[0] == "check":
        bad, _ = check_all("-v" in argv)
        return 1 if bad else 0
    if len(argv) == 2 and argv[0] == "split":
        with open(argv[1], "rb") as f:
            d = f.read()
        cuts = [0] + cut_points(d) + [len(d)]
        for a, b in zip(cuts, cuts[1:]):
            print("%9d %9d  %r" % (a, b - a, d[a:a + 24]))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
