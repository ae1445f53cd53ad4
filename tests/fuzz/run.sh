#!/usr/bin/env bash
# run.sh BUILD_DIR SECONDS - run each fuzz target for SECONDS on a corpus
# seeded from the real fixtures (uncompressed and as committed).  Fails if a
# target finds a crash; the crashing input is left in BUILD_DIR/fuzz-crashes.
set -euo pipefail
build=$1 secs=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$build/fuzz-corpus/stream"
crashes="$build/fuzz-crashes"
mkdir -p "$corpus" "$crashes"
for f in "$root"/fixtures/qemu-7.2/*.mig.xz; do
  n=$(basename "$f" .mig.xz)
  [ -f "$corpus/$n" ] || xz -dc "$f" > "$corpus/$n"
  # a short prefix keeps seeds fast while covering header, config and RAM list
  [ -f "$corpus/$n.head" ] || head -c 4096 "$corpus/$n" > "$corpus/$n.head"
done
find "$root/fixtures" -name '*.gz' -o -name '*.libvirt*' -o -name '*.img*' | while read -r f; do
  cp -n "$f" "$corpus/" 2>/dev/null || true
done
for t in fuzz_stream; do
  echo "fuzz: $t for ${secs}s"
  "$build/tests/fuzz/$t" -max_total_time="$secs" -max_len=1200000 -rss_limit_mb=2048 \
     -timeout=20 -artifact_prefix="$crashes/" -dict="$root/tests/fuzz/stream.dict" \
     "$corpus" 2>&1 | tail -n 3
done
