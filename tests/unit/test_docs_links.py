"""The docs point at what exists: every relative link (and its #anchor) in README.md and
docs/*.md, every backticked repository path (`src/...`, `docs/...`, `core/...` relative to
src/sagaline, ...) and every backticked `sagaline.` module name. So a moved file or a renamed
module fails `pytest -m unit` instead of leaving a doc pointing at nothing.
(docs/performance-log.md is history: it may name files that are gone.)"""

from __future__ import annotations

import importlib
import re
from fnmatch import fnmatch
from itertools import product
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "sagaline"
HISTORY = {"performance-log.md"}
DOCS = [ROOT / "README.md",
        *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in HISTORY)]

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"[\w.-]+(/[\w.*{},-]+)+/?")  # no leading / (a URL path), no spaces
MODULE = re.compile(r"sagaline(\.\w+)+")


def prose(doc: Path) -> str:
    """The doc without its fenced blocks (commands and output, not references)."""
    return FENCE.sub("", doc.read_text())


def expand(path: str) -> list[str]:
    """`a/{b,c}/d` -> a/b/d, a/c/d."""
    parts = re.split(r"\{([^}]*)\}", path)
    choices = [p.split(",") if i % 2 else [p] for i, p in enumerate(parts)]
    return ["".join(c) for c in product(*choices)]


def ignored(path: str) -> bool:
    """Git ignores it: an output location (`docs/bench/profile/`), not a file of the repo."""
    segments = path.strip("/").split("/")
    prefixes = ["/".join(segments[:i]) for i in range(1, len(segments) + 1)]
    verdict = False
    for line in (ROOT / ".gitignore").read_text().split():
        negated, pattern = line.startswith("!"), line.lstrip("!").strip("/")
        if any(fnmatch(p, pattern) or ("/" not in pattern and fnmatch(p.split("/")[-1], pattern))
               for p in prefixes):
            verdict = not negated
    return verdict


def found(path: str, base: Path) -> bool:
    """`path` under `base`; a glob matching something; or `dir/module.name`, a name that
    `dir/module.py` defines."""
    if "*" in path:
        return any(base.glob(path.rstrip("/")))
    if (base / path).exists():
        return True
    head, _, name = path.rpartition(".")
    module = base / f"{head}.py"
    return "/" not in name and module.is_file() and bool(re.search(
        rf"^\s*(def|class) {name}\b|^{name}\b.*=", module.read_text(), re.M))


def exists(path: str, bases: list[Path]) -> bool:
    return all(any(found(p, base) for base in bases) for p in expand(path))


def looks_like_path(text: str, bases: list[Path]) -> bool:
    """A repository path: slashes, no spaces, and a file name (`.py`), a trailing `/` or a
    first folder that exists. Not a runtime file (`.stack/...`), a placeholder
    (`<stack dir>/...`), a URL path (`/orders`) or words with a slash (`LISTEN/NOTIFY`)."""
    if not PATH.fullmatch(text) or text.startswith((".", "~")):
        return False
    last, first = text.rstrip("/").split("/")[-1], text.split("/")[0]
    return text.endswith("/") or "." in last or any((b / first).is_dir() for b in bases)


def missing_paths(doc: Path) -> list[str]:
    """The backticked paths of `doc` found neither under the repository root, the package
    (`core/...`), the doc's folder, nor a folder the doc cited before (a step's
    `sql/001_shipments.sql` after its `examples/shipping/shipping/`)."""
    bases = [ROOT, PACKAGE, doc.parent]
    missing = []
    for text in CODE.findall(prose(doc)):
        if not looks_like_path(text, bases) or ignored(text):
            continue
        if not exists(text, bases):
            missing.append(text)
        elif text.endswith("/") and not re.search(r"[*{]", text):
            bases += [b / text for b in bases if (b / text).is_dir()]
    return missing


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[`*_]|\[([^]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", prose(doc), re.M):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    return found


def broken_links(doc: Path) -> list[str]:
    broken = []
    for target in LINK.findall(prose(doc)):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        if not file.exists() or (anchor and file.suffix == ".md"
                                 and anchor not in anchors(file)):
            broken.append(target)
    return broken


def missing_module(name: str) -> str | None:
    """None when `name` is a module, or a module's attribute (chain); else what is missing."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            thing = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            if not hasattr(thing, attr):
                return f"{name}: no {attr}"
            thing = getattr(thing, attr)
        return None
    return f"{name}: no module"


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_relative_link_and_anchor_exists(doc: Path) -> None:
    assert broken_links(doc) == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_cited_repository_path_exists(doc: Path) -> None:
    assert missing_paths(doc) == []


# Docs others are bringing up to date: strict, so the mark must go when they are.
@pytest.mark.parametrize("doc", DOCS, ids=lambda d: d.name)
def test_every_cited_module_exists(doc: Path) -> None:
    names = [c for c in CODE.findall(prose(doc)) if MODULE.fullmatch(c)]
    assert [m for name in names if (m := missing_module(name))] == []


def test_the_checks_see_what_they_should() -> None:
    assert expand("a/{b,c}/d.py") == ["a/b/d.py", "a/c/d.py"]
    assert slug("8. The saga's topology, declared once") == "8-the-sagas-topology-declared-once"
    assert slug("Schema versions: the tolerant reader") == "schema-versions-the-tolerant-reader"
    assert exists("core/saga.py", [ROOT, PACKAGE]) and not exists("core/relay.py", [PACKAGE])
    assert exists("tests/unit/test_*.py", [ROOT]) and exists("core/http/app.create_app", [PACKAGE])
    assert not exists("core/http/app.no_such_name", [PACKAGE])
    assert ignored("docs/bench/profile/") and not ignored("docs/bench/latest.json")
    assert not looks_like_path("LISTEN/NOTIFY", [ROOT])
    assert looks_like_path("services/topology.py", [ROOT])
    assert missing_module("sagaline.core.saga.Saga") is None
    assert missing_module("sagaline.services.topology") is not None
