#!/usr/bin/env python3
"""Replay a turn scenario or a session recording on a fake clock.

    python scripts/replay.py FILE [--debounce S] [--throttle S] [--json]
    python scripts/replay.py --diagram

Exit status: 0 every expect held, 1 one failed (diff on stderr), 2 malformed file.
See TURN_RULES.md for the scenario format.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    from statemachine.cli import run
except ModuleNotFoundError:  # a plain checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from statemachine.cli import run

if __name__ == "__main__":
    run()
