#!/bin/sh
# Build attune twice and run the whole test suite in both builds:
#   build/       gcc, warnings as errors
#   build-asan/  clang, warnings as errors, AddressSanitizer +
#                UndefinedBehaviorSanitizer (-fno-sanitize-recover=all)
# Needs the packages of scripts/install-deps.sh (the *_pg tests start
# their own PostgreSQL with scripts/pg-test-server.sh and fail when the
# postgresql package is missing). Exit 0 only if all pass.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

echo "== gcc build"
cmake -S . -B build -G Ninja -DCMAKE_C_COMPILER=gcc >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j "$jobs"

echo "== clang + ASan/UBSan build"
cmake -S . -B build-asan -G Ninja -DCMAKE_C_COMPILER=clang \
      -DATTUNE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan
# A sanitizer report exits with 86, which no attune code path uses, so a
# test that expects a failure cannot mistake one for the other.
ASAN_OPTIONS=exitcode=86:detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=exitcode=86:print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j "$jobs"
echo "== all tests passed in both builds"
