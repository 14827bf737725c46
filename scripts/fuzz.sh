#!/bin/sh
# Run one libFuzzer target for a while (clang, ASan+UBSan), starting from
# its checked-in corpus; new interesting inputs land in build-fuzz/corpus.
# Usage: scripts/fuzz.sh fuzz_csv|fuzz_instrument [SECONDS]
# Add worthwhile finds to fuzz/corpus/NAME (they then replay in ctest).
set -eu
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/fuzz.sh NAME [SECONDS]}
secs=${2:-60}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang \
      -DATTUNE_FUZZ=ON -DATTUNE_SANITIZE=ON >/dev/null
cmake --build build-fuzz --target "$name"
mkdir -p "build-fuzz/corpus/$name"
"build-fuzz/fuzz/$name" -max_total_time="$secs" -max_len=16384 \
	$( [ -f "fuzz/${name#fuzz_}.dict" ] && echo "-dict=fuzz/${name#fuzz_}.dict" ) \
	"build-fuzz/corpus/$name" "fuzz/corpus/$name"
