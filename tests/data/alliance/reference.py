#!/usr/bin/env python3
"""reference.py - an independent re-implementation of attune's alliance
rupture-repair rules and client-therapist discrepancy, written from
docs/analytics.md (section 3) (not from lib/core/alliance.c), with exact
rational arithmetic (fractions.Fraction) for every decision, so that a
score exactly on a line is decided without rounding.

Used to produce and check the golden files here and to cross-check the
`attune ruptures` command on random series:

    python3 reference.py crosscheck ./build/attune [N]

runs N (default 3000) random people through every rule and option and
compares attune's CSV with this file's answer (numbers to the 6 decimals
attune writes);

    python3 reference.py golden

re-derives every *.expected.csv here. Not run by ctest (CI has no
Python); see README.md for the last run's figures.
"""
import csv
import io
import math
import random
import subprocess
import sys
import tempfile
from fractions import Fraction as F


def frac(v):
    return F(str(v)) if not isinstance(v, F) else v


def rated(xs):
    return [frac(v) for v in xs if v is not None]


def mean_var(xs):
    r = rated(xs)
    if not r:
        return None, None, 0
    m = sum(r) / len(r)
    if len(r) < 2:
        return m, None, len(r)
    return m, sum((v - m) ** 2 for v in r) / (len(r) - 1), len(r)


def sd2_of(kind, var, value):
    """Squared SD for the choice; value is a Fraction or None."""
    if kind == "within":
        return var
    if kind in ("between", "value"):
        return var if value is None else value * value
    if kind == "stricter":
        if value is None:
            return var
        if var is None:
            return value * value
        return max(var, value * value)
    raise ValueError(kind)


def detect(xs, rule, k=None, sd="within", sd_value=None, cutoff=36,
           drop=5, repair=None, within=0, missing="skip", subs=(),
           sub_values=()):
    """Sequences in xs (list of numbers or None). Returns a list of dicts
    with 0-based indexes and floats for the numbers."""
    if k is None:
        k = 1 if rule == "strauss" else 2
    k = frac(k)
    cutoff = frac(cutoff)
    drop = frac(drop)
    sd_value = None if sd_value is None else frac(sd_value)
    if repair is None:
        repair = {"stiles": "mean", "strauss": "pre", "cutoff": "line",
                  "drop": "pre"}[rule]
    m, var, nr = mean_var(xs)
    if nr < 2:
        return []
    s2 = sd2_of(sd, var, sd_value)
    dev = rule in ("stiles", "strauss")
    if dev and not (s2 is not None and s2 > 0):
        return []
    x = [None if v is None else frac(v) for v in xs]

    def below_line(v):            # v <= m - k*sd, exactly
        d = m - v
        return d >= 0 and d * d >= k * k * s2

    def meets(v, prev):
        if dev:
            return below_line(v)
        if rule == "cutoff":
            return v < cutoff
        return prev is not None and prev - v >= drop

    def back(v, pre):
        how = repair
        if how == "pre" and pre is None:
            how = "line"
        if how == "mean":
            return v >= m
        if how == "pre":
            return v >= x[pre]
        if dev:
            return not below_line(v)
        if rule == "cutoff":
            return v >= cutoff
        return x[pre] - v < drop

    out = []
    cur = None                      # open sequence: dict
    prev = None                     # index of the last rated session

    def close(status, rep=None):
        cur["status"] = status
        cur["repair"] = rep
        out.append(cur)

    for i, v in enumerate(x):
        if v is None:
            if missing == "break":
                if cur is not None:
                    close("interrupted")
                    cur = None
                prev = None
            continue
        if cur is not None and within > 0 and i - cur["start"] > within:
            close("unrepaired")
            cur = None
        if cur is not None:
            if back(v, cur["pre"]):
                close("repaired", i)
                cur = None
            elif v < x[cur["lowest"]]:
                cur["lowest"] = i
        else:
            pv = None if prev is None else x[prev]
            if rule == "drop":
                go = meets(v, pv)
            elif rule == "cutoff":
                go = meets(v, None) and (pv is None or not meets(pv, None))
            else:
                go = meets(v, None) and pv is not None and \
                    not meets(pv, None)
            if go:
                cur = {"pre": prev, "start": i, "lowest": i}
        prev = i
    if cur is not None:
        close("unrepaired")

    sd_f = None if s2 is None else math.sqrt(s2)
    # per subscale, for the lead
    sub_info = []
    for j, sx in enumerate(subs):
        sm, sv, _ = mean_var(sx)
        val = sub_values[j] if j < len(sub_values) else None
        s2j = sd2_of(sd, sv, None if val is None else frac(val))
        sub_info.append((sm, s2j))
    for r in out:
        ref = m if dev else cutoff if rule == "cutoff" else x[r["pre"]]
        low = x[r["lowest"]]
        r["reference"] = float(ref)
        r["low"] = float(low)
        r["depth"] = float(ref - low)
        r["sd"] = sd_f
        r["depth_sd"] = float(ref - low) / sd_f if sd_f else None
        best, lead = None, None     # best: exact z squared
        for j, sx in enumerate(subs):
            sm, s2j = sub_info[j]
            v = sx[r["lowest"]]
            if v is None or s2j is None or not s2j > 0:
                continue
            sref = sm
            if not dev and r["pre"] is not None and \
                    sx[r["pre"]] is not None:
                sref = frac(sx[r["pre"]])
            d = sref - frac(v)
            if d <= 0:
                continue
            z2 = d * d / s2j           # exact; ties go to the first
            if best is None or z2 > best:
                best, lead = z2, j
                best_z = float(d) / math.sqrt(s2j)
        r["lead"] = lead
        r["lead_z"] = best_z if lead is not None else None
    return out


