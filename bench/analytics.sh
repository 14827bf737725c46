#!/bin/sh
# bench/analytics.sh - the analytics of issue 3 over N generated clients x
# 20 sessions: reliable change + sudden gains + rupture detection +
# signals, from memory and from CSV, with rows/s and peak memory; then the
# four `attune` verbs on the same file for reference. All figures from one
# run, so they can be compared with each other.
#
#   mem   bench_analytics mem N: every client generated into memory first
#         (not timed), then the fit and the pass (one core)
#   csv   bench_analytics csv FILE: pass 1 streams FILE for the fit
#         (s1:s20), pass 2 streams it again for the analyses (s1:s20 and
#         a1:a20 in one attune_series_read); peak memory (VmHWM) at the end
#   cat   cat FILE > /dev/null: reading the file from the page cache, the
#         I/O floor (the CSV figures are with the file in the page cache)
#   cli   attune change / gains / ruptures / signals on FILE > /dev/null,
#         wall time and peak memory (GNU time's maximum RSS)
#   check the bench's counts against the verbs' own output (untimed, on
#         the first N only): the bench calls the library as they do
#
# Usage: bench/analytics.sh [N ...]   (default: 100000 1000000)
# Goals (issue 3): the whole pass over 20 million session rows (N = 1
# million) under 4 s on one core from CSV; memory independent of N when
# streaming (compare the csv peak memory of the two N).
set -eu
cd "$(dirname "$0")/.."
sizes=${*:-100000 1000000}
dir=${TMPDIR:-/tmp}/attune-analytics.$$
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT

cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target bench_analytics attune >/dev/null

b=build-bench/bench/bench_analytics
a=build-bench/attune
bands=0-4,5-9,10-14,15-19,20-27

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(uname -sr), $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "compiler: $(cc --version | head -n 1), Release (-O3)"

# The four verbs' options, with the parameters the bench uses (no
# spaces in them: used unquoted).
verb_args() { # VERB FILE
	case $1 in
	change) echo "change --vars s1:s20 --reliability 0.89 --sd 5" \
		"--clin-mean 15 --clin-sd 5 --func-mean 2.91 --func-sd 3.52" \
		"--criterion c --lower-is-better" ;;
	gains) echo "gains --vars s1:s20 --cutoff 7" ;;
	ruptures) echo "ruptures --rule stiles --vars a1:a20" ;;
	signals) echo "signals --fit $2 --bands $bands --lower-is-better" \
		"--vars s1:s20 --alliance-vars a1:a20 --rupture stiles" ;;
	esac
}
cli() { # VERB FILE
	# shellcheck disable=SC2046
	$a $(verb_args "$1" "$2") "$2"
}

# Seconds (wall, from the shell's clock) and peak memory (GNU time's
# maximum RSS, when /usr/bin/time is there) of one command, output to
# /dev/null. Prints "SECS MB".
measure() {
	t=""
	[ -x /usr/bin/time ] && t="/usr/bin/time -f %M -o $dir/time"
	s=$(date +%s%N)
	$t "$@" >/dev/null 2>"$dir/err" || { cat "$dir/err" >&2; exit 1; }
	e=$(date +%s%N)
	if [ -n "$t" ]; then kb=$(tail -n 1 "$dir/time"); else kb=-1; fi
	awk -v s="$s" -v e="$e" -v kb="$kb" 'BEGIN {
		printf "%.3f %s\n", (e - s) / 1e9,
		       kb < 0 ? "?" : sprintf("%.1f", kb * 1024 / 1e6) }'
}

first=1
for n in $sizes; do
	f=$dir/clients-$n.csv
	echo
	echo "=== N = $n clients x 20 sessions = $((n * 20)) session rows"
	s=$(date +%s%N)
	$b gen "$n" >"$f"
	e=$(date +%s%N)
	wc -c <"$f" | awk -v s="$s" -v e="$e" '{
		printf "gen: %.1f MB in %.2f s\n", $1 / 1e6, (e - s) / 1e9 }'

	for _ in 1 2 3; do $b mem "$n"; done >"$dir/mem.out"
	for _ in 1 2 3; do $b csv "$f"; done >"$dir/csv.out"
	grep -v checksum "$dir/mem.out"
	grep -m 1 checksum "$dir/mem.out"
	grep -v checksum "$dir/csv.out"
	grep -m 1 checksum "$dir/csv.out"
	if [ "$(grep checksum "$dir/mem.out" "$dir/csv.out" |
	        sed 's/^[^:]*:[a-z]*: //' | sort -u | wc -l)" -eq 1 ]; then
		echo "checksum: mem and csv agree (all 6 runs)"
	else
		echo "checksum: mem and csv DIFFER" >&2
		exit 1
	fi
	awk '/both passes:/ { for (i = 1; i < NF; i++) if ($i == "in") t = $(i + 1)
	                      if (best == "" || t + 0 < best + 0) best = t }
	     END { f = "goal: both CSV passes under 4 s per 20 M rows: best %.3f s"
	           f = f " for this N, %.3f s scaled to 20 M rows\n"
	           printf f, best, best * 20e6 / ('"$n"' * 20) }' "$dir/csv.out"

	line=""
	for _ in 1 2 3; do
		line="$line $(measure cat "$f" | awk '{ printf "%s s", $1 }'),"
	done
	echo "cat: the file from the page cache (the I/O floor):${line%,}"
	for verb in change gains ruptures signals; do
		line=""
		for _ in 1 2 3; do
			# shellcheck disable=SC2046
			r=$(measure $a $(verb_args $verb "$f") "$f")
			line="$line $(echo "$r" | awk '{ printf "%s s (%s MB)", $1, $2 }'),"
		done
		echo "cli: attune $verb:${line%,}"
	done

	if [ $first -eq 1 ]; then
		# The verbs' counts, written as the bench writes its checksum.
		first=0
		m=$(grep -m 1 checksum "$dir/mem.out")
		{
		cli change "$f" 2>/dev/null | awk -F, 'NR > 1 { c[$NF]++ } END {
			printf "recovered=%d improved=%d unchanged=%d deteriorated=%d harmed=%d\n",
			c["recovered"], c["improved"], c["unchanged"],
			c["deteriorated"], c["harmed"] }'
		cli gains "$f" 2>/dev/null | awk -F, 'NR > 1 { g++; r += $NF; p[$1] = 1 }
			END { printf "gains=%d in %d persons, %d reversed\n", g,
			      length(p), r }'
		cli ruptures "$f" 2>/dev/null | awk -F, 'NR > 1 { q++; c[$8]++; p[$1] = 1 }
			END { printf "ruptures=%d in %d persons, repaired=%d unrepaired=%d\n",
			      q, length(p), c["repaired"], c["unrepaired"] }'
		cli signals "$f" 2>/dev/null | awk -F, 'NR > 1 { c[$9]++ } END {
			printf "not-on-track=%d rupture-unrepaired=%d at-risk=%d on-track=%d no-signal=%d\n",
			c["not-on-track"], c["rupture-unrepaired"], c["at-risk"],
			c["on-track"], c["no-signal"] }'
		} >"$dir/want"
		ok=1
		while IFS= read -r want; do
			case $m in
			*"$want"*) ;;
			*) echo "check: the verbs give '$want', the bench does not" >&2
			   ok=0 ;;
			esac
		done <"$dir/want"
		[ $ok -eq 1 ] || exit 1
		echo "check: attune change/gains/ruptures/signals output the same counts as the bench:"
		sed 's/^/  /' "$dir/want"
	fi
	rm -f "$f"
done
