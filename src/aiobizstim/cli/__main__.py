"""``python -m aiobizstim.cli`` runs the ``bizstim`` command line."""

import sys

from aiobizstim.cli import main

sys.exit(main())
