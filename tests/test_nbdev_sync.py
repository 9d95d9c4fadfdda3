"The exported package is what the notebooks say: `nbdev_export` on a copy changes nothing."
import filecmp, shutil, subprocess
from conftest import ROOT, BIN


def test_export_leaves_package_unchanged(tmp_path):
    for name in ('settings.ini', 'setup.py', 'pyproject.toml', 'README.md'):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / 'nbs', tmp_path / 'nbs')
    shutil.copytree(ROOT / 'synreal', tmp_path / 'synreal', ignore=shutil.ignore_patterns('__pycache__'))
    subprocess.run([str(BIN / 'nbdev_export')], cwd=tmp_path, check=True, capture_output=True)
    exported = sorted(p.name for p in (tmp_path / 'synreal').glob('*.py'))
    committed = sorted(p.name for p in (ROOT / 'synreal').glob('*.py'))
    assert exported == committed
    _, mismatch, errors = filecmp.cmpfiles(ROOT / 'synreal', tmp_path / 'synreal', exported, shallow=False)
    assert not mismatch and not errors, f"synreal/ differs from its notebooks in {mismatch + errors}: run nbdev_export"
