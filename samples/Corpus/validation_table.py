#!/usr/bin/env python3
"""Markdown table: each validated site's interleaved estimate (from measurements.json) beside its full A/B experiment
(from validate.sh's logs). Usage: validation_table.py measurements.json <validation dir> site:action ..."""
import json, math, os, re, sys
sys.path.insert(0, os.path.dirname(__file__))
from summarize import analyse, pct

def parse_log(path):
    text = open(path, encoding="utf-8").read().replace("\r", "\n")
    rows = {}
    for name, label in (("wall", "wall time"), ("cpu", r"CPU time \(user\+sys\)"), ("jit", "JIT time"), ("code", "Tier1 code")):
        m = re.search(label + r"\s+\S+ \S+\s+\S+ \S+\s+([+-]?[\d.]+%) \[([+-]?[\d.]+%), ([+-]?[\d.]+%)\]\s+([+-]?[\d.]+%) \[([+-]?[\d.]+%), ([+-]?[\d.]+%)\]\s+(\d+)", text)
        if m: rows[name] = m.groups()
    verdict = re.search(r"experiment \d+: (.+?) after (\d+) rounds", text)
    flip = re.search(r"\n  (\S+ → \S+ @IL_\w+: .+)\n", text)
    return rows, verdict.group(1) if verdict else "?", flip.group(1) if flip else ""

def num(s): return float(s.rstrip("%"))

def main():
    data = json.load(open(sys.argv[1]))
    rows, _, _ = analyse(data)
    by = {(r["site"], r["arm"]): r for r in rows}
    print("| site | action | interleaved CPU (n=%d) | A/B CPU | A/B A/A control | n | sign | intervals overlap | ratio A/B ÷ interleaved | interleaved elapsed | A/B wall | code: interleaved / A/B | A/B verdict |" % data["rounds"])
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for pair in sys.argv[3:]:
        site, action = pair.split(":")
        r = by[(site, action)]
        path = os.path.join(sys.argv[2], f"{site}.{action}.log")
        if not os.path.exists(path):
            print(f"| {site} | {action} | … | (no log) |"); continue
        ab, verdict, flip = parse_log(path)
        m, lo, hi, _ = r["cpuNs"]
        il = (math.exp(m) - 1) * 100, (math.exp(lo) - 1) * 100, (math.exp(hi) - 1) * 100
        c = [num(x) for x in ab["cpu"][:3]]
        il_res, ab_res = il[1] > 0 or il[2] < 0, c[1] > 0 or c[2] < 0
        if not il_res and not ab_res: sign = "both ~0"
        elif il_res and ab_res: sign = "agree" if (il[0] > 0) == (c[0] > 0) else "OPPOSITE"
        else: sign = "DISAGREE: only " + ("interleaved" if il_res else "A/B") + " resolved"
        overlap = "yes" if max(il[1], c[1]) <= min(il[2], c[2]) else "no"
        ratio = f"{c[0] / il[0]:.2f}" if il_res else "n/a (interleaved ~0)"
        e = r["elapsedNs"]
        print(f"| {site} | {action} | {il[0]:+.1f}% [{il[1]:+.1f}%, {il[2]:+.1f}%] | {ab['cpu'][0]} [{ab['cpu'][1]}, {ab['cpu'][2]}] | {ab['cpu'][3]} [{ab['cpu'][4]}, {ab['cpu'][5]}] | {ab['cpu'][6]} | {sign} | {overlap} | {ratio} | "
              f"{pct(e[0])} [{pct(e[1])}, {pct(e[2])}] | {ab['wall'][0]} [{ab['wall'][1]}, {ab['wall'][2]}] | {r['code'] * 100:+.1f}% / {ab['code'][0]} | {verdict} |")

if __name__ == "__main__":
    main()
