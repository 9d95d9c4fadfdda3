"""Every method's metrics on the `smoke` profile, for comparing the package before and after a change that must not
move the numbers. `python tests/smoke_metrics.py OUT.json [results_dir]` writes {task/method: metrics}, without the
fields that describe where and how long a run ran (those may differ between two identical runs)."""
import json, sys, tempfile
import torch

TASKS = ('rhd2h3d', 'surreal2h36m')
METHODS = ('source_only', 'oracle', 'baseline', 'pseudo', 'pseudo_m2d', 'pseudo_m3d', 'pseudo_union',
           'pseudo_independent', 'rec', 'baseline_rec', 'pseudo_rec', 'regda', 'ccssl')
VOLATILE = ('train_seconds', 'device', 'processes', 'torch')


def smoke_metrics(results_dir) -> dict:
    from synreal.experiments import run_grid
    from synreal.config import get_profile
    torch.set_num_threads(1)
    runs = run_grid(TASKS, METHODS, [0], get_profile('smoke'), results_dir=results_dir, progress=False)
    return {f'{t}/{m}': {k: v for k, v in runs[t][m][0].items() if k not in VOLATILE}
            for t in TASKS for m in METHODS}


if __name__ == '__main__':
    out = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        metrics = smoke_metrics(sys.argv[2] if len(sys.argv) > 2 else tmp)
    open(out, 'w').write(json.dumps(metrics, indent=1, sort_keys=True))
    print(f'{len(metrics)} runs -> {out}')
