#!/usr/bin/env python3
"""tests/bench/fusion_pairs.py — which dispatches remain after fusion, and
which pairs of them follow each other, on the selection set: where a new
superinstruction would cut most dispatches (docs/performance.md).

usage: tests/bench/fusion_pairs.py POOLVM STEPS PROG.pasm...
  e.g. tests/bench/fusion_pairs.py build/poolvm 2000000 tests/bench/programs/*.pasm programs/*.pasm

For each program it traces the first STEPS instructions (`run --trace=exec
--max-steps`, the unfused instructions) and walks them over the fused
listing (`dis --fused`): where a superinstruction sits and the trace runs
through its whole sequence, that is one dispatch. It prints, averaged over
the programs (each program counts equally: its counts are divided by its
own dispatches, so a long program does not drown the rest), the most frequent dispatches, pairs of
consecutive dispatches, and the plain instructions each pair covers.
Slow (Python reads every trace line): about 9 minutes for the selection
set at 2,000,000 steps on the 2-core machine."""
import subprocess, sys, re, collections
poolvm, steps, progs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def fused_map(prog):
    out = subprocess.run([poolvm, 'dis', '--fused', prog], capture_output=True, text=True).stdout
    m = {}; func = None; pc = 0
    for line in out.splitlines():
        if line.startswith('.func'):
            func = line.split()[1]; pc = 0; continue
        if not line.startswith('    '): continue
        body, _, comment = line.partition(';')
        mn = body.split()[0]
        fused = None
        if '=' in comment:
            name, _, seq = comment.partition('=')
            fused = (name.strip(), len(seq.split()))
        m[(func, pc)] = (mn, fused)
        pc += 1
    return m
pairs = collections.Counter(); singles = collections.Counter(); seqs = collections.Counter()
total_disp = 0; total_instr = 0
for prog in progs:
    fm = fused_map(prog)
    p = subprocess.Popen([poolvm, 'run', '--trace=exec', f'--max-steps={steps}', prog], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    tr = []
    for line in p.stdout:
        if not line.startswith('exec'): continue
        f = line.split()
        tr.append((f[2], int(f[3])))
    p.wait()
    disp = []  # (name, plain ops tuple)
    i = 0
    while i < len(tr):
        fn, pc = tr[i]
        mn, fused = fm.get((fn, pc), ('?', None))
        if fused:
            name, L = fused
            ok = all(i + k < len(tr) and tr[i + k] == (fn, pc + k) for k in range(L))
            if ok:
                disp.append((name, tuple(fm[(fn, pc + k)][0] for k in range(L)))); i += L; continue
        disp.append((mn, (mn,))); i += 1
    w = 1.0 / max(1, len(disp))
    total_disp += len(disp); total_instr += len(tr)
    print(f'{prog}: {len(tr)} instructions, {len(disp)} dispatches ({len(tr)/max(1,len(disp)):.2f} per dispatch)', file=sys.stderr)
    for a, b in zip(disp, disp[1:]):
        pairs[(a[0], b[0])] += w
        seqs[' '.join(a[1] + b[1])] += w
    for a in disp: singles[a[0]] += w
n = len(progs)
print('top dispatches (share, averaged over programs):')
for k, v in singles.most_common(25): print(f'  {v/n*100:5.1f}%  {k}')
print('top dispatch pairs:')
for k, v in pairs.most_common(40): print(f'  {v/n*100:5.1f}%  {k[0]} -> {k[1]}')
print('top covered plain sequences of pairs:')
for k, v in seqs.most_common(40): print(f'  {v/n*100:5.1f}%  {k}')
