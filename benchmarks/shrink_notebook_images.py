"""Shrink the PNG outputs of executed notebooks (a figure at most `--width` px wide, PNG-optimised), so that committed
notebooks stay small. Usage: python benchmarks/shrink_notebook_images.py nbs/[0-9][0-9]_*.ipynb [--width 720]"""
import argparse, base64, io
import nbformat as nbf
from PIL import Image


def shrink_png(data: str, width: int) -> str:
    "A base64 PNG no wider than `width` px, optimised; the original if that is not smaller."
    im = Image.open(io.BytesIO(base64.b64decode(data)))
    if im.width > width: im = im.resize((width, round(im.height * width / im.width)), Image.Resampling.LANCZOS)
    out = io.BytesIO(); im.save(out, format='PNG', optimize=True)
    new = base64.b64encode(out.getvalue()).decode()
    return new if len(new) < len(data) else data


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('notebooks', nargs='+'); ap.add_argument('--width', type=int, default=720)
    a = ap.parse_args()
    for p in a.notebooks:
        nb = nbf.read(p, 4); before = after = 0
        for c in nb.cells:
            for o in c.get('outputs', []):
                png = o.get('data', {}).get('image/png')
                if png:
                    before += len(png); o['data']['image/png'] = shrink_png(png, a.width); after += len(o['data']['image/png'])
        if before != after: nbf.write(nb, p); print(f'{p}: images {before // 1000} kB -> {after // 1000} kB')


if __name__ == '__main__': main()
