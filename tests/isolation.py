"""Loaded with ``-p`` before Django starts: the suite gets its own var/ folder.

The test database, the embedded broker's folders, sent e-mail and SMS files all live under
VAR_DIR; a separate one keeps the suite away from a running ``make run`` (whose worker would
otherwise take the suite's tasks) and from another suite running at the same time
(set VAR_DIR yourself for that).
"""

import os
from pathlib import Path

os.environ.setdefault("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))
