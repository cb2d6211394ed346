"""``python -m aiobizstim.tap`` runs ``tap-bizstim``."""

import sys

from aiobizstim.tap import main

sys.exit(main())
