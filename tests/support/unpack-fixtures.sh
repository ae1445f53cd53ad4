#!/bin/sh
# Make raw (uncompressed) copies of the committed xz fixtures for tests that
# exercise raw containers: *.mig.xz (raw QEMU streams) and *.libvirt.xz (raw
# libvirt save images, committed compressed).  Idempotent: a copy newer than
# its source stays.
set -eu
src=$1 dst=$2
mkdir -p "$dst"
find "$src" -name '*.mig.xz' -o -name '*.libvirt.xz' | while read -r f; do
  rel=${f#"$src"/}
  out="$dst/${rel%.xz}"
  mkdir -p "$(dirname "$out")"
  if [ ! -f "$out" ] || [ "$f" -nt "$out" ]; then
    xz -dc "$f" > "$out.tmp" && mv "$out.tmp" "$out"
  fi
done
