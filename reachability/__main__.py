"""`python -m reachability`."""

from reachability.cli import main

raise SystemExit(main())
