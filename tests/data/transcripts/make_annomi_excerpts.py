#!/usr/bin/python3
"""Write the AnnoMI excerpts of tests/data/transcripts/ (see README.md).

Usage: make_annomi_excerpts.py ../shared/data/annomi/annomi-simple.csv

annomi-excerpt.csv: rows copied byte for byte (the CSV module rewrites
quoting the way the source has it) from transcripts 1, 16 and 38.
annomi-t1.{txt,json,vtt}: the first 20 rows of transcript 1 written in
the other formats, so the test can check that every reader gives the
same utterances.
"""
import csv
import json
import sys

PICK = {"1": range(0, 20), "16": range(16, 22), "38": range(64, 71)}


def ts_ms(ts):
    h, m, s = ts.split(":")
    return (int(h) * 3600 + int(m) * 60 + int(s)) * 1000


def vtt_time(ms):
    return "%02d:%02d:%02d.%03d" % (ms // 3600000, ms // 60000 % 60,
                                    ms // 1000 % 60, ms % 1000)


def main(src):
    with open(src, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        header = next(rd)
        rows = [r for r in rd
                if r[0] in PICK and int(r[5]) in PICK[r[0]]]
    with open("annomi-excerpt.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    t1 = [r for r in rows if r[0] == "1"]
    col = {name: i for i, name in enumerate(header)}
    spk = lambda r: r[col["interlocutor"]]
    txt = lambda r: r[col["utterance_text"]]
    tim = lambda r: r[col["timestamp"]]
    with open("annomi-t1.txt", "w", encoding="utf-8") as f:
        for r in t1:
            f.write("[%s] %s: %s\n" % (tim(r), spk(r).capitalize(), txt(r)))
    with open("annomi-t1.json", "w", encoding="utf-8") as f:
        json.dump({"transcript_id": "1",
                   "utterances": [{"utterance_id": int(r[col["utterance_id"]]),
                                   "interlocutor": spk(r),
                                   "timestamp": tim(r),
                                   "utterance_text": txt(r)} for r in t1]},
                  f, ensure_ascii=False, indent=1)
        f.write("\n")
    with open("annomi-t1.vtt", "w", encoding="utf-8") as f:
        f.write("WEBVTT\n")
        for i, r in enumerate(t1):
            start = ts_ms(tim(r))
            end = ts_ms(tim(t1[i + 1])) if i + 1 < len(t1) else start + 5000
            text = txt(r).replace("&", "&amp;").replace("<", "&lt;")
            f.write("\n%d\n%s --> %s\n<v %s>%s\n" % (
                i + 1, vtt_time(start), vtt_time(end), spk(r), text))


if __name__ == "__main__":
    main(sys.argv[1])
