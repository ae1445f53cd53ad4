#!/usr/bin/env python3
"""Reassemble every oracle stream into a directory (for the C oracle test).

  tests/oracle/unpack.py OUT_DIR

Writes OUT_DIR/<CONFIG_ID>.mig for every stored stream (sha256-verified by
stream.assemble), skipping files that already exist with the right size.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stream  # noqa: E402


def main(out):
    os.makedirs(out, exist_ok=True)
    n = 0
    for cid in stream.list_ids():
        path = os.path.join(out, cid + ".mig")
        size = stream.load_manifest(cid).get("stream_size")
        if os.path.exists(path) and size is not None and os.path.getsize(path) == size:
            continue
        data = stream.assemble(cid)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)
        n += 1
    print("oracle streams: %d written to %s" % (n, out))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: unpack.py OUT_DIR")
    main(sys.argv[1])
