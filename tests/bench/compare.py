#!/usr/bin/env python3
"""tests/bench/compare.py — runs every benchmark program under poolvm and its
peers (Lua 5.4, the LuaJIT interpreter, Python 3, gforth-fast), alternating
implementations within each round, and prints a Markdown table of median
seconds, peak RSS and the poolvm/peer ratios. It first checks that every
implementation prints exactly what poolvm prints, and exits 1 if one does not.

Usage: tests/bench/compare.py [--poolvm build/poolvm] [--runs 5]
                              [--only fib,loop] [--peers lua5.4,luajit]
                              [--clock wall|cpu] [--max-steps N]
With --max-steps N, poolvm runs under a step budget of N and the same
poolvm without a budget becomes a peer ("no budget"): its ratio is what the
budget costs (issue 14's bound: at most 1.05).
Not part of the test command: benchmarks are measured, never asserted.
"""
import argparse
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PROGRAMS = os.path.join(HERE, "programs")

# name -> (poolvm program, arguments given to every implementation)
BENCHMARKS = {
    "fib": ("tests/bench/programs/fib.pasm", []),
    "loop": ("tests/bench/programs/loop.pasm", []),
    "binary_trees": ("programs/binary_trees.pasm", ["16"]),
    "list": ("tests/bench/programs/list.pasm", []),
    "strings": ("tests/bench/programs/strings.pasm", []),
    "sieve": ("tests/bench/programs/sieve.pasm", []),
    "fannkuch": ("tests/bench/programs/fannkuch.pasm", []),
    # The plain set (tests/bench/plain/): written as a simple compiler would
    # emit them and never used to choose superinstructions (see
    # docs/performance.md). Peers' versions sit next to each .pasm.
    "words": ("tests/bench/plain/words.pasm", []),
    "matrix": ("tests/bench/plain/matrix.pasm", []),
    "hashtab": ("tests/bench/plain/hashtab.pasm", []),
    "physics": ("tests/bench/plain/physics.pasm", []),
    "fifo": ("tests/bench/plain/fifo.pasm", []),
    "tokens": ("tests/bench/plain/tokens.pasm", []),
    "heap": ("tests/bench/plain/heap.pasm", []),
}

# peer name -> (command prefix, file extension, flag that prints the version)
PEERS = {
    "lua5.4": (["lua5.4"], "lua", "-v"),
    "luajit -joff": (["luajit", "-joff"], "lua", "-v"),
    # Debian's python3 package, not whichever python3 comes first on PATH.
    "python3": (["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"], "py", "--version"),
    "gforth-fast": (["gforth-fast"], "fs", "--version"),
}
NO_BUDGET = "no budget"  # with --max-steps: the same poolvm, unbudgeted
TIME = "/usr/bin/time"  # GNU time (Debian package `time`), for peak RSS


