import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def synreal_cmd(*args, cwd=ROOT, check=True, timeout=600, **kw):
    "Run the `synreal` console script of this environment."
    r = subprocess.run([str(BIN / 'synreal'), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"synreal {' '.join(map(str, args))} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


@pytest.fixture
def results(tmp_path):
    return tmp_path / 'results'
