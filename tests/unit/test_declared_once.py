"""The declaration is the one list of services: outside the seed saga's own package no code
lists its services (two or more of their names together in a literal), and no file of the
package or its deployment names a step that only the example declares."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from sagaline import saga_choice
from sagaline.seed_saga.saga import SAGA

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "sagaline"
SEED_PACKAGE = SRC / "seed_saga"
EXAMPLE = ROOT / "examples" / "shipping"


def literal_lists(tree: ast.AST, names: set[str]) -> list[int]:
    """Lines of tuples, lists, sets and dict keys holding two or more of `names`."""
    found = []
    for node in ast.walk(tree):
        items = (node.keys if isinstance(node, ast.Dict) else
                 node.elts if isinstance(node, ast.Tuple | ast.List | ast.Set) else [])
        named = {i.value for i in items if isinstance(i, ast.Constant) and i.value in names}
        if len(named) >= 2:
            found.append(getattr(node, "lineno", 0))
    return found


def test_no_module_outside_the_seed_saga_lists_its_services() -> None:
    names = set(SAGA.names)
    offenders = {str(path.relative_to(ROOT)): lines
                 for path in SRC.rglob("*.py") if SEED_PACKAGE not in path.parents
                 if (lines := literal_lists(ast.parse(path.read_text()), names))}
    assert offenders == {}


def test_the_examples_own_steps_are_named_nowhere_in_the_package_or_its_deployment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    example = saga_choice.load("shipping_saga:SAGA")
    own = set(example.names) - set(SAGA.names)
    assert own, "the example adds a step"
    places = [*SRC.rglob("*"), *(ROOT / "deploy").rglob("*"), ROOT / "docker-compose.yml"]
    named = [str(path.relative_to(ROOT)) for path in places
             if path.is_file() and path.suffix not in {".pyc", ".png"}
             and any(step in path.read_text(errors="replace").lower() for step in own)]
    assert named == []
