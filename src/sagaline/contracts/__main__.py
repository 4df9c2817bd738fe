"""`python -m sagaline.contracts freeze|check [--saga module:attr] [--dir contracts]`: write
the saga's event schemas to the directory, or check them (the compatibility gate)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sagaline import saga_choice
from sagaline.contracts import frozen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sagaline.contracts")
    parser.add_argument("command", choices=["freeze", "check"])
    parser.add_argument("--saga", default=None, help="module:attr (default: SAGALINE_SAGA, "
                                                     "else the seed's)")
    parser.add_argument("--dir", type=Path, default=Path("contracts"))
    args = parser.parse_args(argv)
    saga = saga_choice.load(args.saga)
    if args.command == "check":
        problems = frozen.check(saga, args.dir)
        print("\n".join(problems) or f"{saga.name}: every event matches {args.dir}")
        return 1 if problems else 0
    try:
        changed = frozen.freeze(saga, args.dir)
    except frozen.BreakingChange as err:
        print(f"refused: {err}", file=sys.stderr)
        return 1
    print("\n".join(f"wrote {p}" for p in changed) or f"{args.dir}: up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