def run_once(cmd, clock="wall"):
    """Runs cmd; returns (seconds, its peak RSS in KiB, stdout, exit status, stderr).
    Seconds are wall time, or with clock="cpu" the child's user + system CPU
    time, which a machine shared with other work disturbs far less."""
    # Linux carries a process's peak RSS across exec, so a child forked from
    # this (large) Python would report Python's own; GNU time is small.
    # The CPU time comes from wait4 on GNU time, whose usage includes the run
    # it waited for: microseconds, where time's own %U/%S print hundredths
    # (2 % of a 0.5 s run). time itself adds well under a millisecond.
    with tempfile.NamedTemporaryFile() as rss, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([TIME, "-f", "%M", "-o", rss.name] + cmd, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        fields = open(rss.name).read().split()
        kib = int(fields[-1]) if fields and fields[-1].isdigit() else 0
        if clock == "cpu":
            elapsed = usage.ru_utime + usage.ru_stime
        return elapsed, kib, out.read(), proc.returncode, err.read()


def machine():
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def version(peer):
    if peer == NO_BUDGET:
        return "the same binary, no --max-steps"
    prefix, _, flag = PEERS[peer]
    try:
        p = subprocess.run([prefix[0], flag], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (p.stdout + p.stderr).strip().splitlines()
    return text[0] if text else "?"


def ratio_table(names, peers, figures, unit, show):
    """Markdown: a row per benchmark, poolvm's figure, then each peer's and
    poolvm/peer; a dash where a peer has no version of the benchmark."""
    suffix = f" {unit}" if unit else ""
    lines = ["| benchmark | poolvm" + suffix + " |" + "".join(f" {p}{suffix} | ratio |" for p in peers),
             "|---|---:|" + "---:|---:|" * len(peers)]
    for b in names:
        mine = figures[(b, "poolvm")]
        row = f"| {b} | {show(mine)} |"
        for p in peers:
            if (b, p) not in figures:
                row += " — | — |"
                continue
            row += f" {show(figures[(b, p)])} | {mine / max(figures[(b, p)], 1e-9):.2f}× |"
        lines.append(row)
    return "\n".join(lines)


def paired_table(names, peers, paired):
    """Markdown: a row per benchmark, the median per-round ratio per peer."""
    lines = ["| benchmark |" + "".join(f" ÷ {p} |" for p in peers), "|---|" + "---:|" * len(peers)]
    for b in names:
        lines.append(f"| {b} |" + "".join(f" {paired[(b, p)]:.3f}× |" if (b, p) in paired else " — |" for p in peers))
    return "\n".join(lines)


def startup_table(poolvm, peers, runs=200):
    """Median wall time of tiny runs: poolvm's startup must not depend on pool capacity."""
    def median_ms(cmd):
        xs = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
            xs.append(time.perf_counter() - start)
        return statistics.median(xs) * 1000
    rows = [("poolvm run programs/hello.pasm", [poolvm, "run", "programs/hello.pasm"]),
            ("poolvm run --pool cons=10000000 programs/hello.pasm",
             [poolvm, "run", "--pool", "cons=10000000", "programs/hello.pasm"]),
            ("/bin/true (process start alone)", ["/bin/true"])]
    if "lua5.4" in peers:
        rows.append(("lua5.4 -e ''", ["lua5.4", "-e", ""]))
    out = [f"Startup, median of {runs} runs, ms (includes starting the process):", "",
           "| command | ms |", "|---|---:|"]
    out += [f"| `{name}` | {median_ms(cmd):.2f} |" for name, cmd in rows]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--poolvm", default=os.path.join(ROOT, "build", "poolvm"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="", help="comma list of benchmarks")
    ap.add_argument("--peers", default="", help="comma list of peers (default: all installed)")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall time (default) or user+system CPU time of the run")
    ap.add_argument("--max-steps", type=int, default=0,
                    help="run poolvm with this step budget; the unbudgeted run becomes the peer 'no budget'")
    args = ap.parse_args()
    if args.max_steps < 0:
        sys.exit("compare.py: --max-steps takes N >= 1")

    names = [n for n in args.only.split(",") if n] or list(BENCHMARKS)
    for n in names:
        if n not in BENCHMARKS:
            sys.exit(f"compare.py: unknown benchmark '{n}' (have: {', '.join(BENCHMARKS)})")
    peers = [p for p in args.peers.split(",") if p] or list(PEERS)
    for p in peers:
        if p not in PEERS:
            sys.exit(f"compare.py: unknown peer '{p}' (have: {', '.join(PEERS)})")
    missing = [p for p in peers if shutil.which(PEERS[p][0][0]) is None]
    for p in missing:
        print(f"note: {p} is not installed; its column is left out", file=sys.stderr)
    peers = [p for p in peers if p not in missing]
    if args.max_steps:
        peers = [NO_BUDGET] + ([p for p in args.peers.split(",") if p] and peers)
    if not os.access(TIME, os.X_OK):
        sys.exit(f"compare.py: needs GNU time at {TIME} (apt-get install -y time)")
    if not os.access(args.poolvm, os.X_OK):
        sys.exit(f"compare.py: no poolvm at {args.poolvm} (build first, or pass --poolvm)")

    impls = ["poolvm"] + peers

    def peer_file(impl, bench):
        """The peer's version of the benchmark, or None when it has none."""
        program = BENCHMARKS[bench][0]
        if impl == NO_BUDGET:
            return os.path.join(ROOT, program)
        ext = PEERS[impl][1]
        for d in (os.path.join(ROOT, os.path.dirname(program)), PROGRAMS):
            f = os.path.join(d, f"{bench}.{ext}")
            if os.path.exists(f):
                return f
        return None

    def command(impl, bench):
        program, bargs = BENCHMARKS[bench]
        if impl == "poolvm":
            budget = ["--max-steps", str(args.max_steps)] if args.max_steps else []
            return [args.poolvm, "run"] + budget + [program] + bargs
        if impl == NO_BUDGET:
            return [args.poolvm, "run", program] + bargs
        return PEERS[impl][0] + [peer_file(impl, bench)] + bargs

    runs_of = {b: [i for i in impls if i == "poolvm" or peer_file(i, b)] for b in names}
    times = {(b, i): [] for b in names for i in runs_of[b]}
    rss = {(b, i): 0 for b in names for i in runs_of[b]}
    outputs = {}
    failed = False
    for r in range(args.runs):
        for b in names:
            # Alternate the order each round so no implementation always runs
            # right after the same neighbour.
            order = runs_of[b] if r % 2 == 0 else list(reversed(runs_of[b]))
            for i in order:
                secs, kib, out, status, err = run_once(command(i, b), args.clock)
                if status != 0:
                    print(f"FAIL {b} under {i}: exit {status}\n{err.decode(errors='replace')}", file=sys.stderr)
                    failed = True
                if r == 0:
                    outputs[(b, i)] = out
                times[(b, i)].append(secs)
                rss[(b, i)] = max(rss[(b, i)], kib)
        print(f"round {r + 1}/{args.runs} done", file=sys.stderr)

    for b in names:
        for i in runs_of[b][1:]:
            if outputs[(b, i)] != outputs[(b, "poolvm")]:
                print(f"MISMATCH {b}: {i} printed something other than poolvm", file=sys.stderr)
                failed = True

    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"Measured {datetime.date.today().isoformat()} on {machine()}; "
          f"median of {args.runs} alternating runs, {args.clock} time; ratio = poolvm time / peer time (below 1 means poolvm is faster).")
    print()
    print("Versions: " + "; ".join([f"poolvm {args.poolvm}"] + [f"{p}: {version(p)}" for p in peers]))
    print()
    print(ratio_table(names, peers, med, "s", lambda x: f"{x:.3f}"))
    print()
    # Each round runs poolvm and a peer back to back, so a round's own ratio
    # cancels what drifts on a shared machine over the whole measurement.
    paired = {(b, p): statistics.median(mine / max(theirs, 1e-9) for mine, theirs in
                                        zip(times[(b, "poolvm")], times[(b, p)]))
              for b in names for p in peers if (b, p) in times}
    print("Median of the rounds' own ratios (poolvm ÷ peer in the same round):")
    print()
    print(paired_table(names, peers, paired))
    print()
    print("Peak RSS, MiB:")
    print()
    print(ratio_table(names, peers, rss, "", lambda kib: f"{kib / 1024:.1f}"))
    print()
    print(startup_table(args.poolvm, peers))
    if failed:
        print("\nsome implementation failed or disagreed; see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
