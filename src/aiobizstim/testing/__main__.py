"""``python -m aiobizstim.testing``: ``bizstim fake-server`` where the console script is not on ``PATH``.

The same command with the same options (``--help``), except that the port defaults to 0 (any free one, as
this module always did); it runs as that program, Ctrl-C and SIGTERM included.
"""

from __future__ import annotations

import sys

from aiobizstim.cli import main

if __name__ == "__main__":
    # As the program (no argv: signal handling stays until exit), with the command put in front; a --port
    # given on the command line comes later and wins.
    sys.argv[1:1] = ["fake-server", "--port", "0"]
    sys.exit(main())
