"""What caps PCK on the embedded benchmark: source-only on the source test split and the oracle on the target
test split, one knob changed at a time from the `cpu` profile (issue 17, item 1).

    python benchmarks/ceiling.py --task rhd2h3d --variants base in96 in128 sigma1 [--epochs 15] [--out F.jsonl]

Each variant is a profile change and/or a benchmark-generator change; a benchmark change generates its own copy
under data/ceiling/<task>-<variant>. Results append to a JSON-lines file (one line per variant, rerun-safe: a variant
already in the file is skipped). Runs go under results/ceiling/<variant>/, never beside the reproduce notebooks'.
"""
import argparse, json, time, os
from dataclasses import replace
from pathlib import Path
import torch
from synreal.config import get_profile, RunConfig
from synreal.train import train_run
from synreal.embedded.hands import HandBenchmarkConfig, make_hand_benchmark
from synreal.embedded.bodies import BodyBenchmarkConfig, make_body_benchmark

# name: (profile overrides, benchmark-config overrides)
VARIANTS = {
    'base': ({}, {}),
    'in96': (dict(input_size=96, cache_size=128), {}),
    'in128': (dict(input_size=128, cache_size=160), {}),
    'hm_eq_in': (dict(narrow_widths=(32, 64)), {}),          # stride-8 trunk: heatmap side = input side
    'sigma1': (dict(sigma=1.0), {}),
    'wide': (dict(narrow_widths=(64, 128, 256), head_width=128), {}),
    'epochs2x': ('2x', {}),
    'epochs4x': ('4x', {}),
    'no_object': ({}, dict(tgt_object=0.0)),                  # hands: no held object in the target
    'no_occluder': ({}, dict(tgt_occluder=0.0)),              # bodies: no occluding object in the target
    'big_src': ({}, dict(src_box=(0.5, 0.8))),                # hands: bigger hands in the source images
    'in128_head32': (dict(input_size=128, cache_size=160, head_width=32), {}),
    'in96_head32': (dict(input_size=96, cache_size=128, head_width=32), {}),
    'head32': (dict(head_width=32), {}),
    'in128_hm_eq_in': (dict(input_size=128, cache_size=160, narrow_widths=(32, 64)), {}),
}

def benchmark_root(task: str, variant: str, bench: dict):
    if not bench: return None
    root = Path('data/ceiling') / f'{task}-{variant}'
    if task == 'rhd2h3d': make_hand_benchmark(root, replace(HandBenchmarkConfig(), **bench), progress=False)
    else: make_body_benchmark(root, replace(BodyBenchmarkConfig(), **bench), progress=False)
    return str(root.resolve())

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--task', default='rhd2h3d'); ap.add_argument('--variants', nargs='+', default=['base'])
    ap.add_argument('--epochs', type=int, default=15); ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--bf16', type=int, default=1); ap.add_argument('--out', default='benchmarks/ceiling.jsonl')
    a = ap.parse_args()
    done = set()
    if Path(a.out).exists():
        done = {(r['task'], r['variant'], r['epochs'], r['seed']) for r in map(json.loads, Path(a.out).read_text().splitlines())}
    for v in a.variants:
        if (a.task, v, a.epochs, a.seed) in done: continue
        prof, bench = VARIANTS[v]
        epochs = a.epochs * {'2x': 2, '4x': 4}.get(prof, 1) if isinstance(prof, str) else a.epochs
        prof = {} if isinstance(prof, str) else prof
        p = get_profile('cpu', epochs=epochs, cpu_bf16=bool(a.bf16), **prof)
        root = benchmark_root(a.task, v, bench)
        row = dict(task=a.task, variant=v, epochs=a.epochs, seed=a.seed, profile=prof, benchmark=bench,
                   bf16=bool(a.bf16), load=os.getloadavg()[0])
        for method, split in (('source_only', 'source_test'), ('oracle', 'target_test')):
            t0 = time.time()
            m = train_run(RunConfig(a.task, method, a.seed, p, root), f'results/ceiling/{v}-e{a.epochs}', progress=False)
            row[f'{method}_seconds'] = round(time.time() - t0)
            row[method] = {s: m[s]['pck_tllib'] for s in ('source_test', 'target_test')}
        with open(a.out, 'a') as f: f.write(json.dumps(row) + '\n')
        so, orc = row['source_only'], row['oracle']
        print(f"{a.task} {v:14s} src-only src {so['source_test']['All']:5.1f} tgt {so['target_test']['All']:5.1f} | "
              f"oracle tgt {orc['target_test']['All']:5.1f} | {row['source_only_seconds']}+{row['oracle_seconds']} s", flush=True)

if __name__ == '__main__':
    torch.set_num_threads(2)
    main()
