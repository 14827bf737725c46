#!/bin/sh
# bench/gains_vs_r.sh - `attune gains` against the R package suddengains on
# the same generated file (issue 3: at least 100x faster, same gains).
#
# Usage: bench/gains_vs_r.sh [SUDDENGAINS_SRC]
#   SUDDENGAINS_SRC  source tree of the R package suddengains (argument or
#                    environment); needed only the first time, to install
#                    it into build-bench/R-lib. It is not in Debian and not
#                    in this repository: bench/README.md (section
#                    "bench/gains_vs_r") says how to rebuild it.
#   PERSONS          environment, default 100000 people x 12 sessions.
#                    R takes about 20 ms a person: 30-35 minutes at 100 000.
#   KEEP=DIR         environment: keep the CSV files in DIR.
#   REUSE_R=1        environment, with KEEP: reuse the file and the R
#                    results a previous run left in KEEP (R is the slow
#                    part), time and compare attune again.
#   NO_BUILD=1       environment: use build-bench/attune and
#                    build-bench/bench/bench_gains_gen as they are.
#
# Both get the same parameters, those of the package's own example:
# cut-off 7, 25 %, criterion 3 with alpha .05 adjusted for missing data,
# sessions bdi_s1..bdi_s12, gains (not losses), the 1->2 interval not
# tested. R: create_bysg() from a CSV read with read.csv(); attune:
# `attune gains --by gain`. The script prints both times (R split into
# start-up, reading, create_bysg() and writing), the ratios, and checks
# that both found the same gains: the set of (id, session) pairs, then
# the descriptive columns of each gain.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
persons=${PERSONS:-100000}
src=${1:-${SUDDENGAINS_SRC:-}}
rlib=$root/build-bench/R-lib

say() { printf '%s\n' "$*"; }
die() { printf 'gains_vs_r: %s\n' "$*" >&2; exit 1; }

# --- R and the package -------------------------------------------------
command -v Rscript >/dev/null 2>&1 || die "Rscript not found. Debian's R and
the package's imports (as root):
  apt-get install --no-install-recommends r-base-core r-cran-dplyr \\
      r-cran-tidyr r-cran-tibble r-cran-magrittr r-cran-rlang \\
      r-cran-stringr r-cran-psych"

mkdir -p "$rlib"
have_pkg() {
	Rscript -e 'quit(status = !requireNamespace("suddengains", lib.loc = commandArgs(TRUE)[1], quietly = TRUE))' \
	    "$rlib" >/dev/null 2>&1
}
if ! have_pkg; then
	if [ -z "$src" ] || [ ! -f "$src/DESCRIPTION" ]; then
		die "the R package suddengains is not installed in $rlib and no
