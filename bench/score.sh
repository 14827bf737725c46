#!/bin/sh
# bench/score.sh - scoring throughput on N generated PHQ-9 rows (default
# 10 million), all figures from one run so they can be compared:
#   mem   attune_score_rows over rows already in memory (one core)
#   csv   read + parse + validate + score a CSV file through libattune
#   cli   `attune score FILE > /dev/null`, the whole command with output
#   cat   `cat FILE > /dev/null` (the I/O floor: the ratio says how much
#         of the csv path is parsing)
# Usage: bench/score.sh [ROWS]
set -eu
cd "$(dirname "$0")/.."
rows=${1:-10000000}
dir=${TMPDIR:-/tmp}/attune-bench.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target bench_score attune >/dev/null

b=build-bench/bench/bench_score
echo "generating $rows PHQ-9 rows"
$b gen "$rows" >"$dir/phq9.csv"
ls -l "$dir/phq9.csv" | awk '{printf "file: %.1f MB\n", $5 / 1e6}'

for i in 1 2 3; do $b mem "$rows"; done
for i in 1 2 3; do $b csv "$dir/phq9.csv"; done

secs() { # run a command 3 times, print the best wall time in seconds
	best=""
	for i in 1 2 3; do
		s=$(date +%s%N)
		"$@" >/dev/null
		e=$(date +%s%N)
		t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
		if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then
			best=$t
		fi
	done
	echo "$best"
}
mb=$(ls -l "$dir/phq9.csv" | awk '{print $5 / 1e6}')
t_cat=$(secs cat "$dir/phq9.csv")
t_cli=$(secs build-bench/attune score --instrument phq9 "$dir/phq9.csv")
awk -v mb="$mb" -v t="$t_cat" 'BEGIN { printf "cat: best of 3 %.3f s = %.0f MB/s\n", t, mb / t }'
awk -v mb="$mb" -v t="$t_cli" -v r="$rows" 'BEGIN {
	printf "cli: best of 3 %.3f s = %.0f MB/s, %.2f M rows/s\n", t, mb / t, r / t / 1e6 }'
