"""The `reporting` command's front door: for a one-committee run, the report's kernel is launched first.

The command line (`cli.py`) imports pandas, papermill and the run's modules, about a second and a half,
before it reads its arguments. Launched from here first, the report's kernel boots meanwhile
(`reporting.early.prelaunch`), and the run adopts it.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from .early import prelaunch

    prelaunch(argv)
    from .cli import main as command

    return command(argv)


if __name__ == "__main__":
    sys.exit(main())
