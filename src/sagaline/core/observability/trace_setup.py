"""Switching traces on from the standard OpenTelemetry variables, and off again.

Tracing is on when the environment names an exporter: `OTEL_TRACES_EXPORTER` (`otlp`,
`console`, several with commas), or, without it, an OTLP endpoint
(`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`). Unlike the SDK's own
default (`otlp`), nothing set means off, so a service that is not asked to trace pays
nothing. `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn it off whatever else is
set. The SDK reads the rest itself: the endpoint, headers and timeout (`OTEL_EXPORTER_OTLP_*`),
the sampler (`OTEL_TRACES_SAMPLER[_ARG]`), batching (`OTEL_BSP_*`), `OTEL_SERVICE_NAME` and
`OTEL_RESOURCE_ATTRIBUTES`. OTLP goes over HTTP with protobuf (the package installed);
another protocol is a configuration error, said at start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)

from sagaline.core.observability import tracing

_provider: TracerProvider | None = None


class TracingConfigError(ValueError):
    """The OTEL_* variables ask for something this service cannot do."""


def exporters_named(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The exporters the environment asks for; [] means tracing stays off."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not named:
        endpoint = (environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
                    or environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        return ["otlp"] if endpoint else []
    names = [n.strip() for n in named.split(",") if n.strip()]
    return [] if "none" in names else names


def _exporter(name: str, environ: Mapping[str, str]) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if name != "otlp":
        raise TracingConfigError(
            f"OTEL_TRACES_EXPORTER: {name!r} is not one of otlp, console, none")
    protocol = (environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "http/protobuf")
    if protocol.strip() != "http/protobuf":
        raise TracingConfigError(
            f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r}; only http/protobuf is installed")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # reads OTEL_EXPORTER_OTLP_* itself


def resource(service: str) -> Resource:
    """From OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES; the service's name if they name
    none."""
    found = Resource.create()
    if str(found.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        found = found.merge(Resource({SERVICE_NAME: service}))
    return found


def start(service: str) -> bool:
    """Install a tracer provider when the environment asks for traces; True if it did.
    Raises TracingConfigError on a variable it cannot honour."""
    names = exporters_named(os.environ)
    if not names:
        return False
    exporters = [_exporter(name, os.environ) for name in names]
    provider = TracerProvider(resource=resource(service))
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    install(provider)
    return True


def install(provider: TracerProvider) -> None:
    """Make spans with `provider` (tests install one with an in-memory exporter)."""
    global _provider
    _provider = provider
    tracing.use(provider.get_tracer("sagaline"))


def stop() -> None:
    """Flush what is buffered and switch tracing off."""
    global _provider
    tracing.use(None)
    if _provider is not None:
        _provider.shutdown()
        _provider = None
