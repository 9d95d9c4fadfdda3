#!/usr/bin/env bash
# synreal's entry points. Each one first makes sure .venv exists and holds the pinned environment.
#   bash run.sh table-a [papermill -p overrides]   regenerate Table A (embedded benchmark, cpu profile)
#   bash run.sh regenerate [reproduce_x ...]       re-execute the committed reproduce notebooks in place (default: all)
#   bash run.sh test                               run every notebook's tests and the system tests
#   bash run.sh setup                              only build .venv
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.synreal-installed

setup() {
  if [ -f "$STAMP" ] && [ "$STAMP" -nt settings.ini ] && [ "$STAMP" -nt setup.py ]; then return; fi
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "synreal needs Python 3.11 (torch 2.14.1 / torchvision 0.29.1 wheels); '$PY' is $("$PY" --version 2>&1)." >&2
    echo "Point PYTHON at a 3.11 interpreter: PYTHON=python3.11 bash run.sh $*" >&2
    exit 2
  fi
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  # torch and torchvision first, pinned as a pair; then the package and its dev tools.
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q torch==2.14.1 torchvision==0.29.1
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q -e ".[dev]"
  touch "$STAMP"
}

cmd=${1:-help}; shift || true
case "$cmd" in
  setup) setup ;;
  table-a)
    setup
    mkdir -p results
    "$VENV/bin/papermill" -k python3 nbs/reproduce_tableA.ipynb results/reproduce_tableA.ipynb \
      -p out_dir results/tableA "$@"
    echo "Table A written under results/tableA (executed notebook: results/reproduce_tableA.ipynb)" ;;
  regenerate)
    # the committed reproduce notebooks, executed with their default parameters (cpu profile, embedded benchmark);
    # finished runs under results/ are read back, so a rerun after a change retrains only what the change touched
    setup
    mkdir -p results
    for nb in ${@:-reproduce_tableA reproduce_tableB reproduce_figureA reproduce_figureB reproduce_pseudo_label_analysis}; do
      nb=$(basename "$nb" .ipynb); start=$(date +%s)
      "$VENV/bin/papermill" -k python3 "nbs/$nb.ipynb" "results/$nb.ipynb"
      cp "results/$nb.ipynb" "nbs/$nb.ipynb"
      "$VENV/bin/python" tools/tidy_notebook.py "nbs/$nb.ipynb"   # small figures, no progress lines
      "$VENV/bin/nbdev_clean" --fname "nbs/$nb.ipynb"
      echo "$nb: $(( $(date +%s) - start )) s wall, load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a results/regenerate.log
    done ;;
  test)
    setup
    # two notebooks run at once on two cores: one torch thread each, or their threads spin against each other;
    # the reproduce notebooks are run by tests/test_reproduce_notebooks.py (papermill, smoke profile), not here
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$VENV/bin/nbdev_test" --n_workers 2 --skip_file_re '^([_.]|reproduce_|study_)'
    OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" "$VENV/bin/python" -m pytest -q tests --durations=10 ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
