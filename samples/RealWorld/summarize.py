#!/usr/bin/env python3
"""Turns findings.sh's per-library outputs into markdown sections (the generated part of FINDINGS.md).
usage: summarize.py OUT_DIR library..."""
import json, os, sys
from collections import defaultdict

out, libs = sys.argv[1], sys.argv[2:]

def short(display, n=70):
    return display if len(display) <= n else "…" + display[-(n - 1):]

def events(path):
    sections, cur = defaultdict(list), None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("## "):
            cur = line[3:].split(" in ")[0].split(" (")[0]; continue
        if cur and line and not line.startswith(("flag\t", "count\t")):
            sections[cur].append(line)
    head = open(path, encoding="utf-8").read().splitlines()[1]
    return head, sections

for lib in libs:
    d = os.path.join(out, lib)
    rep = json.load(open(os.path.join(d, "report.json")))
    adv = json.load(open(os.path.join(d, "advise.json")))
    head, ev = events(os.path.join(d, "events.txt"))
    attrs = [l.split("\t") for l in open(os.path.join(d, "attributes.txt"), encoding="utf-8") if l.strip()]
    t, run = rep["totals"], rep["run"]
    print(f"### {lib}\n")
    print(f"Run: `{run['commandLine'].split('/samples/')[-1]}` · "
          f"{run['durationSeconds']:.1f} s · {t.get('samples', '?')} CPU samples · JIT {t.get('jitMilliseconds', t.get('jitMs', '?'))} ms · "
          f"{rep['sitesTotal']} call sites ({rep['frameworkSitesHidden']} framework-internal hidden). Events: {head}.\n")
    print(f"Attributes in the library (reflection, `RealWorld.dll --attributes`): "
          f"{sum(1 for a in attrs if a[0] == 'AggressiveInlining')} AggressiveInlining, {sum(1 for a in attrs if a[0] == 'NoInlining')} NoInlining.\n")

    print("Top sites (`advisor report`):\n")
    print("| # | site | bound | of caller | caller → callee | JIT decision | attribute |")
    print("|---|---|---|---|---|---|---|")
    for s in rep["sites"][:8]:
        site = s["site"]
        print(f"| {s['rank']} | {site['id']} | {s['bound']:.1%} | {s.get('shareOfCaller', 0):.1%} | "
              f"`{short(site['caller']['display'], 60)}` → `{short(site['callee']['display'], 60)}` | "
              f"{s['decision']}{(': ' + site['decision']['reason']) if site['decision']['reason'] and site['decision']['reason'] not in s['decision'] else ''} | {s.get('existingAttribute') or '-'} |")
    print()

    # Method level: per attributed inlinee, events (all compiles) and profiled sites (bound summed).
    sites_by_callee = defaultdict(list)
    for s in rep["sites"]:
        sites_by_callee[s["site"]["callee"]["display"].replace("+", "+")].append(s)
    rows = []
    for line in ev.get("inlinees", []):
        flag, ok, failed, inliners, compiles, inlinee, reasons = (line.split("\t") + [""])[:7]
        if flag == "-": continue
        disp = inlinee.replace("::", ".")
        ss = sites_by_callee.get(disp, [])
        rows.append((flag, int(ok), int(failed), int(inliners), int(compiles), inlinee, reasons, len(ss), sum(x["bound"] for x in ss)))
    print(f"Attributed library methods seen as inlinees in the JIT's events ({len(rows)}; successes/failures summed over all compiles; "
          f"sites and summed bound from `report --json`):\n")
    print("| flag | method | inlined | refused | in compiles of (methods) | compiles | profiled sites | bound summed | refusal reasons |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows, key=lambda r: (-r[1], -r[2]))[:15]:
        print(f"| {r[0]} | `{short(r[5], 70)}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} | {r[7]} | {r[8]:.1%} | {r[6] or '-'} |")
    if len(rows) > 15: print(f"| … | {len(rows) - 15} more in events.txt | | | | | | | |")
    print()

    print("Failure reasons, whole trace (count · of them with a library inlinee · reason · methods being compiled, top 3):\n")
    for line in ev.get("failure reasons", [])[:10]:
        c, mine, reason, top = (line.split("\t") + [""])[:4]
        print(f"- {c} · {mine} · **{reason}** · {'; '.join(top.split('; ')[:3])}")
    print()
    b = ev.get("compiles with budget refusals", [])
    print(f"Budget: {b[0] if b else '0 compiles'} with a refusal whose reason names the budget.")
    for line in b[1:6]: print(line)
    if len(b) > 6: print(f"- … {len(b) - 6} more in events.txt")
    print()

    print("`advisor advise`, first 10:\n")
    print("| # | advice | bound | caller → callee | attribute | payoff (as printed) |")
    print("|---|---|---|---|---|---|")
    for s in adv["sites"][:10]:
        site = s["site"]
        print(f"| {s['rank']} | {s['action']} | {s['bound']:.1%} | `{short(site['caller']['display'], 50)}` → `{short(site['callee']['display'], 55)}` | "
              f"{s.get('existingAttribute') or '-'} | {s['payoff']} |")
    print()
