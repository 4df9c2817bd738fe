"""The contract suites iterate the declaration: every service of the seed saga declares a fake
(`Service.fake`, what sagaline.testing runs it on), has a contract suite here
(`test_<service>_*contract.py`), and its fake passes that suite: the suite's fake half, the
unit tier's, run on its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from sagaline.core.saga import Service
from sagaline.seed_saga.saga import SAGA
from sagaline.testing.unit_of_work import InMemoryUnitOfWork

pytestmark = pytest.mark.unit
HERE = Path(__file__).parent
ROOT = HERE.parents[2]


def suites_of(service: Service[Any]) -> list[Path]:
    return sorted(HERE.glob(f"test_{service.name}_*contract.py"))


@pytest.mark.parametrize("service", SAGA.services, ids=lambda s: s.name)
def test_every_declared_service_has_a_fake_and_a_contract_suite(service: Service[Any]) -> None:
    assert service.fake is not None, f"{service.name} declares no fake"
    fake = service.fake()
    assert isinstance(fake, InMemoryUnitOfWork)
    where = HERE.relative_to(ROOT) / f"test_{service.name}_contract.py"
    assert suites_of(service), (f"no contract suite for {service.name}: add {where} (its fake "
                                "and its SQL adapter, the same tests)")


@pytest.fixture(scope="module")
def fake_halves(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Every suite's fake half (the unit-marked one), run once on its own: file -> the
    outcome of each of its tests ("passed", "failed", "error" or "skipped")."""
    report = tmp_path_factory.mktemp("contracts") / "report.xml"
    suites = [str(p.relative_to(ROOT)) for p in sorted(HERE.glob("test_*contract.py"))]
    subprocess.run([sys.executable, "-m", "pytest", "-m", "unit", "-q", "-p",
                    "no:cacheprovider", f"--junitxml={report}", *suites],
                   cwd=ROOT, capture_output=True, timeout=300)
    outcomes: dict[str, list[str]] = {}
    for case in ElementTree.parse(report).iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        failed = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
        outcomes.setdefault(module, []).append(
            {"failure": "failed"}.get(failed[0], failed[0]) if failed else "passed")
    return outcomes


@pytest.mark.parametrize("service", SAGA.services, ids=lambda s: s.name)
def test_every_declared_fake_passes_its_contract_suite(
        service: Service[Any], fake_halves: dict[str, list[str]]) -> None:
    for suite in suites_of(service):
        outcomes = fake_halves.get(suite.stem, [])
        assert outcomes and set(outcomes) == {"passed"}, f"{suite.name}: {outcomes}"