source tree was given (argument or SUDDENGAINS_SRC${src:+; '$src' has no DESCRIPTION}).
suddengains is on CRAN but not in Debian, and this machine reaches no CRAN:
rebuild its source tree from the public repository milanwiedemann/suddengains
as bench/README.md (section \"bench/gains_vs_r\") describes,
outside this repository (its code is never committed here), e.g. in
/opt/suddengains-src, then run: bench/gains_vs_r.sh /opt/suddengains-src"
	fi
	say "installing suddengains from $src into $rlib"
	R CMD INSTALL -l "$rlib" "$src" >"$rlib/install.log" 2>&1 ||
		die "R CMD INSTALL failed, see $rlib/install.log"
fi
R_LIBS_USER=$rlib Rscript -e 'suppressPackageStartupMessages(library(suddengains)); v <- function(p) as.character(packageVersion(p)); cat("R", as.character(getRversion()), " suddengains", v("suddengains"), " dplyr", v("dplyr"), " tidyr", v("tidyr"), " tibble", v("tibble"), "\n")' ||
	die "suddengains does not load from $rlib"

# --- attune ------------------------------------------------------------
if [ -z "${NO_BUILD:-}" ]; then
	cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build build-bench --target attune bench_gains_gen \
	    >build-bench/gains_vs_r.build.log 2>&1 || {
		tail -20 build-bench/gains_vs_r.build.log >&2
		die "the Release build failed (build-bench/gains_vs_r.build.log)"
	}
fi
attune=$root/build-bench/attune
"$attune" gains --help >/dev/null 2>&1 ||
	die "'attune gains' is not built yet (build-bench/attune gains --help fails)"

# --- data --------------------------------------------------------------
if [ -n "${KEEP:-}" ]; then
	dir=$KEEP
	mkdir -p "$dir"
else
	dir=${TMPDIR:-/tmp}/attune-gains-vs-r.$$
	mkdir -p "$dir"
	trap 'rm -rf "$dir"' EXIT
fi
# --- the R side: read, create_bysg(), write; times of each step --------
cat >"$dir/run.R" <<'EOF'
# Rscript run.R IN OUT TIMES
a <- commandArgs(TRUE)
cpu <- function() { p <- proc.time(); p[["user.self"]] + p[["sys.self"]] }
t0 <- proc.time()[["elapsed"]]
suppressPackageStartupMessages(library(suddengains))
t1 <- proc.time()[["elapsed"]]
d <- utils::read.csv(a[1], na.strings = "NA")
t2 <- proc.time()[["elapsed"]]
c2 <- cpu()
bysg <- suppressMessages(create_bysg(data = d,
    sg_crit1_cutoff = 7,
    id_var_name = "id",
    sg_var_list = paste0("bdi_s", 1:12),
    tx_start_var_name = "bdi_s1",
    tx_end_var_name = "bdi_s12",
    sg_measure_name = "bdi",
    sg_crit2_pct = .25,
    sg_crit3 = TRUE,
    sg_crit3_alpha = .05,
    sg_crit3_adjust = TRUE,
    identify = "sg"))
t3 <- proc.time()[["elapsed"]]
c3 <- cpu()
utils::write.csv(bysg, a[2], row.names = FALSE, na = "", quote = FALSE)
t4 <- proc.time()[["elapsed"]]
cat(sprintf("%.3f %.3f %.3f %.3f %d %.3f\n", t1 - t0, t2 - t1, t3 - t2, t4 - t3,
    nrow(bysg), c3 - c2), file = a[3])
EOF

csv=$dir/sg.csv
if [ -n "${REUSE_R:-}" ] && [ -n "${KEEP:-}" ] && [ -s "$csv" ] &&
   [ -s "$dir/r.csv" ] && [ -s "$dir/r.times" ] && [ -s "$dir/r.time" ]; then
	persons=$(($(wc -l <"$csv") - 1))
	say "reusing $csv ($persons people) and the R results in $dir"
	read -r r_wall r_rss r_user r_sys <"$dir/r.time"
	read -r r_load r_read r_comp r_write r_n r_comp_cpu <"$dir/r.times"
else
	say "generating $persons people x 12 sessions"
	build-bench/bench/bench_gains_gen "$persons" 12 >"$csv"
	mb=$(ls -l "$csv" | awk '{ printf "%.1f", $5 / 1e6 }')
	awk -F, -v mb="$mb" 'NR > 1 { for (i = 2; i <= NF; i++) { n++; if ($i == "NA") m++ } }
		END { printf "file: %s MB, %d scores, %.1f %% missing\n", mb, n, 100 * m / n }' "$csv"

	say "R: create_bysg() on $persons people (one run; this is the slow part)"
	/usr/bin/time -f '%e %M %U %S' -o "$dir/r.time" env R_LIBS_USER="$rlib" \
		Rscript "$dir/run.R" "$csv" "$dir/r.csv" "$dir/r.times" ||
		die "the R run failed"
	read -r r_wall r_rss r_user r_sys <"$dir/r.time"
	read -r r_load r_read r_comp r_write r_n r_comp_cpu <"$dir/r.times"
fi

# --- attune (best of 3) ------------------------------------------------
set -- gains --id id --vars bdi_s1:bdi_s12 --cutoff 7 --pct 0.25 \
	--alpha 0.05 --measure bdi --reversal-from 3
a_wall=""
for i in 1 2 3; do
	s=$(date +%s%N)
	"$attune" "$@" "$csv" >"$dir/a.csv" 2>"$dir/a.err" ||
		{ cat "$dir/a.err" >&2; die "attune gains failed"; }
	e=$(date +%s%N)
	t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", (e - s) / 1e9 }')
	if [ -z "$a_wall" ] || awk -v t="$t" -v b="$a_wall" 'BEGIN { exit !(t < b) }'; then
		a_wall=$t
	fi
done
# CPU time and peak memory: 10 more runs under one /usr/bin/time (its
# 10 ms resolution is coarse for one run).
/usr/bin/time -f '%e %M %U %S' -o "$dir/a.time" sh -c '
	a=$1; shift; for i in 1 2 3 4 5 6 7 8 9 10; do "$a" "$@" || exit 1; done
	' sh "$attune" "$@" "$csv" >/dev/null 2>&1 || die "attune gains failed"
read -r t a_rss a_user a_sys <"$dir/a.time"
a_user=$(awk -v u="$a_user" 'BEGIN { printf "%.4f", u / 10 }')
a_sys=$(awk -v u="$a_sys" 'BEGIN { printf "%.4f", u / 10 }')
a_n=$(($(wc -l <"$dir/a.csv") - 1))

say ""
say "R:      create_bysg(read.csv(FILE), sg_crit1_cutoff = 7, sg_crit2_pct = .25, sg_crit3 = TRUE,"
say "          sg_crit3_alpha = .05, sg_crit3_adjust = TRUE, identify = \"sg\", sg_var_list = bdi_s1..bdi_s12)"
say "attune: attune $* FILE"
awk -v w="$r_wall" -v l="$r_load" -v rd="$r_read" -v c="$r_comp" \
    -v wr="$r_write" -v rss="$r_rss" -v n="$r_n" -v ru="${r_user:-}" \
    -v rs="${r_sys:-}" -v cc="${r_comp_cpu:-}" -v aw="$a_wall" \
    -v arss="$a_rss" -v au="$a_user" -v as="$a_sys" -v an="$a_n" \
    -v p="$persons" 'BEGIN {
	printf "R       wall %9.2f s  (start-up + library %.2f, read.csv %.2f, create_bysg %.2f, write.csv %.2f)  peak %d MB  %d gains\n",
	    w, l, rd, c, wr, rss / 1024, n
	if (ru != "")
		printf "        CPU  %9.2f s  (create_bysg %.2f)\n", ru + rs, cc
	printf "attune  wall %9.3f s  (read, find, write; best of 3)  CPU %.3f s (mean of 10)  peak %d MB  %d gains\n",
	    aw, au + as, arss / 1024, an
	if (aw <= 0) aw = 0.001
	printf "ratio   wall: total %.0fx, compute only %.0fx (create_bysg alone against all of attune)\n",
	    w / aw, c / aw
	if (ru != "" && au + as > 0)
		printf "        CPU:  total %.0fx, compute only %.0fx\n", (ru + rs) / (au + as), cc / (au + as)
	printf "rate    R %.0f people/s, attune %.0f people/s\n", p / c, p / aw
}'
say "load average now: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; other jobs slow both sides)"

