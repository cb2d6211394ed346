"""``python -m aiobizstim.tap`` runs ``tap-bizstim``."""

import sys

from aiobizstim.tap._app import main

sys.exit(main())
