"""Tidy the outputs of executed notebooks before they are committed: PNG figures at most `--width` px wide and
PNG-optimised (a JPEG where the PNG stays over `--jpeg-above` kB); the progress a grid of runs reports while it
trains left out (tqdm widgets, which GitHub cannot draw, and all but the last "N/M runs done" line); papermill's
empty cell tags dropped. Warnings and every other output are kept.
Usage: python tools/tidy_notebook.py nbs/reproduce_tableA.ipynb [more.ipynb ...] [--width 720]"""
import argparse, base64, io
import nbformat as nbf
from PIL import Image

WIDGET = 'application/vnd.jupyter.widget-view+json'
PROGRESS = ' runs done, '   # synreal.experiments.progress_line


def shrink_png(data: str, width: int) -> str:
    "A base64 PNG no wider than `width` px, optimised; the original if that is not smaller."
    im = Image.open(io.BytesIO(base64.b64decode(data)))
    if im.width > width: im = im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO(); im.save(out, format='PNG', optimize=True)
    new = base64.b64encode(out.getvalue()).decode()
    return new if len(new) < len(data) else data


def as_jpeg(data: str, quality: int = 85) -> str:
    "A base64 PNG as a base64 JPEG (for photo-like figures, which PNG compresses poorly)."
    im = Image.open(io.BytesIO(base64.b64decode(data))).convert('RGB')
    out = io.BytesIO(); im.save(out, format='JPEG', quality=quality, optimize=True)
    return base64.b64encode(out.getvalue()).decode()


def tidy_progress(outputs: list) -> list:
    "`outputs` without tqdm widgets, and with only the last grid-progress line of the cell, where it was."
    outputs = [o for o in outputs if WIDGET not in o.get('data', {})]
    where = [(i, j) for i, o in enumerate(outputs) if o.get('name') == 'stderr'
             for j, l in enumerate(o['text'].splitlines(keepends=True)) if PROGRESS in l]
    for i, o in enumerate(outputs):
        if o.get('name') == 'stderr':
            o['text'] = ''.join(l for j, l in enumerate(o['text'].splitlines(keepends=True))
                                if PROGRESS not in l or (i, j) == where[-1])
    return [o for o in outputs if o.get('name') != 'stderr' or o['text']]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('notebooks', nargs='+'); ap.add_argument('--width', type=int, default=720)
    ap.add_argument('--jpeg-above', type=int, default=400, help='kB of PNG above which a figure is stored as JPEG')
    a = ap.parse_args()
    for p in a.notebooks:
        nb = nbf.read(p, 4); before = after = 0
        for c in nb.cells:
            if c.metadata.get('tags') == []: del c.metadata['tags']   # papermill adds empty ones
            if c.cell_type != 'code': continue
            c.outputs = tidy_progress(c.get('outputs', []))
            for o in c.outputs:
                png = o.get('data', {}).get('image/png')
                if png:
                    before += len(png); png = shrink_png(png, a.width)
                    if len(png) > a.jpeg_above * 1000:   # renders of images: a JPEG is a fraction of the PNG
                        del o['data']['image/png']; o['data']['image/jpeg'] = png = as_jpeg(png)
                    else: o['data']['image/png'] = png
                    after += len(png)
        nbf.write(nb, p); print(f'{p}: tidied; images {before // 1000} kB -> {after // 1000} kB')


if __name__ == '__main__': main()