# --- same gains? -------------------------------------------------------
# Gains are keyed by id_sg ("ID_sg_N", N = the session before the gain).
awk -F, '
function col(name,   i) { for (i = 1; i <= NF; i++) if ($i == name) return i; return 0 }
function num(x) { return x == "" ? "NA" : x ~ /[A-Za-z]/ ? x : x + 0 }
function differ(a, b) {
	if (a ~ /[A-Za-z]/ || b ~ /[A-Za-z]/) return a != b
	return (a - b > 1e-9 * (1 + (a < 0 ? -a : a))) || (b - a > 1e-9 * (1 + (a < 0 ? -a : a)))
}
BEGIN {
	ncols = split("sg_freq_byperson sg_bdi_2n sg_bdi_1n sg_bdi_n sg_bdi_n1 sg_bdi_n2 sg_bdi_n3 sg_magnitude sg_bdi_tx_change sg_change_proportion sg_reversal_value sg_reversal", cols, " ")
}
FNR == 1 {
	file++
	key = col("id_sg")
	for (k = 1; k <= ncols; k++) pos[file, k] = col(cols[k])
	next
}
file == 1 {
	r[$key] = 1; nr++
	for (k = 1; k <= ncols; k++) rv[$key, k] = pos[1, k] ? num($pos[1, k]) : "?"
	next
}
{
	a[$key] = 1; na++
	for (k = 1; k <= ncols; k++) av[$key, k] = pos[2, k] ? num($pos[2, k]) : "?"
}
END {
	for (g in r) if (!(g in a)) { only_r++; if (only_r <= 20) print "  only R:      " g }
	for (g in a) if (!(g in r)) { only_a++; if (only_a <= 20) print "  only attune: " g }
	for (g in r) if (g in a) {
		same++
		for (k = 1; k <= ncols; k++) if (differ(rv[g, k], av[g, k])) {
			bad[k]++
			if (bad[k] <= 5)
				printf "  %s %s: R %s, attune %s\n", g, cols[k], rv[g, k], av[g, k]
		}
	}
	printf "gains: R %d, attune %d, in both %d, only R %d, only attune %d\n",
	    nr, na, same, only_r, only_a
	for (k = 1; k <= ncols; k++)
		if (bad[k]) printf "  %s differs in %d gains\n", cols[k], bad[k]
	if (only_r || only_a) { print "DIFFERENT gains"; exit 1 }
	nbad = 0
	for (k = 1; k <= ncols; k++) nbad += bad[k]
	print nbad ? "same gains; some descriptive columns differ (above)" : "same gains, same descriptive columns"
}' "$dir/r.csv" "$dir/a.csv"
