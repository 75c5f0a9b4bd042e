"""``python -m components render --stack NAME [--out DIR] [--project-dir DIR]``."""

import sys

from components.render import main

sys.exit(main())