def discrepancy(client, therapist, gap=1, sustain=2, missing="skip"):
    gap = frac(gap)
    rows, run = [], 0
    for i, (c, t) in enumerate(zip(client, therapist)):
        if c is None or t is None:
            if missing == "break":
                run = 0
            continue
        d = frac(t) - frac(c)
        run = run + 1 if d >= gap else 0
        rows.append((i, float(d), run, run >= sustain))
    return rows


# ---- cross-check against the attune command ----------------------------

def fmt(v):
    return "" if v is None else repr(v)


def rand_series(rng, n, lo, hi, p_missing):
    base = rng.uniform(lo + (hi - lo) * 0.4, hi)
    xs = []
    for _ in range(n):
        if rng.random() < p_missing:
            xs.append(None)
            continue
        v = base + rng.gauss(0, (hi - lo) / 8)
        if rng.random() < 0.15:
            v -= rng.uniform(0, (hi - lo) / 2)
        xs.append(int(min(hi, max(lo, round(v)))))
    return xs


def crosscheck(binary, n_people=3000, seed=20240101):
    rng = random.Random(seed)
    n_cmp = n_seq = 0
    configs = [
        dict(rule="stiles"), dict(rule="strauss"),
        dict(rule="stiles", repair="line"), dict(rule="strauss",
                                                 repair="mean"),
        dict(rule="stiles", k=1.5, within=2),
        dict(rule="strauss", missing="break"),
        dict(rule="cutoff", cutoff=36), dict(rule="cutoff", cutoff=36,
                                             repair="pre", within=3),
        dict(rule="drop", drop=5), dict(rule="drop", drop=3,
                                        repair="line", missing="break"),
        dict(rule="strauss", sd="value", sd_value=2.5),
        dict(rule="stiles", sd="between"), dict(rule="strauss",
                                                sd="stricter"),
        dict(rule="drop", drop=4, sd="stricter"),
    ]
    for cfg in configs:
        people = []
        for p in range(n_people // len(configs)):
            n = rng.randint(1, 14)
            pm = rng.choice([0, 0, 0.1, 0.3])
            t = rand_series(rng, n, 20, 40, pm)
            g = [None if v is None else min(10, max(0, v // 4 + rng.choice(
                [-1, 0, 0, 1]))) for v in t]
            b = [None if v is None else min(10, max(0, v // 4 + rng.choice(
                [-2, 0, 1]))) for v in t]
            people.append((f"p{p}", t, g, b))
        n = 14
        with tempfile.NamedTemporaryFile("w", suffix=".csv",
                                         delete=False) as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id"] + [f"t{i}" for i in range(1, n + 1)]
                       + [f"g{i}" for i in range(1, n + 1)]
                       + [f"b{i}" for i in range(1, n + 1)])
            for pid, t, g, b in people:
                pad = [None] * (n - len(t))
                w.writerow([pid] + ["" if v is None else v
                                    for v in t + pad + g + pad + b + pad])
            name = f.name
        args = [binary, "ruptures", "--id", "id", "--vars", f"t1:t{n}",
                "--sub", f"goals=g1:g{n}", "--sub", f"bond=b1:b{n}",
                "--scales", "total", "--rule", cfg["rule"]]
        for key, opt in (("k", "--k"), ("repair", "--repair"),
                         ("within", "--within"), ("missing", "--missing"),
                         ("cutoff", "--cutoff"), ("drop", "--drop")):
            if key in cfg:
                args += [opt, str(cfg[key])]
        if cfg.get("sd") == "value":
            args += ["--sd", str(cfg["sd_value"])]
        elif cfg.get("sd") in ("between", "stricter"):
            args += ["--sd", cfg["sd"]]
            cfg = dict(cfg)
            pooled = [lambda q: q[1], lambda q: q[2], lambda q: q[3]]
            sds = []
            for get in pooled:
                allv = [v for q in people for v in get(q)]
                _, var, _ = mean_var(allv)
                sds.append(math.sqrt(var))
            cfg["sd_value"] = sds[0]
            cfg["sub_values"] = (sds[1], sds[2])
        got = subprocess.run(args + [name], capture_output=True, text=True,
                             check=True).stdout
        got_rows = list(csv.DictReader(io.StringIO(got)))
        want = []
        for pid, t, g, b in people:
            pad = [None] * (n - len(t))
            for r in detect(t + pad, subs=(g + pad, b + pad),
                            **{k: v for k, v in cfg.items()}):
                want.append((pid, r))
        if len(want) != len(got_rows):
            raise SystemExit(f"{cfg}: {len(want)} sequences expected, "
                             f"attune found {len(got_rows)}")
        for (pid, r), row in zip(want, got_rows):
            n_cmp += 1
            exp = {"id": pid, "pre": r["pre"], "start": r["start"],
                   "lowest": r["lowest"], "repair": r["repair"],
                   "status": r["status"],
                   "lead": [None, "goals", "bond"][
                       0 if r["lead"] is None else r["lead"] + 1]}
            for key in ("pre", "start", "lowest", "repair"):
                exp[key] = "" if exp[key] is None else str(exp[key] + 1)
            for key in ("id", "pre", "start", "lowest", "repair",
                        "status"):
                if row[key] != exp[key]:
                    raise SystemExit(f"{cfg} {pid}: {key} {row[key]!r}, "
                                     f"expected {exp[key]!r}")
            if (row["lead"] or None) != exp["lead"]:
                raise SystemExit(f"{cfg} {pid}: lead {row['lead']!r}, "
                                 f"expected {exp['lead']!r}")
            for key in ("reference", "low", "depth", "sd", "depth_sd",
                        "lead_z"):
                a = None if row[key] == "" else float(row[key])
                b2 = r[key]
                if (a is None) != (b2 is None) or (
                        a is not None and abs(a - b2) > 5.000001e-7):
                    raise SystemExit(f"{cfg} {pid}: {key} {a}, "
                                     f"expected {b2}")
        n_seq += len(want)
    n_rows = crosscheck_discrepancy(binary, rng, n_people)
    print(f"crosscheck: {len(configs)} configurations, "
          f"{n_people // len(configs) * len(configs)} people, "
          f"{n_seq} sequences, {n_rows} discrepancy rows, all agree")


