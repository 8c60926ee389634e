#!/usr/bin/env python3
"""Per-site effects from a corpus measurements.json: force/block/control vs default, elapsed and CPU time as mean
per-round log ratios with 95% t-intervals; JIT time (of the optimized compiles) and Tier1 code from the JIT events (one process: code size is
exact; JIT-time noise is estimated from the A/A control copies across all sites). Standard library only."""
import json, math, sys

Z = 1.959963984540054

def t975(df):
    # Cornish-Fisher expansion of Student's t quantile: within 0.001 of the table for df >= 5.
    z = Z
    return z + (z**3 + z) / (4 * df) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2) + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)

def interval(values):
    n = len(values)
    m = sum(values) / n
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1)) if n > 1 else float("inf")
    h = t975(n - 1) * sd / math.sqrt(n) if n > 1 else float("inf")
    return m, m - h, m + h

def pct(x):
    return f"{(math.exp(x) - 1) * 100:+.1f}%"

def code(j):
    return j["callerOptimizedBytes"] + j["calleeOptimizedBytes"]

def analyse(data):
    rows = []
    for s in data["sites"]:
        for arm in ("force", "block", "control"):
            row = {"site": s["id"], "family": s["family"], "arm": arm}
            for metric in ("elapsedNs", "cpuNs"):
                lr = [math.log(r[arm][metric] / r["default"][metric]) for r in s["rounds"]]
                lc = [math.log(r["control"][metric] / r["default"][metric]) for r in s["rounds"]]
                m, lo, hi = interval(lr)
                d_m, d_lo, d_hi = interval([a - b for a, b in zip(lr, lc)])
                row[metric] = (m, lo, hi, len(lr))
                # Resolved: the interval excludes 0; "clear" also needs the difference from the A/A control to.
                row[metric + "Resolved"] = lo > 0 or hi < 0
                row[metric + "Clear"] = (lo > 0 and d_lo > 0) or (hi < 0 and d_hi < 0)
            jd, ja = s["jit"]["default"], s["jit"][arm]
            key = "jitMsOptimized" if "jitMsOptimized" in ja else "jitMs"
            row["jit"] = math.log(ja[key] / jd[key]) if ja[key] > 0 and jd[key] > 0 else float("nan")
            row["code"] = (code(ja) - code(jd)) / code(jd) if code(jd) else float("nan")
            row["decision"] = ja.get("calleeDecision")
            rows.append(row)
    # JIT time is one compile per method and variant: its noise is the spread of control-vs-default across sites.
    aa = [r["jit"] for r in rows if r["arm"] == "control" and not math.isnan(r["jit"])]
    jit_sd = math.sqrt(sum(v * v for v in aa) / len(aa)) if aa else float("inf")
    # Tier1 code is exact per compile, but identical copies still differ by a few bytes (alignment padding, block
    # layout from their own PGO counts): a code effect counts only beyond the largest A/A difference.
    code_floor = max((abs(r["code"]) for r in rows if r["arm"] == "control" and not math.isnan(r["code"])), default=0.0)
    for r in rows:
        r["jitResolved"] = not math.isnan(r["jit"]) and abs(r["jit"]) > Z * jit_sd * math.sqrt(2)
        r["codeResolved"] = not math.isnan(r["code"]) and abs(r["code"]) > code_floor
    return rows, jit_sd, code_floor

def main():
    data = json.load(open(sys.argv[1]))
    rows, jit_sd, code_floor = analyse(data)
    n_rounds = data.get("rounds")
    print(f"{len(data['sites'])} sites, {n_rounds} rounds, runtime {data['runtime']}, {data['machine']}")
    print(f"{'site':24} {'arm':8} {'elapsed [95% CI]':34} {'cpu [95% CI]':34} {'jit':>8} {'code':>8}  decision")
    for r in rows:
        e, c = r["elapsedNs"], r["cpuNs"]
        fmt = lambda m: f"{pct(m[0])} [{pct(m[1])}, {pct(m[2])}]"
        print(f"{r['site']:24} {r['arm']:8} {fmt(e):34} {fmt(c):34} {pct(r['jit']) if not math.isnan(r['jit']) else 'n/a':>8} {r['code'] * 100:+7.1f}%  {r['decision']}")
    print(f"\nJIT-time noise (A/A control vs default, over sites): SD of log ratio {jit_sd:.3f}; a JIT effect counts as resolved beyond ±{pct(Z * jit_sd * math.sqrt(2))}")
    print(f"Tier1 code (caller + callee's own optimized code): identical copies differ by up to {code_floor * 100:.1f}%; a code effect counts beyond that")
    print(f"{'arm':8} {'examples':>8} {'elapsed':>16} {'cpu':>16} {'jit':>6} {'code':>6}   (resolved: 95% interval excludes 0; in brackets: also clear of the A/A control)")
    for arm in ("force", "block", "control"):
        rs = [r for r in rows if r["arm"] == arm]
        cnt = lambda k: sum(1 for r in rs if r[k])
        print(f"{arm:8} {len(rs):8} {cnt('elapsedNsResolved'):>8} ({cnt('elapsedNsClear'):>3}) {cnt('cpuNsResolved'):>8} ({cnt('cpuNsClear'):>3}) {cnt('jitResolved'):>6} {cnt('codeResolved'):>6}")

if __name__ == "__main__":
    main()
