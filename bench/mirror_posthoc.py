#!/usr/bin/python3
# mirror_posthoc.py - experiments on the coder's held-out predictions
# (`attune mirror eval --predictions FILE`, 5 folds), for the table
# "What was tried for quality" in bench/README.md. Nothing here ships.
#
#   mirror_posthoc.py ensemble A.csv B.csv ...
#       average the class probabilities of several runs (other seeds or
#       other features) and take the largest: macro-F1 of each run and
#       of the average.
#   mirror_posthoc.py viterbi P.csv
#       sequence decoding over each transcript: the state is (the last
#       therapist code, the last client code); a turn's score is
#       log p(code | turn) from the coder plus a * log P(code | the same
#       speaker's last code), Viterbi for the best sequence (Rabiner,
#       Proc IEEE 1989;77(2):257-286, eq. 30-35). The transition
#       probabilities come from the gold codes of the training folds only
#       (add-one smoothing); a (one for therapist turns, one for client
#       turns) is either fixed or chosen per test fold on the other
#       folds, with transitions that leave the test fold out too.
import csv
import math
import sys

TH = ["question", "reflection", "therapist_input", "other"]
CL = ["change", "neutral", "sustain"]
START = 7            # no previous code of that speaker yet
GRID = [0, 0.05, 0.1, 0.15, 0.2, 0.3]


def load(path):
    return list(csv.DictReader(open(path, newline="")))


def code_ix(r, key):
    """Codes 0-3 therapist, 4-6 client."""
    if r["speaker"] == "therapist":
        return TH.index(r[key])
    return 4 + CL.index(r[key])


def macro_f1(gold, pred, labels):
    fs = []
    for c in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        pr = tp / (tp + fp) if tp + fp else 0
        rc = tp / (tp + fn) if tp + fn else 0
        fs.append(2 * pr * rc / (pr + rc) if pr + rc else 0)
    return sum(fs) / len(fs)


def probs(r):
    k = 4 if r["speaker"] == "therapist" else 3
    return [float(r["p%d" % c]) for c in range(k)]


def ensemble(paths):
    runs = [load(p) for p in paths]
    for sp, names, base in (("therapist", TH, 0), ("client", CL, 4)):
        ix = [i for i, r in enumerate(runs[0]) if r["speaker"] == sp]
        gold = [code_ix(runs[0][i], "gold") for i in ix]
        labels = range(base, base + len(names))
        single = [macro_f1(gold, [code_ix(run[i], "predicted") for i in ix],
                           labels) for run in runs]
        avg = []
        for i in ix:
            p = [sum(v) for v in zip(*(probs(run[i]) for run in runs))]
            avg.append(base + p.index(max(p)))
        print("%s: single %s, average %.4f" % (
            sp, " ".join("%.4f" % f for f in single),
            macro_f1(gold, avg, labels)))


def docs_of(rows):
    d = {}
    for r in rows:
        d.setdefault((int(r["fold"]), r["transcript_id"]), []).append(r)
    for v in d.values():
        v.sort(key=lambda r: int(r["line"]))
    return d


def transitions(docs, folds):
    """log P(code | the same speaker's last code), from gold codes."""
    cnt = [[1.0] * 7 for _ in range(8)]
    for (f, _), d in docs.items():
        if f not in folds:
            continue
        last = [START, START]
        for r in d:
            y = code_ix(r, "gold")
            s = 0 if y < 4 else 1
            cnt[last[s]][y] += 1
            last[s] = y
    lt = [[0.0] * 7 for _ in range(8)]
    for p in range(8):
        for ls in (range(4), range(4, 7)):
            tot = sum(cnt[p][y] for y in ls)
            for y in ls:
                lt[p][y] = math.log(cnt[p][y] / tot)
    return lt


def decode(d, lt, a_th, a_cl):
    v = {(START, START): 0.0}
    back = []
    for r in d:
        th = r["speaker"] == "therapist"
        base = 0 if th else 4
        e = [math.log(max(p, 1e-4)) for p in probs(r)]
        s = sum(math.exp(x) for x in e)
        e = [x - math.log(s) for x in e]
        a = a_th if th else a_cl
        nv, bp = {}, {}
        for (lt_, lc), sc in v.items():
            last = lt_ if th else lc
            for k in range(len(e)):
                y = base + k
                x = sc + e[k] + a * lt[last][y]
                ns = (y, lc) if th else (lt_, y)
                if ns not in nv or x > nv[ns]:
                    nv[ns] = x
                    bp[ns] = ((lt_, lc), y)
        v = nv
        back.append(bp)
    st = max(v, key=v.get)
    out = []
    for bp in reversed(back):
        st, y = bp[st][0], bp[st][1]
        out.append(y)
    return out[::-1]


def score(docs, test_folds, leave_out, a_th, a_cl):
    g = {0: [], 1: []}
    p = {0: [], 1: []}
    for f in test_folds:
        lt = transitions(docs, set(range(5)) - {f} - leave_out)
        for (ff, _), d in docs.items():
            if ff != f:
                continue
            for r, y in zip(d, decode(d, lt, a_th, a_cl)):
                s = 0 if r["speaker"] == "therapist" else 1
                g[s].append(code_ix(r, "gold"))
                p[s].append(y)
    return (macro_f1(g[0], p[0], range(4)),
            macro_f1(g[1], p[1], range(4, 7)))


def viterbi(path):
    docs = docs_of(load(path))
    for a in GRID:
        print("a = %.2f: therapist %.4f, client %.4f" %
              ((a,) + score(docs, range(5), set(), a, a)))
    # nested: a chosen on the other four folds
    g = {0: [], 1: []}
    p = {0: [], 1: []}
    chosen = []
    for f in range(5):
        inner = [j for j in range(5) if j != f]
        res = [(a,) + score(docs, inner, {f}, a, a) for a in GRID]
        a_th = max(res, key=lambda t: t[1])[0]
        a_cl = max(res, key=lambda t: t[2])[0]
        chosen.append((a_th, a_cl))
        lt = transitions(docs, set(range(5)) - {f})
        for (ff, _), d in docs.items():
            if ff != f:
                continue
            for r, y in zip(d, decode(d, lt, a_th, a_cl)):
                s = 0 if r["speaker"] == "therapist" else 1
                g[s].append(code_ix(r, "gold"))
                p[s].append(y)
    print("nested (a therapist, a client per fold: %s): therapist %.4f, "
          "client %.4f" % (chosen, macro_f1(g[0], p[0], range(4)),
                           macro_f1(g[1], p[1], range(4, 7))))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "ensemble":
        ensemble(sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "viterbi":
        viterbi(sys.argv[2])
    else:
        sys.exit("usage: mirror_posthoc.py ensemble A.csv B.csv ... | "
                 "viterbi P.csv")
