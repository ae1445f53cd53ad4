#!/usr/bin/env python3
"""Build the seed corpus of every fuzz target from the real fixtures.

  tests/fuzz/seeds.py OUT_DIR

Writes OUT_DIR/<target>/ for each target of tests/fuzz/CMakeLists.txt
(existing files are kept, so a corpus grown by earlier runs survives):

  fuzz_stream         fixture streams (qemu-7.2, qemu-10.0) decompressed,
                      their 4 KiB heads, the gzip fixtures, the libvirt
                      images (the xz ones decompressed, cut at 300 KB)
  fuzz_decompress     codec byte + fixture heads compressed with gzip,
                      bzip2, xz and zstd (the CLI tools, if present)
  fuzz_vmdesc         the vmdesc JSON trailer of every fixture stream
  fuzz_schema_decode  vmsd byte + every "virtio" blob of the fixture streams
                      (tests/fuzz/corpus/schema_decode.tar.xz, extracted
                      with the library's own decoder)
  fuzz_yaml           loader byte + rules/*.yaml, rules/profiles/*,
                      vmstate/schemas/*.yaml (and profile heads)
  fuzz_config         fixture argv (shell-quoted), tests/data/config/*.xml,
                      fixtures/libvirt/domain.xml
  fuzz_vmstate        tests/oracle/vmstate/*.json.xz decompressed
  fuzz_check          pairs of fixture streams; pairs of configurations
"""
import glob
import gzip
import json
import lzma
import os
import shlex
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, name)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        return lzma.decompress(data)
    if path.endswith(".gz"):
        return gzip.decompress(data)
    return data


def vmdesc(stream):
    """The JSON after the trailing 0x06 tag and be32 length, or None."""
    i = len(stream)
    while True:
        i = stream.rfind(b"\x06", 0, i)
        if i < 0 or len(stream) - i > (16 << 20):
            return None
        n = int.from_bytes(stream[i + 1:i + 5], "big")
        if i + 5 + n == len(stream) and stream[i + 5:i + 6] == b"{":
            return stream[i + 5:]


def compress(tool, data):
    if not shutil.which(tool):
        return None
    return subprocess.run([tool, "-c"], input=data, stdout=subprocess.PIPE,
                          check=True).stdout


def main(out):
    streams = {}
    for f in sorted(glob.glob(os.path.join(ROOT, "fixtures", "qemu-*", "*.mig.*"))):
        name = os.path.basename(os.path.dirname(f)) + "-" + os.path.basename(f).split(".mig")[0]
        if "booted" in name:
            continue  # 10 MB of guest RAM: too slow to be a useful seed
        streams[name] = load(f)
    for name, s in streams.items():
        put(out, "fuzz_stream", name, s)
        put(out, "fuzz_stream", name + ".head", s[:4096])
        j = vmdesc(s)
        if j:
            put(out, "fuzz_vmdesc", name + ".json", j)
    for f in glob.glob(os.path.join(ROOT, "fixtures", "qemu-*", "*.gz")):
        put(out, "fuzz_stream", os.path.basename(f), load(f))
    for f in sorted(glob.glob(os.path.join(ROOT, "fixtures", "libvirt", "*.libvirt*"))):
        data = load(f)[:300000] if f.endswith(".xz") else load(f)
        put(out, "fuzz_stream", os.path.basename(f), data)

    head = streams.get("qemu-7.2-q35-generic", b"")[:65536]
    for sel, tool in enumerate(["gzip", "bzip2", "xz", "zstd"]):
        c = compress(tool, head)
        if c:
            put(out, "fuzz_decompress", tool, bytes([sel]) + c)
            put(out, "fuzz_decompress", tool + ".small", bytes([sel]) + compress(tool, head[:512]))

    with tarfile.open(os.path.join(ROOT, "tests", "fuzz", "corpus", "schema_decode.tar.xz")) as t:
        for m in t.getmembers():
            if m.isfile():
                put(out, "fuzz_schema_decode", os.path.basename(m.name), t.extractfile(m).read())

    yaml = [(1, f) for f in glob.glob(os.path.join(ROOT, "vmstate", "schemas", "*.yaml"))]
    yaml += [(2, f) for f in glob.glob(os.path.join(ROOT, "rules", "profiles", "qemu-*"))]
    yaml += [(3, os.path.join(ROOT, "rules", "virtio-pci-layout.yaml"))]
    yaml += [(0, f) for f in glob.glob(os.path.join(ROOT, "rules", "*.yaml"))]
    for sel, f in yaml:
        data = open(f, "rb").read()
        put(out, "fuzz_yaml", "%d-%s" % (sel, os.path.basename(f)), bytes([sel]) + data)
        if sel == 2 and not f.endswith(".xz"):
            # the head of a profile, cut at a line: fast to load, same keys
            cut = data[:20000]
            put(out, "fuzz_yaml", "2-head-" + os.path.basename(f),
                bytes([2]) + cut[:cut.rfind(b"\n") + 1])

    configs = []
    for f in sorted(glob.glob(os.path.join(ROOT, "fixtures", "qemu-*", "*.json"))):
        argv = json.load(open(f)).get("argv")
        if argv:
            text = shlex.join(argv).encode()
            configs.append(text)
            put(out, "fuzz_config", os.path.basename(os.path.dirname(f)) + "-" +
                os.path.basename(f), text)
    for f in glob.glob(os.path.join(ROOT, "tests", "data", "config", "*.xml")) + \
            [os.path.join(ROOT, "fixtures", "libvirt", "domain.xml")]:
        data = open(f, "rb").read()
        configs.append(data)
        put(out, "fuzz_config", os.path.basename(f), data)

    for f in glob.glob(os.path.join(ROOT, "tests", "oracle", "vmstate", "*.json.xz")):
        put(out, "fuzz_vmstate", os.path.basename(f)[:-3], load(f))

    def pair(mode, a, b):
        # vmc_fuzz_split: cut = k * rest / 65535, rounded down; find k
        rest = len(a) + len(b)
        k = (len(a) * 65535 + rest - 1) // rest if rest else 0
        while k * rest // 65535 < len(a):
            k += 1
        return bytes([mode, k >> 8, k & 0xff]) + a + b

    for a, b in [("qemu-7.2-q35-generic", "qemu-7.2-q35-transitional"),
                 ("qemu-7.2-i440fx-generic", "qemu-10.0-i440fx-generic"),
                 ("qemu-10.0-q35-non-transitional", "qemu-10.0-q35-generic")]:
        if a in streams and b in streams:
            put(out, "fuzz_check", "check-%s-%s" % (a, b), pair(0, streams[a], streams[b]))
    for i in range(len(configs)):
        j = (i + 1) % len(configs)
        put(out, "fuzz_check", "prove-%d-%d" % (i, j), pair(1, configs[i], configs[j]))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: seeds.py OUT_DIR")
    sys.exit(main(sys.argv[1]))
