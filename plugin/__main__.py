"""`python -m plugin`: the command line (bundle, install, reconcile, migrate-to-postgres, ...), in `tools/cli.py`."""

from .tools.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
