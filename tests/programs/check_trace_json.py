#!/usr/bin/env python3
"""tests/programs/check_trace_json.py [--exit N] POOLVM PROGRAM.pasm [ARGS...]

Runs PROGRAM with --trace=summary and --trace-json, parses the JSON as Chrome
Trace Event Format, and checks it against the summary: each pool's last
counter value is its final in-use count, its largest is the peak, and every
call span that opens also closes. Timestamps are instruction counts, so they
must never decrease, and two runs give byte-identical files. Coroutine spans
(async b/e events, one per stretch a coroutine runs) open and close in turn,
and every one is closed at the end, even when an error ended the run inside
coroutines (--exit N: the run's expected exit status, default 0)."""
import json, os, subprocess, sys, tempfile

argv = sys.argv[1:]
want_exit = 0
if argv[:1] == ["--exit"]:
    want_exit, argv = int(argv[1]), argv[2:]
poolvm, prog, *args = argv
tmp = tempfile.mkdtemp()
def run(name):
    out, js = os.path.join(tmp, name + ".txt"), os.path.join(tmp, name + ".json")
    p = subprocess.run([poolvm, "run", "--trace=summary", "--trace-out", out, "--trace-json", js, prog, *args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert p.returncode == want_exit, f"exit {p.returncode}, want {want_exit}"
    return open(out).read(), open(js).read()

summary, text = run("a")
_, text2 = run("b")
assert text == text2, "two runs gave different JSON"
doc = json.loads(text)
events = doc["traceEvents"]
assert events, "no events"

rows = {}
for line in summary.splitlines()[1:]:
    if line.startswith("leaks"):
        break
    cols = line.split()
    rows[cols[0]] = {"in_use": int(cols[3]), "peak": int(cols[4])}

last, peak, depth, ts = {}, {}, 0, 0
running = {}  # coroutine spans (async, by id): each opens at a resume, closes at its yield or return
for e in events:
    assert e["ts"] >= ts, "timestamps go back"
    ts = e["ts"]
    if e["ph"] == "C":
        v = e["args"]["in use"]
        last[e["name"]] = v
        peak[e["name"]] = max(peak.get(e["name"], 0), v)
    elif e["ph"] == "B":
        depth += 1
    elif e["ph"] == "E":
        depth -= 1
        assert depth >= 0, "span closed twice"
    elif e["ph"] == "b":
        assert not running.get(e["id"]), f"coroutine {e['name']} resumed while running"
        running[e["id"]] = True
    elif e["ph"] == "e":
        assert running.get(e["id"]), f"coroutine {e['name']} left without being resumed"
        running[e["id"]] = False
assert depth == 0, f"{depth} call spans left open"
assert not any(running.values()), "a coroutine span left open"

checked = 0
for pool, row in rows.items():
    if pool in last:
        assert last[pool] == row["in_use"], (pool, last[pool], row)
        # Constants are counted before the run starts, so they raise the peak
        # without a counter event.
        assert peak[pool] <= row["peak"], (pool, peak[pool], row)
        checked += 1
assert checked >= 2, f"only {checked} pools had counters"
print(f"ok: {len(events)} events, {checked} pools match the summary")
