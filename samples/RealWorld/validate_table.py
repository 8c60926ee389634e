#!/usr/bin/env python3
"""validate.sh's table: per library, the advice given and what independent experiments measured.
usage: validate_table.py OUT_DIR SMOKE(0|1) library..."""
import json, os, sqlite3, sys

out, smoke, libs = sys.argv[1], sys.argv[2] == "1", sys.argv[3:]
CPU, CODE = "CPU time (user+sys)", "Tier1 code"

def pct(x): return "?" if x is None else f"{x * 100:+.1f}%"

def experiments(db_path):
    """Every experiment in a store: edits, deciding metric (CPU), Tier1 code change, verdict, n, control."""
    if not os.path.exists(db_path): return []
    db = sqlite3.connect(db_path)
    rows = []
    for eid, verdict, deciding, pairs, seconds in db.execute("SELECT id, verdict, deciding_metric, pairs, seconds FROM experiments ORDER BY id"):
        edits = [f"{a.lower()} {t.split('.')[-1]}.{n}" for a, t, n in db.execute(
            "SELECT e.action, m.type, m.name FROM experiment_edits e JOIN methods m ON m.id = e.method_id WHERE e.experiment_id = ?", (eid,))]
        keys = [(c, ce, il) for c, ce, il in db.execute(
            "SELECT (SELECT type || '::' || name || signature FROM methods WHERE id = s.caller_id), "
            "(SELECT type || '::' || name || signature FROM methods WHERE id = s.callee_id), s.il_offset FROM experiment_sites s WHERE s.experiment_id = ?", (eid,))]
        m = {r[0]: r[1:] for r in db.execute(
            "SELECT metric, n, effect, low, high, control_effect, control_low, control_high FROM experiment_metrics WHERE experiment_id = ?", (eid,))}
        rows.append(dict(id=eid, verdict=verdict, deciding=deciding, pairs=pairs, seconds=seconds or 0, edits=edits, keys=keys,
                         metric=m.get(deciding), code=m.get(CODE)))
    return rows

def improved(e):
    """CPU (lower is better) improved: interval below zero and below the A/A control's interval."""
    m = e["metric"]
    return bool(m and e["verdict"] == "Effect" and m[3] is not None and m[3] < 0 and (m[5] is None or m[3] < m[5]))

def regressed(e):
    m = e["metric"]
    return bool(m and e["verdict"] == "Effect" and m[2] is not None and m[2] > 0 and (m[6] is None or m[2] > m[6]))

def code_grew(e):
    """Tier1 code grew, its interval above zero: a removal advised to save code/JIT time that did the opposite."""
    c = e["code"]
    return bool(c and c[2] is not None and c[2] > 0)

def outcome(e):
    m = e["metric"]
    if not m: return "no deciding metric"
    n, eff, lo, hi, ce, cl, ch = m
    code = f"; Tier1 code {pct(e['code'][1])} [{pct(e['code'][2])}, {pct(e['code'][3])}]" if e["code"] and e["code"][1] is not None else ""
    return f"{e['verdict']}: CPU {pct(eff)} [{pct(lo)}, {pct(hi)}], n={n}{code}", f"{pct(ce)} [{pct(cl)}, {pct(ch)}]"

print("| library | advice given (advise, first 10) | re-measured outcome (independent profile + experiment) | A/A control | false wins | missed wins | time spent |")
print("|---|---|---|---|---|---|---|")
for lib in libs:
    d = os.path.join(out, lib)
    # The advice is the second advise's (after the experiments): only measured entries may change a flag.
    f = os.path.join(d, "advise-measured.json")
    adv = json.load(open(f))["sites"] if os.path.exists(f) else []
    given = [s for s in adv if s.get("standing", "measured") == "measured" and s["action"] in ("force", "block", "remove")]
    given_keys = {(s["site"]["caller"]["nameKey"], s["site"]["callee"]["nameKey"], s["site"]["ilOffset"]) for s in given}
    advice = "; ".join(f"#{s['rank']} {s['action']} {s['site']['callee']['display'].split('.')[-1]} ({s['evidence']})" for s in given) \
        or "leave it (all 10)"
    re_ = experiments(os.path.join(d, "remeasure.db"))
    disc = experiments(os.path.join(d, "advisor.db"))
    outcomes, controls, false_wins = [], [], 0
    for e in re_:
        o, c = outcome(e)
        advised = any(k in given_keys for k in e["keys"])
        action = e["edits"][0].split()[0] if e["edits"] else "?"
        is_false = advised and ((regressed(e) or code_grew(e)) if action == "remove" else not improved(e))
        false_wins += is_false
        outcomes.append(f"{', '.join(e['edits'])}: {o}{' **false win**' if is_false else ''}{'' if advised else ' (discovery win, not advised)'}")
        controls.append(c)
    for e in disc:
        o, c = outcome(e)
        outcomes.append(f"discovery {', '.join(e['edits'])}: {o}")
        controls.append(c)
    missed = [e for e in disc + re_ if improved(e) and not any(k in given_keys for k in e["keys"])]
    for log in sorted(f for f in os.listdir(d) if f.startswith(("remeasure-", "discovery")) and f.endswith(".log") and f != "remeasure-collect.log") if os.path.isdir(d) else []:
        lines = [l.strip() for l in open(os.path.join(d, log), encoding="utf-8", errors="replace") if l.strip()]
        if lines and lines[-1].startswith("advisor:"):
            outcomes.append(f"{log}: experiment failed: {lines[-1]}")
    if os.path.exists(os.path.join(d, "remeasure-missing.tsv")):
        outcomes.append(f"{sum(1 for _ in open(os.path.join(d, 'remeasure-missing.tsv')))} advised site(s) not found in the second profile")
    seconds = open(os.path.join(d, "seconds")).read().strip() if os.path.exists(os.path.join(d, "seconds")) else "?"
    exp_s = sum(e["seconds"] for e in re_ + disc)
    label = " — smoke test on a shared, loaded machine" if smoke and (re_ or disc) else ""
    measured_any = bool(re_ or disc)
    print(f"| {lib} | {advice} | {'<br>'.join(outcomes) or 'not measured'}{label} | {'<br>'.join(controls) or '-'} | "
          f"{false_wins if re_ else 'n/a (nothing re-measured)'} | "
          f"{len(missed) if measured_any else 'n/a (no experiment)'}{(': ' + ', '.join(', '.join(e['edits']) for e in missed)) if missed else ''} | "
          f"{seconds} s ({exp_s:.0f} s in {len(re_) + len(disc)} experiments) |")
print()
print("CPU effect: relative change of CPU time (user+sys) with the action applied, 95% interval, n pairs; A/A control: the unmodified "
      "copy against the baseline, same rounds. False win: advice whose independent re-measurement does not improve CPU clear of "
      "the A/A control (a `remove`, which `advisor export` accepts when it costs nothing and shrinks code: a regression clear of "
      "the control, or Tier1 code that grew, interval above zero). Missed win: an experiment that improved CPU clear of "
      "the control at a site `advise` did not advise in its first 10.")
if smoke:
    print("\nSmoke run (--smoke): at most ONE experiment in all, --max-pairs 10; every number above is a smoke test on a shared, "
          "loaded machine, not a measurement.")
