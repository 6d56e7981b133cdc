"""The ``litestar-workflows`` console script."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``litestar-workflows`` command."""
    parser = argparse.ArgumentParser(prog="litestar-workflows", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="run the expense approval example in-process")
    sub.add_parser("dev", help="run the whole system locally (currently: the in-process demo)")
    args = parser.parse_args(argv)
    if args.command in ("demo", "dev"):
        from examples.expense_approval import main as demo

        asyncio.run(demo())
    return 0
