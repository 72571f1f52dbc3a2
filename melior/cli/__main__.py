"""`python -m melior.cli`: the `melior` command (the worker beside `melior demo` runs so)."""

import sys

from melior.cli import app

sys.exit(app())
