"""Apache Kafka's own jars, fetched with Maven from the pom shipped in the package.

They go to the user's cache (`$XDG_CACHE_HOME/sagaline/kafka-<version>`, else
`~/.cache/sagaline/...`; SAGALINE_KAFKA_HOME elsewhere), never into a checkout or the
installed package: `sagaline fetch` and `up` work from any directory, with the package
installed from its wheel.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

from sagaline.devstack.errors import StackError

POM = files("sagaline.devstack") / "kafka-pom.xml"


def kafka_version(pom: str | None = None) -> str:
    """The Kafka version the pom names (`<kafka.version>`)."""
    text = POM.read_text() if pom is None else pom
    found = re.search(r"<kafka\.version>\s*([^<\s]+)\s*</kafka\.version>", text)
    if found is None:
        raise StackError("the packaged kafka-pom.xml names no <kafka.version>")
    return found.group(1)


def default_home() -> Path:
    """Where the jars of the packaged pom's Kafka version go unless SAGALINE_KAFKA_HOME
    says otherwise: under the XDG cache dir (it must be absolute to count)."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    cache = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
    return cache / "sagaline" / f"kafka-{kafka_version()}"


def ensure_jars(home: Path) -> Path:
    """Fetch Kafka's jars into `home`/libs with Maven, once per pom; return the libs dir.

    libs/.fetched holds the pom's hash: a changed pom refetches into an emptied libs/. A
    lock on `home` keeps two processes from fetching into the same place at once."""
    pom = POM.read_bytes()
    digest = hashlib.sha256(pom).hexdigest()
    libs = home / "libs"
    if _fetched(libs) == digest:
        return libs
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _fetched(libs) != digest:  # unless another process just did
            _fetch(home, pom)
            (libs / ".fetched").write_text(digest + "\n")
    return libs


def _fetched(libs: Path) -> str:
    marker = libs / ".fetched"
    return marker.read_text().strip() if marker.exists() else ""


def _fetch(home: Path, pom: bytes) -> None:
    if shutil.which("mvn") is None:
        raise StackError("mvn not found on PATH: install Maven 3.8+ to fetch Kafka's jars.")
    (home / "pom.xml").write_bytes(pom)  # Maven puts the jars beside the pom it reads
    shutil.rmtree(home / "libs", ignore_errors=True)
    argv = ["mvn", "-q", "-B", "-f", str(home / "pom.xml"), "dependency:copy-dependencies"]
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise StackError(f"fetching Kafka's jars with Maven into {home} failed",
                         (out.stdout + out.stderr)[-3000:])
