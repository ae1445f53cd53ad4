#!/usr/bin/env bash
# run.sh BUILD_DIR [SECONDS] - run EVERY libFuzzer target for SECONDS
# (default $VMC_FUZZ_SECONDS, else 60) on its seed corpus, built from the
# real fixtures by seeds.py (BUILD_DIR/fuzz-corpus/<target>, kept between
# runs so coverage accumulates), with the target's dictionary.
# Fails if any target finds a crash, a leak, a timeout or an OOM; the input
# is left in BUILD_DIR/fuzz-crashes/<target>/ (add it to
# tests/data/fuzz-regressions/<target>/ once fixed, see docs/fuzzing.md).
# Targets run one after another: 8 x 60 s is about 9 minutes.
set -uo pipefail
build=$1 secs=${2:-${VMC_FUZZ_SECONDS:-60}}
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$build/fuzz-corpus"
crashes="$build/fuzz-crashes"
mkdir -p "$corpus" "$crashes"
python3 "$root/tests/fuzz/seeds.py" "$corpus" || exit 1

# target  max_len  dictionary
targets=(
  "fuzz_stream        1100000 stream.dict"
  "fuzz_decompress    200000  stream.dict"
  "fuzz_vmdesc        2000000 json.dict"
  "fuzz_schema_decode 100000  -"
  "fuzz_yaml          600000  yaml.dict"
  "fuzz_config        65536   config.dict"
  "fuzz_vmstate       2000000 json.dict"
  "fuzz_check         2200000 stream.dict"
)
failed=0
for spec in "${targets[@]}"; do
  read -r t maxlen dict <<<"$spec"
  mkdir -p "$corpus/$t" "$crashes/$t"
  args=(-max_total_time="$secs" -max_len="$maxlen" -rss_limit_mb=2048 -timeout=20
        -print_final_stats=1 -artifact_prefix="$crashes/$t/")
  [ "$dict" != - ] && args+=(-dict="$root/tests/fuzz/$dict")
  echo "fuzz: $t for ${secs}s"
  # -timeout is per input; the outer timeout catches a hang in start-up
  timeout $((secs + 120)) "$build/tests/fuzz/$t" "${args[@]}" "$corpus/$t" \
    > "$build/fuzz-$t.log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^stat::average_exec_per_sec|^#[0-9]+.*(DONE|cov:)' \
    "$build/fuzz-$t.log" | tail -n 3
  if [ $rc -ne 0 ] || ls "$crashes/$t"/* >/dev/null 2>&1; then
    echo "fuzz: $t FAILED (exit $rc); log: $build/fuzz-$t.log; inputs:" >&2
    ls "$crashes/$t" >&2
    grep -m 5 -E 'ERROR|SUMMARY' "$build/fuzz-$t.log" >&2
    failed=1
  fi
done
exit $failed