def crosscheck_discrepancy(binary, rng, n_people):
    n = 12
    n_rows = 0
    for gap, sustain, missing in ((1, 2, "skip"), (0.5, 3, "break"),
                                  (1.5, 1, "skip")):
        people = []
        for p in range(n_people // 6):
            c = rand_series(rng, n, 0, 4, 0.2)
            t = [None if (v is None and rng.random() < 0.7) or
                 rng.random() < 0.1 else
                 min(4, max(0, (v if v is not None else 2) +
                            rng.choice([-1, 0, 1, 1, 2]))) for v in c]
            people.append((f"p{p}", c, t))
        with tempfile.NamedTemporaryFile("w", suffix=".csv",
                                         delete=False) as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["id"] + [f"c{i}" for i in range(1, n + 1)]
                       + [f"t{i}" for i in range(1, n + 1)])
            for pid, c, t in people:
                w.writerow([pid] + ["" if v is None else v for v in c + t])
            name = f.name
        got = subprocess.run(
            [binary, "ruptures", "--discrepancy", "--vars", f"c1:c{n}",
             "--therapist-vars", f"t1:t{n}", "--gap", str(gap),
             "--sustain", str(sustain), "--missing", missing, name],
            capture_output=True, text=True, check=True).stdout
        got_rows = list(csv.DictReader(io.StringIO(got)))
        want = [(pid, r) for pid, c, t in people
                for r in discrepancy(c, t, gap, sustain, missing)]
        if len(want) != len(got_rows):
            raise SystemExit(f"discrepancy: {len(want)} rows expected, "
                             f"{len(got_rows)} found")
        for (pid, (i, d, run, flag)), row in zip(want, got_rows):
            if (row["id"], int(row["session"]), float(row["diff"]),
                    int(row["run"]), row["flag"]) != \
                    (pid, i + 1, d, run, "1" if flag else "0"):
                raise SystemExit(f"discrepancy {pid}: {row}, expected "
                                 f"{(i + 1, d, run, flag)}")
        n_rows += len(want)
    return n_rows


