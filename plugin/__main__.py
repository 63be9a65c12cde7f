"""Command line for repository tools: ``python -m plugin bundle [--check]``.

Kept separate from the runtime library (and out of the bundles) so that the
Functions pasted into Open WebUI carry only what they execute.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .bundle import BundleError, stale_bundles, write_bundles

REPO_ROOT = Path(__file__).resolve().parent.parent


def build_parser() -> argparse.ArgumentParser:
    """Subcommands so later tools (e.g. ``install``) slot in beside ``bundle``."""
    parser = argparse.ArgumentParser(prog="python -m plugin")
    sub = parser.add_subparsers(dest="command", required=True)
    bundle = sub.add_parser("bundle", help="generate the single-file Open WebUI Functions")
    bundle.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a generated file is missing or stale",
    )
    bundle.add_argument(
        "--root",
        type=Path,
        default=REPO_ROOT,
        help="repository root holding plugin/ and schema.sql (default: %(default)s)",
    )
    return parser


def run_bundle(root: Path, check: bool) -> int:
    """Return a process exit code; errors are reported, not raised, for CLI use."""
    try:
        if check:
            stale = stale_bundles(root)
            if stale:
                print(
                    f"stale generated files: {', '.join(stale)}; run `python -m plugin bundle`",
                    file=sys.stderr,
                )
                return 1
            print("generated files are up to date")
            return 0
        changed = write_bundles(root)
    except BundleError as exc:
        print(f"bundle failed: {exc}", file=sys.stderr)
        return 2
    print(f"wrote: {', '.join(changed)}" if changed else "generated files unchanged")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point used by ``python -m plugin``."""
    args = build_parser().parse_args(argv)
    if args.command == "bundle":
        return run_bundle(args.root, args.check)
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
