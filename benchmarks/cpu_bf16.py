"""bf16 autocast (+ channels_last) against fp32 on the CPU, through the real training loop: `source_only` on the
`cpu` profile, two epochs of `--iters` steps, the second one timed, each setting in a fresh process, at 1 and 2 torch threads, alternated `--repeats`
times (median kept). Prints seconds per step and the fp32/bf16 ratio for each thread count.

    python benchmarks/cpu_bf16.py [--iters 40] [--repeats 2] [--task rhd2h3d] [--size 64]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

CHILD = r'''
import json, sys, time, torch
from synreal.config import RunConfig, get_profile
from synreal.train import train_run
from synreal.tasks import load_task_data
task, size, iters, bf16, threads, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == '1', int(sys.argv[5]), sys.argv[6]
torch.set_num_threads(threads)
p = get_profile('cpu', input_size=size, cache_size=max(96, size + 32), epochs=2, iters_per_epoch=iters, cpu_bf16=bf16)
data = load_task_data(task, p, progress=False)
cfg = RunConfig(task, 'source_only', 0, p)
train_run(cfg, out, data, progress=False)
s = [json.loads(l)['seconds'] for l in (cfg.run_dir(out) / 'log.jsonl').read_text().splitlines()]
print(json.dumps({'s_per_step': (s[1] - s[0]) / iters}))   # the second epoch: warm, no evaluation
'''

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--iters', type=int, default=40); ap.add_argument('--repeats', type=int, default=2)
    ap.add_argument('--task', default='rhd2h3d'); ap.add_argument('--size', type=int, default=64)
    a = ap.parse_args()
    res = {}
    for _ in range(a.repeats):
        for threads in (1, 2):
            for bf16 in (0, 1):
                with tempfile.TemporaryDirectory() as tmp:
                    r = subprocess.run([sys.executable, '-c', CHILD, a.task, str(a.size), str(a.iters), str(bf16), str(threads), tmp],
                                       capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': str(threads)})
                    if r.returncode: sys.exit(r.stderr[-2000:])
                    res.setdefault((threads, bf16), []).append(json.loads(r.stdout.strip().splitlines()[-1])['s_per_step'])
    print(f"{a.task}, {a.size} px, batch 32, source_only step (the second, warm epoch), load average {os.getloadavg()[0]:.2f}")
    for threads in (1, 2):
        f32, b16 = (statistics.median(res[threads, b]) for b in (0, 1))
        print(f"  {threads} thread(s): fp32 {f32:.3f} s/step, bf16 {b16:.3f} s/step, fp32/bf16 {f32 / b16:.2f}x")

if __name__ == '__main__':
    main()