# ---- the golden files ------------------------------------------------------

def _num(v):
    return None if v in ("", "NA") else F(v)


def read_wide(path, idcol, groups):
    """groups: {name: prefix}; columns PREFIX1..PREFIXn."""
    out = []
    with open(path) as f:
        for r in csv.DictReader(f):
            series = {}
            for name, pre in groups.items():
                cols = sorted((k for k in r if k.startswith(pre) and
                               k[len(pre):].isdigit()),
                              key=lambda k: int(k[len(pre):]))
                series[name] = [_num(r[k]) for k in cols]
            out.append((r[idcol], series))
    return out


def read_long(path, col):
    people = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            people.setdefault(r["id"], {})[int(r["session"])] = _num(r[col])
    out = []
    for pid, d in people.items():
        n = max(d)
        out.append((pid, {"total": [d.get(i) for i in range(1, n + 1)]}))
    return out


def pooled_sd(people, name):
    _, var, _ = mean_var([v for _, s in people for v in s[name]])
    return math.sqrt(var)


def expect_rows(people, cfg, scales, all_rows=False):
    rows = []
    for pid, s in people:
        for sc in scales:
            c = dict(cfg)
            if cfg.get("sd") in ("between", "stricter"):
                c["sd_value"] = pooled_sd(people, sc)
                c["sub_values"] = [pooled_sd(people, n) for n in scales[1:]]
            subs = [s[n] for n in scales[1:]] if sc == "total" else ()
            found = detect(s[sc], subs=subs, **c)
            for r in found:
                lead = None if r["lead"] is None else scales[1 + r["lead"]]
                rows.append([pid, sc, cfg["rule"]] +
                            [None if r[k] is None else r[k] + 1
                             for k in ("pre", "start", "lowest", "repair")] +
                            [r["status"], r["reference"], r["low"],
                             r["depth"], r["sd"], r["depth_sd"], lead,
                             r["lead_z"]])
            if not found and all_rows:
                rows.append([pid, sc, cfg["rule"], None, None, None, None,
                             "none"] + [None] * 7)
    return rows


