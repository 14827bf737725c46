#!/usr/bin/python3
"""mirror_sklearn.py - the scikit-learn baseline beside attune's coder.

The same AnnoMI CSV, the same folds as `attune mirror eval` (transcript j
in order of first appearance is in fold j mod K), the same figures
(macro-F1, accuracy, Cohen's kappa) for therapist behaviour and client
talk, through the usual pipeline: TF-IDF of word 1-2-grams and of
character 3-5-grams within word boundaries (sublinear tf), then
multinomial logistic regression with balanced class weights, one model
per speaker. The utterance text alone, no context: the textbook
baseline. Then speed on one core: training on all the data, and coding
(vectorising and predicting) every utterance.

Usage: /usr/bin/python3 bench/mirror_sklearn.py FILE.csv [FOLDS] [C]
Prints "key value" lines (bench/mirror.sh collects them). Needs Debian's
python3-sklearn (run with /usr/bin/python3).
"""
import csv
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.sparse import hstack  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import (accuracy_score, cohen_kappa_score,  # noqa: E402
                             f1_score)

TASKS = (("therapist", "main_therapist_behaviour",
          ["question", "reflection", "therapist_input", "other"]),
         ("client", "client_talk_type", ["change", "neutral", "sustain"]))


def read(path):
    """Rows with one label per utterance (annomi-full.csv: majority)."""
    rows, seen = [], {}
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            key = (r["transcript_id"], r.get("utterance_id", len(rows)))
            if key in seen:              # another annotator's row
                seen[key]["votes"].append(r)
                continue
            r["votes"] = [r]
            seen[key] = r
            rows.append(r)
    for r in rows:
        for _, col, _ in TASKS:
            votes = [v[col] for v in r["votes"] if v[col] not in ("", "n/a")]
            # majority, ties to the code voted first (as attune does)
            r[col] = max(votes, key=lambda c: (votes.count(c),
                                               -votes.index(c))) \
                if votes else "n/a"
    return rows


class Model:
    def __init__(self, c):
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5),
                                     sublinear_tf=True)
        self.lr = LogisticRegression(C=c, max_iter=3000,
                                     class_weight="balanced")

    def fit(self, texts, y):
        x = hstack([self.words.fit_transform(texts),
                    self.chars.fit_transform(texts)]).tocsr()
        self.lr.fit(x, y)
        return self

    def predict(self, texts):
        x = hstack([self.words.transform(texts),
                    self.chars.transform(texts)]).tocsr()
        return self.lr.predict(x)


def main():
    path = sys.argv[1]
    folds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    c = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
    rows = read(path)
    order = {}
    for r in rows:
        order.setdefault(r["transcript_id"], len(order))
    print("sk_transcripts", len(order))
    print("sk_C", c)
    t_cv = time.perf_counter()
    for name, col, classes in TASKS:
        sub = [r for r in rows if r["interlocutor"] == name
               and r[col] in classes]
        texts = [r["utterance_text"] for r in sub]
        y = np.array([r[col] for r in sub])
        fold = np.array([order[r["transcript_id"]] % folds for r in sub])
        pred = np.empty(len(y), dtype=object)
        for k in range(folds):
            tr, te = np.where(fold != k)[0], np.where(fold == k)[0]
            m = Model(c).fit([texts[i] for i in tr], y[tr])
            pred[te] = m.predict([texts[i] for i in te])
        print("sk_%s_n" % name, len(y))
        print("sk_%s_macro_f1 %.3f" % (name, f1_score(y, pred,
                                                       average="macro")))
        print("sk_%s_accuracy %.3f" % (name, accuracy_score(y, pred)))
        print("sk_%s_kappa %.3f" % (name, cohen_kappa_score(y, pred)))
    print("sk_cv_seconds %.1f" % (time.perf_counter() - t_cv))

    # speed: train on everything, then code every utterance (best of 3)
    models, best_train = {}, 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        for name, col, classes in TASKS:
            sub = [r for r in rows if r["interlocutor"] == name
                   and r[col] in classes]
            models[name] = Model(c).fit([r["utterance_text"] for r in sub],
                                        [r[col] for r in sub])
        best_train = min(best_train, time.perf_counter() - t0)
    print("sk_train_seconds %.3f" % best_train)
    by = {name: [r["utterance_text"] for r in rows
                 if r["interlocutor"] == name] for name, _, _ in TASKS}
    n = sum(len(v) for v in by.values())
    nbytes = sum(len(t.encode("utf-8")) for v in by.values() for t in v)
    best = 1e9
    for _ in range(3):
        t0 = time.perf_counter()
        for name, texts in by.items():
            models[name].predict(texts)
        best = min(best, time.perf_counter() - t0)
    print("sk_code_utt_per_s %.0f" % (n / best))
    print("sk_code_text_mb_per_s %.2f" % (nbytes / best / 1e6))


if __name__ == "__main__":
    main()
