"""``python -m soil_moisture_downscaling``: the ``smdownscale`` command (cli.py)."""
import sys

from .cli import main

if __name__ == '__main__':
    sys.exit(main())