def compare(path, rows):
    with open(path) as f:
        got = list(csv.reader(f))[1:]
    if len(got) != len(rows):
        raise SystemExit(f"{path}: {len(got)} rows, expected {len(rows)}")
    for g, w in zip(got, rows):
        for a, b in zip(g, w):
            if b is None or isinstance(b, str):
                if a != ("" if b is None else b):
                    raise SystemExit(f"{path}: {g} vs {w}")
            elif isinstance(b, bool):
                if a != ("1" if b else "0"):
                    raise SystemExit(f"{path}: {g} vs {w}")
            elif abs(float(a) - float(b)) > 5.000001e-7:
                raise SystemExit(f"{path}: {g} vs {w}")
    return len(rows)


def golden():
    scales = ["total", "goal", "task", "bond"]
    wai = read_wide("wai-wide.csv", "client",
                    {n: n + "_s" for n in scales})
    n = 0
    n += compare("wai.stiles.expected.csv",
                 expect_rows(wai, dict(rule="stiles"), scales))
    n += compare("wai.strauss.expected.csv",
                 expect_rows(wai, dict(rule="strauss"), scales))
    n += compare("wai.strauss-stricter.expected.csv",
                 expect_rows(wai, dict(rule="strauss", sd="stricter"),
                             scales))
    n += compare("wai.stiles-between-all.expected.csv",
                 expect_rows(wai, dict(rule="stiles", sd="between"),
                             scales, all_rows=True))
    srs = read_long("srs-long.csv", "srs")
    n += compare("srs.cutoff.expected.csv",
                 expect_rows(srs, dict(rule="cutoff"), ["total"]))
    n += compare("srs.cutoff-break.expected.csv",
                 expect_rows(srs, dict(rule="cutoff", missing="break"),
                             ["total"]))
    n += compare("srs.drop.expected.csv",
                 expect_rows(srs, dict(rule="drop"), ["total"]))
    pair = read_wide("pair-wide.csv", "id", {"c": "c", "t": "t",
                                             "cg": "cg", "tg": "tg",
                                             "cb": "cb", "tb": "tb"})
    rows, summ = [], []
    for pid, s in pair:
        dt = discrepancy(s["c"], s["t"])
        dg = {i: d for i, d, _, _ in discrepancy(s["cg"], s["tg"])}
        db = {i: d for i, d, _, _ in discrepancy(s["cb"], s["tb"])}
        for i, d, run, flag in dt:
            rows.append([pid, i + 1, float(s["c"][i]), float(s["t"][i]), d,
                         dg.get(i), db.get(i), run, flag])
        ds = [d for _, d, _, _ in dt]
        m = sum(ds) / len(ds)
        sd = math.sqrt(sum((d - m) ** 2 for d in ds) / (len(ds) - 1))
        first = next((i + 1 for i, _, _, f in dt if f), None)
        gs = discrepancy(s["cg"], s["tg"])
        bs = discrepancy(s["cb"], s["tb"])
        summ.append([pid, len(ds), m, sd, max(ds), ds[-1],
                     max(r for _, _, r, _ in dt), first is not None, first,
                     dt[-1][3], sum(d for _, d, _, _ in gs) / len(gs),
                     sum(d for _, d, _, _ in bs) / len(bs),
                     any(f for *_, f in gs), any(f for *_, f in bs)])
    n += compare("pair.session.expected.csv", rows)
    n += compare("pair.person.expected.csv", summ)
    print(f"golden: {n} rows in 9 files agree with this reference")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "golden":
        golden()
        sys.exit(0)
    if len(sys.argv) >= 3 and sys.argv[1] == "crosscheck":
        crosscheck(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3
                   else 3000)
    else:
        print(__doc__)
