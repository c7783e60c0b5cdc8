"""`python -m mlsmells`.

Python puts the working directory first on the import path for `-m`, so inside an
untrusted checkout `./click.py` or `./json.py` would be imported, and run, in place of the
real module. It is taken off the path before anything else is imported. (`mlsmells`
itself was already found by then: `python -P -m mlsmells`, on Python 3.11 and later,
closes that door too.)
"""

import os
import sys

_here = os.getcwd()
sys.path[:] = [entry for entry in sys.path if entry not in ("", ".") and os.path.abspath(entry) != _here]

from mlsmells.cli import main  # noqa: E402 - only once the path is safe

main()
