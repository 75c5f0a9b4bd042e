"""``python -m e2e``: see ``e2e.cli``."""

import sys

from e2e.cli import main

sys.exit(main())
