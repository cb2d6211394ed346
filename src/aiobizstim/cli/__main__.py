"""``python -m aiobizstim.cli`` runs the ``bizstim`` command line."""

import sys

from aiobizstim.cli._app import main

sys.exit(main())
