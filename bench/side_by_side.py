"""Benchmark variants of the services' settings side by side: each run restarts the three
services with its variant's environment variables, then runs the benchmark's open-loop steps
and closed loop; runs alternate in the order given (e.g. A B B A) so that a shared machine's
drift hits every variant alike.

Run from the repository root against a running stack (`sagaline up --detach`), e.g.:
    .venv/bin/python bench/side_by_side.py --variant off: \\
        --variant linger:RELAY_LINGER_MS=2,CONSUMER_LINGER_MS=2 --order off,linger,linger,off
Prints one JSON line per run; all of them go to bench/results/side-by-side.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sagaline.bench.variants import compare, comparison_config
from sagaline.devstack import Stack
from sagaline.settings import stack_settings


def variant(text: str) -> tuple[str, dict[str, str]]:
    """'name:A=1,B=2' -> ('name', {'A': '1', 'B': '2'}); 'name:' has no variables."""
    name, _, assignments = text.partition(":")
    pairs = [a.split("=", 1) for a in assignments.split(",") if a]
    if not name or any(len(p) != 2 for p in pairs):
        raise argparse.ArgumentTypeError(f"not name:VAR=value,...: {text!r}")
    return name, dict(pairs)


def add_variant_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--variant", type=variant, action="append", required=True)
    parser.add_argument("--order", required=True, help="variant names, comma-separated")


def variants_in_order(parser: argparse.ArgumentParser, args: argparse.Namespace
                      ) -> tuple[dict[str, dict[str, str]], list[str]]:
    """The variants by name, and the order of the runs (an unknown name is an error)."""
    variants = dict(args.variant)
    order = args.order.split(",")
    unknown = set(order) - set(variants)
    if unknown:
        parser.error(f"--order names unknown variants: {', '.join(sorted(unknown))}")
    return variants, order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    add_variant_arguments(parser)
    parser.add_argument("--steps", default="50,200,400")
    parser.add_argument("--step-seconds", type=float, default=20.0)
    parser.add_argument("--closed-seconds", type=float, default=30.0)
    parser.add_argument("--idle-seconds", type=float, default=0.0, help="idle stack CPU first")
    args = parser.parse_args()
    variants, order = variants_in_order(parser, args)
    config = comparison_config(args.steps, args.step_seconds, args.closed_seconds,
                               Path("bench/results/side-by-side"), args.idle_seconds)
    runs = compare(Stack(stack_settings()), config, variants, order,
                   lambda run: print(json.dumps(run), flush=True))
    Path("bench/results/side-by-side.json").write_text(json.dumps(runs, indent=2) + "\n")


if __name__ == "__main__":
    main()
