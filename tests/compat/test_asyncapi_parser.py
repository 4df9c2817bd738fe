"""The generated AsyncAPI documents pass the ecosystem's own parser (@asyncapi/parser from
npm, pinned in package-lock.json): the whole saga's and each service's, for the seed's saga
and the shipping example's. Any error diagnostic fails; warnings are shown."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sagaline import saga_choice
from sagaline.contracts.asyncapi import document
from tests.compat.kafkajs import HERE

PARSER = HERE / "node_modules" / "@asyncapi" / "parser" / "package.json"
EXAMPLE = HERE.parents[1] / "examples" / "shipping"


def parse(docs: dict[str, dict[str, Any]], directory: Path) -> list[dict[str, Any]]:
    """Each document through the parser (one node process: loading it takes seconds)."""
    assert PARSER.exists(), f"run `npm ci --prefix {HERE}`: {PARSER.parent} is missing"
    paths = [directory / f"{name}.json" for name in docs]
    for path, doc in zip(paths, docs.values(), strict=True):
        path.write_text(json.dumps(doc, indent=2))
    done = subprocess.run(["node", str(HERE / "validate_asyncapi.js"), *map(str, paths)],
                          capture_output=True, text=True, timeout=300, check=False)
    results = [json.loads(line) for line in done.stdout.splitlines()]
    errors = {r["file"]: r["errors"] for r in results if r["errors"]}
    assert done.returncode == 0 and not errors, \
        f"{json.dumps(errors, indent=1)}\n{done.stderr[-2000:]}"
    assert len(results) == len(paths), done.stdout
    return results


def test_the_generated_documents_pass_the_asyncapi_parser(
        node: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)  # where the example's modules are found
    docs = {}
    for ref in ("sagaline.seed_saga.saga:SAGA", "shipping_saga:SAGA"):
        saga = saga_choice.load(ref)
        docs[saga.name] = document(saga)
        docs.update({f"{saga.name}-{name}": document(saga, name) for name in saga.names})
    warnings = [r for r in parse(docs, tmp_path) if r["warnings"]]
    if warnings:
        print(json.dumps(warnings, indent=1))  # shown with -s; not a failure


def test_the_parser_reports_a_broken_document(node: None, tmp_path: Path) -> None:
    """The check can fail: a type the Schema Object does not know is an error."""
    doc = document(saga_choice.load("sagaline.seed_saga.saga:SAGA"))
    channel = next(iter(doc["channels"].values()))
    next(iter(channel["messages"].values()))["payload"]["type"] = "thing"
    with pytest.raises(AssertionError, match="allowed values"):
        parse({"broken": doc}, tmp_path)
