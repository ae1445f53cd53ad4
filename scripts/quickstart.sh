#!/usr/bin/env bash
# quickstart.sh - install what vmcompat needs on Debian 12 (as root), build,
# and either run the main job on a bundled fixture or run every test.
#
#   bash scripts/quickstart.sh demo   # install, build, decode a bundled stream
#   bash scripts/quickstart.sh test   # install, build, run all tests (plain,
#                                     # ASan+UBSan, and a short fuzz run)
#
# Environment: BUILD_DIR (default build), JOBS (default nproc),
# VMC_FUZZ_SECONDS (default 60 per target, 8 targets), VMC_SKIP_INSTALL=1 to skip apt.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-demo}
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

# Build and test dependencies: all Debian 12 packages.
BUILD_PKGS=(cmake make gcc g++ pkg-config xz-utils zlib1g-dev libbz2-dev liblzma-dev
            libzstd-dev libjson-c-dev libyaml-dev libxml2-dev libcmocka-dev)
# Tests also use real QEMU (fixture/oracle tests), clang + libFuzzer, and the
# compressors that make container fixtures.
TEST_PKGS=(clang libclang-rt-14-dev qemu-system-x86 python3 gzip bzip2 zstd lzop)

install() {
  [ "${VMC_SKIP_INSTALL:-0}" = 1 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "quickstart: run as root to install packages (or set VMC_SKIP_INSTALL=1)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

build() { # dir, extra cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

case "$mode" in
demo)
  install "${BUILD_PKGS[@]}"
  build "$BUILD_DIR" -DVMC_TESTS=OFF
  "$BUILD_DIR/vmcompat" decode fixtures/qemu-7.2/i440fx-generic.mig.xz
  ;;
test)
  install "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
  echo "== build and test (gcc)"
  # VMC_TESTS=ON explicitly: a build directory configured by `demo` has it off
  build "$BUILD_DIR" -DVMC_TESTS=ON
  (cd "$BUILD_DIR" && ctest --output-on-failure --no-tests=error -j "$JOBS")
  echo "== build and test (ASan + UBSan)"
  build "$BUILD_DIR-asan" -DVMC_SANITIZE=ON -DVMC_TESTS=ON
  (cd "$BUILD_DIR-asan" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
     ctest --output-on-failure --no-tests=error -j "$JOBS")
  echo "== ThreadSanitizer: decode and check from several threads"
  build "$BUILD_DIR-tsan" -DVMC_TSAN=ON -DVMC_TESTS=ON
  (cd "$BUILD_DIR-tsan" && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure --no-tests=error -R 'lib_test_threads')
  echo "== fuzz (libFuzzer, clang, every target ${VMC_FUZZ_SECONDS:-60}s; docs/fuzzing.md)"
  build "$BUILD_DIR-fuzz" -DCMAKE_C_COMPILER=clang\
        -DVMC_FUZZ=ON -DVMC_TESTS=OFF
  bash tests/fuzz/run.sh "$BUILD_DIR-fuzz" "${VMC_FUZZ_SECONDS:-60}"
  ;;
*)
  echo "usage: $0 demo|test" >&2
  exit 64
  ;;
esac
