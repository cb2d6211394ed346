"""The console scripts' first code: ``bizstim`` and ``tap-bizstim`` load their command modules (the parser,
the models, the client once a command needs it) inside :func:`start`, so that a Ctrl-C while they load ends
as any interrupted run does, in one line with exit code 130, instead of a traceback: a command's own signal
handling (:mod:`aiobizstim.cli._signals`) is installed only once its modules are loaded. Imports nothing
heavy itself."""

from __future__ import annotations

import importlib
import signal
import sys
from collections.abc import Sequence
from typing import Final

__all__ = ["EXIT_CODES", "start"]

#: The exit code of a run ended by each signal (the shell's 128 + the signal's number).
EXIT_CODES: Final = {signal.SIGINT: 130, signal.SIGTERM: 143}


def start(prog: str, module: str, argv: Sequence[str] | None) -> int:
    """Import ``module`` and return what its ``main(argv)`` returns; a Ctrl-C during the import is one line
    (``PROG: error: interrupted``) and exit code 130."""
    try:
        main = importlib.import_module(module).main
    except KeyboardInterrupt:
        sys.stderr.write(f"{prog}: error: interrupted\n")
        return EXIT_CODES[signal.SIGINT]
    code: int = main(argv)
    return code
