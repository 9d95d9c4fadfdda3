#!/usr/bin/env bash
# One short GPU check, meant for a lent GPU machine (its python3 holds a CUDA torch):
#  1. the `large` embedded hand benchmark (RHD 320 px, H3D crops 256 px) generated, timed;
#  2. the `gpu` profile (ResNet-101, 256 px, bf16, channels_last) for a few hundred iterations: source-only, then
#     Baseline and +rec started from it, each timed, so that Table A's wall time under `gpu` can be estimated;
#  3. throughput of the pose and reconstruction steps at the paper's size against the reference loops.
# Everything it prints and writes goes to ${OUT:-gpu_check_out}.
# Usage: bash benchmarks/gpu_check.sh [source-only epochs of 100 iterations] [adaptation epochs]
# DEADLINE (seconds, default 540) bounds the whole script: each step gets what is left of it, so a slow step cuts the
# later ones short instead of the device call. THROUGHPUT=0 skips step 3.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu_check_out}; mkdir -p "$OUT"
EPOCHS=${1:-3}; ADAPT=${2:-1}; DEADLINE=${DEADLINE:-540}; START=$(date +%s)
left() { local l=$(( DEADLINE - ($(date +%s) - START) )); [ "$l" -lt "$1" ] && echo "$l" || echo "$1"; }
export PYTHONPATH=${SYNREAL_PATH:-$PWD} PYTHONUNBUFFERED=1   # SYNREAL_PATH: another copy of the package
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch, sys; print('python', sys.version.split()[0], 'torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$OUT/gpu.txt"
t0=$(date +%s)
timeout $(left 200) python3 -c "from synreal.embedded.hands import prepare_embedded_hands; print(prepare_embedded_hands('large', progress=False))" 2>&1 | tail -2
echo "large embedded hands generated in $(( $(date +%s) - t0 )) s" | tee -a "$OUT/gpu.txt"
SET="epochs=$EPOCHS adapt_epochs=$ADAPT"
for method in source_only baseline baseline_rec; do
  t0=$(date +%s)
  timeout $(left 180) python3 -m synreal.cli train --task rhd2h3d --method $method --profile gpu --device cuda \
    --results-dir /tmp/res --quiet --set $SET 2>&1 | tail -8 | tee "$OUT/gpu_$method.log"
  echo "gpu profile $method ($SET): $(( $(date +%s) - t0 )) s" | tee -a "$OUT/gpu_$method.log"
  python3 - "$method" <<'PY' 2>&1 | tee -a "$OUT/gpu_$method.log"
import json, sys
d = f'/tmp/res/gpu/rhd2h3d/{sys.argv[1]}/seed0'
m = json.load(open(f'{d}/metrics.json'))
r = lambda d: {k: round(v, 1) for k, v in d.items()}
print(sys.argv[1], 'train_seconds', m['train_seconds'], 'device', m['device'])
print('  source_test', r(m['source_test']['pck_tllib'])); print('  target_test', r(m['target_test']['pck_tllib']))
log = [json.loads(l) for l in open(f'{d}/log.jsonl')]
print('  epoch seconds', [round(e.get('seconds', 0), 1) for e in log][:6], 'loss', [round(e['loss'], 5) for e in log][:6])
PY
done
cp /tmp/res/gpu/rhd2h3d/baseline_rec/seed0/rec_pretrain.json "$OUT/gpu_rec_pretrain.json" 2>/dev/null
[ "${THROUGHPUT:-1}" = 0 ] && exit 0
t0=$(date +%s)
timeout $(left 120) python3 benchmarks/throughput.py pose rec --size paper --data large --device cuda --iters 10 --repeats 1 --out "$OUT" 2>&1 \
  | grep -v '^\s*$' | tee "$OUT/throughput.log" | tail -40
echo "throughput in $(( $(date +%s) - t0 )) s"
nvidia-smi --query-gpu=memory.used --format=csv | tee -a "$OUT/gpu.txt"
