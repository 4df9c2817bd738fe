"""KafkaJS 2.x (the seed demo's Kafka client) as a test partner: Node scripts in this folder,
driven over stdin/stdout, one JSON object per line (see consume.js and produce.js)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
KAFKAJS = HERE / "node_modules" / "kafkajs" / "package.json"


def missing() -> str | None:
    """Why the tier cannot run here (no Node, or `make setup` has not installed KafkaJS)."""
    if shutil.which("node") is None:
        return "node is not on PATH (the compat tier needs Node 20)"
    if not KAFKAJS.exists():
        return f"{KAFKAJS.parent} is missing: run `make compat-deps` (npm ci --prefix {HERE})"
    return None


class NodeScript:
    """One long-running `node <script>`; its stdout lines are read on a thread."""

    def __init__(self, script: str, args: list[str], bootstrap: str) -> None:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
               "KAFKAJS_NO_PARTITIONER_WARNING": "1"}
        self.proc = subprocess.Popen(
            ["node", str(HERE / script), *args], cwd=HERE, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))
        self.lines.put({"event": "exit"})

    def next_line(self, timeout_s: float) -> dict[str, Any]:
        try:
            line = self.lines.get(timeout=timeout_s)
        except queue.Empty:
            raise AssertionError(f"{self.proc.args!r}: nothing within {timeout_s}s") from None
        if line["event"] in ("crash", "exit"):
            raise AssertionError(f"KafkaJS {line['event']}: {line.get('error')}\n{self.stderr()}")
        return line

    def stderr(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()[-4000:]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class SeedConsumer(NodeScript):
    """A KafkaJS consumer in a group of its own, reading from the latest offsets."""

    def __init__(self, bootstrap: str, group_id: str, topics: list[str]) -> None:
        super().__init__("consume.js", [group_id, ",".join(topics)], bootstrap)
        self.seen: list[dict[str, Any]] = []

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        line = self.next_line(timeout_s)
        assert line["event"] == "ready", line

    def message(self, topic: str, order_id: str, timeout_s: float = 20.0,
                where: Callable[[dict[str, Any]], bool] = lambda _: True) -> dict[str, Any]:
        """The first message on `topic` whose value's orderId is `order_id` (and `where`
        holds): its value, parsed as the seed parses it (JSON.parse)."""
        def wanted(m: dict[str, Any]) -> bool:
            value = m.get("value")
            return (m["topic"] == topic and isinstance(value, dict)
                    and value.get("orderId") == order_id and where(value))

        deadline = time.monotonic() + timeout_s
        while not any(wanted(m) for m in self.seen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"KafkaJS saw no {topic} for {order_id} in {timeout_s}s")
            line = self.next_line(left)
            assert line["event"] == "message", f"KafkaJS could not parse a value: {line}"
            self.seen.append(line)
        return next(m["value"] for m in self.seen if wanted(m))


class SeedProducer(NodeScript):
    """A KafkaJS producer sending as the seed does: no key, no headers, the JSON as given."""

    def __init__(self, bootstrap: str) -> None:
        super().__init__("produce.js", [], bootstrap)

    def send(self, topic: str, value: dict[str, Any], timeout_s: float = 30.0) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"topic": topic, "value": json.dumps(value)}) + "\n")
        self.proc.stdin.flush()
        line = self.next_line(timeout_s)
        assert (line["event"], line["topic"]) == ("sent", topic), line
