"""The component package's entry point, as `pulumi package add` and the engine run it: serve
``components.package.COMPONENTS`` under the package name ``catalyst``.

The checkout's root goes on sys.path (unless the project is installed), so the provider serves
the components of the same commit as this folder.
"""

import sys
from pathlib import Path

try:
    import components  # noqa: F401  (installed with `pip install`)
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.package import serve

if __name__ == "__main__":
    serve()
