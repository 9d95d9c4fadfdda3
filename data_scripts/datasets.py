#!/usr/bin/env python
"""`python data_scripts/datasets.py info|verify|prepare <dataset> ...`: the same as `synreal data ...`.

Kept for readers of older notes that name this script; see data_scripts/README.md."""
import sys
from synreal.cli import main

if __name__ == '__main__':
    sys.exit(main(['data', *sys.argv[1:]]))
