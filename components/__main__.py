"""``python -m components render|reap|guard ...`` (see ``components.cli``)."""

import sys

from components.cli import main

sys.exit(main())
