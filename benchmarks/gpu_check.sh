#!/usr/bin/env bash
# One short GPU check, meant for a lent GPU machine (its python3 holds a CUDA torch): throughput of the pose,
# pseudo-label and reconstruction steps at the paper's size against the reference loops, then the `paper` profile
# for a few hundred iterations on the embedded hand benchmark written in RHD/H3D formats (data_root = that folder).
# Everything it prints and writes goes to ${OUT:-gpu_check_out}. Usage: bash benchmarks/gpu_check.sh [iters]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_check_out}; mkdir -p "$OUT"
ITERS=${1:-100}
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$OUT/gpu.txt"
t0=$(date +%s)
timeout 120 python3 -m synreal.cli embedded --root /tmp/emb/hands --size default 2>&1 | tail -2
echo "embedded hands generated in $(( $(date +%s) - t0 )) s"
t0=$(date +%s)
timeout 200 python3 benchmarks/throughput.py pose pseudo rec --size paper --device cuda --iters 20 --out "$OUT" 2>&1 \
  | grep -v '^\s*$' | tee "$OUT/throughput.log" | tail -40
echo "throughput in $(( $(date +%s) - t0 )) s"
for method in source_only baseline; do
  t0=$(date +%s)
  timeout 200 python3 -m synreal.cli train --task rhd2h3d --method $method --profile paper --device cuda \
    --data-root /tmp/emb/hands --results-dir /tmp/res --quiet --set epochs=2 iters_per_epoch=$ITERS eval_batch_size=64 \
    2>&1 | tail -8 | tee "$OUT/paper_$method.log"
  echo "paper profile $method: 2 x $ITERS iterations + eval in $(( $(date +%s) - t0 )) s"
  cp /tmp/res/paper/rhd2h3d/$method/seed0/log.jsonl "$OUT/paper_${method}_log.jsonl" 2>/dev/null
  python3 - "$method" <<'PY' 2>/dev/null | tee -a "$OUT/paper_$method.log"
import json, sys
m = json.load(open(f'/tmp/res/paper/rhd2h3d/{sys.argv[1]}/seed0/metrics.json'))
r = lambda d: {k: round(v, 1) for k, v in d.items()}
print(sys.argv[1], 'train_seconds', m['train_seconds'], 'device', m['device'])
print('  source_test', r(m['source_test']['pck_tllib'])); print('  target_test', r(m['target_test']['pck_tllib']))
PY
done
