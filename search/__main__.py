"""``python -m search "query" [--docs DIR] [--db PATH] [-k N] [--json]``."""

from search.cli import main

raise SystemExit(main())
