"""A tiny OTLP/HTTP trace receiver: accepts `POST /v1/traces` (protobuf, optionally gzip),
decodes it with opentelemetry-proto and keeps the spans, for tests to look at.

As a process (`python -m tests.otlp_receiver --port N [--drop]`) it is the benchmark's
local OTLP endpoint: with `--drop` it decodes and counts, keeping nothing.
"""

from __future__ import annotations

import argparse
import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass(frozen=True)
class ReceivedSpan:
    service: str
    trace_id: str
    span_id: str
    parent_id: str  # "" for a root
    name: str
    kind: int  # opentelemetry.proto's Span.SpanKind: 2 server, 4 producer, 5 consumer
    start_ns: int
    end_ns: int


def decode(body: bytes) -> list[ReceivedSpan]:
    request = ExportTraceServiceRequest.FromString(body)
    found = []
    for resource_spans in request.resource_spans:
        service = next((a.value.string_value for a in resource_spans.resource.attributes
                        if a.key == "service.name"), "")
        for scope_spans in resource_spans.scope_spans:
            found += [ReceivedSpan(service, s.trace_id.hex(), s.span_id.hex(),
                                   s.parent_span_id.hex(), s.name, s.kind,
                                   s.start_time_unix_nano, s.end_time_unix_nano)
                      for s in scope_spans.spans]
    return found


class OtlpReceiver:
    """Serves on 127.0.0.1 (port 0: one the system picks) in a thread while in `with`."""

    def __init__(self, port: int = 0, keep: bool = True) -> None:
        self.spans: list[ReceivedSpan] = []
        self.received = 0
        self._keep = keep
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        """For OTEL_EXPORTER_OTLP_ENDPOINT (the exporter adds /v1/traces)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait_for(self, found: Callable[[list[ReceivedSpan]], bool], timeout_s: float,
                 ) -> list[ReceivedSpan]:
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                spans = list(self.spans)
            if found(spans) or time.monotonic() > deadline:
                return spans
            time.sleep(0.1)

    def _take(self, spans: list[ReceivedSpan]) -> None:
        with self._lock:
            self.received += len(spans)
            if self._keep:
                self.spans += spans

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path != "/v1/traces":
                    return self._answer(404, b"")
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                try:
                    receiver._take(decode(body))
                except DecodeError:
                    return self._answer(400, b"not an ExportTraceServiceRequest")
                self._answer(200, ExportTraceServiceResponse().SerializeToString())

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: one line per export would drown a benchmark's output

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--drop", action="store_true", help="count spans, keep none")
    args = parser.parse_args()
    with OtlpReceiver(args.port, keep=not args.drop) as receiver:
        print(f"OTLP receiver at {receiver.endpoint}/v1/traces", flush=True)
        try:
            while True:
                time.sleep(10)
                print(f"{receiver.received} spans received", flush=True)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
