"""tools/tidy_notebook.py, which `bash run.sh regenerate` runs on every executed reproduce notebook before it is
committed: the grid's progress lines and tqdm widgets go, warnings stay, figures shrink (photo-like ones to JPEG)."""
import base64
import io
import subprocess
import sys
from pathlib import Path

import nbformat as nbf
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
from tidy_notebook import WIDGET, tidy_progress  # noqa: E402


def stream(text, name='stderr'): return nbf.v4.new_output('stream', name=name, text=text)


def test_only_the_last_progress_line_is_kept_and_warnings_stay():
    outputs = [nbf.v4.new_output('display_data', data={WIDGET: {'model_id': 'x'}, 'text/plain': 'HBox()'}),
               stream('1/4 runs done, 10/40 epochs | about 3 min left\n'),
               stream('UserWarning: bf16 units absent\n2/4 runs done, 20/40 epochs | about 2 min left\n'),
               stream('4/4 runs done, 40/40 epochs | about 0 min left\n'),
               stream('table printed\n', name='stdout')]
    kept = tidy_progress(outputs)
    assert [(o['name'], o['text']) for o in kept] == [
        ('stderr', 'UserWarning: bf16 units absent\n'), ('stderr', '4/4 runs done, 40/40 epochs | about 0 min left\n'),
        ('stdout', 'table printed\n')]


def test_the_command_shrinks_a_photo_like_figure_to_jpeg_and_drops_empty_tags(tmp_path):
    rng = np.random.default_rng(0)
    buf = io.BytesIO(); Image.fromarray(rng.integers(0, 255, (600, 1600, 3), dtype=np.uint8)).save(buf, format='PNG')
    nb = nbf.v4.new_notebook()
    cell = nbf.v4.new_code_cell('plot()', metadata={'tags': []})
    cell.outputs = [nbf.v4.new_output('display_data', data={'image/png': base64.b64encode(buf.getvalue()).decode(),
                                                             'text/plain': '<Figure>'})]
    nb.cells = [cell]
    path = tmp_path / 'nb.ipynb'; nbf.write(nb, path)
    subprocess.run([sys.executable, str(ROOT / 'tools' / 'tidy_notebook.py'), str(path)], check=True, capture_output=True)
    out = nbf.read(path, 4).cells[0]
    assert 'tags' not in out.metadata
    data = out.outputs[0]['data']
    assert 'image/png' not in data and data['text/plain'] == '<Figure>'
    im = Image.open(io.BytesIO(base64.b64decode(data['image/jpeg'])))
    assert im.format == 'JPEG' and im.size == (720, 270)
