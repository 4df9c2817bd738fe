"""The saga dashboard's settings (`sagaline dashboard`): what it reads (every service's
database and Kafka, as `SystemSettings`), where it serves, and its limits."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from sagaline.settings import exposure
from sagaline.settings.common import comma_separated
from sagaline.settings.system import WITH_NAMED, SystemSettings


class DashboardSettings(SystemSettings):
    """The saga dashboard (`sagaline dashboard`): reads every service's database and Kafka."""

    model_config = WITH_NAMED

    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = Field(4000, ge=1, le=65535)
    # It has no keys of its own and shows every order: on a DASHBOARD_HOST other machines
    # reach it refuses to start unless this says that only an authenticating proxy (or a
    # port-forward) reaches it; then logged at WARNING (settings.exposure).
    allow_open_dashboard: bool = False
    # A saga not final that has not moved this long is shown as stuck.
    stuck_after_s: float = Field(10.0, gt=0)
    # One shared snapshot is read this often, whatever the number of browsers.
    dashboard_refresh_s: float = Field(0.5, ge=0.1, le=10)
    # ... and only while someone watches: an open page, or an API request this recent.
    dashboard_linger_s: float = Field(5.0, gt=0)
    # To draw the deadline as a step (the order service's own SAGA_TIMEOUT_S).
    saga_timeout_s: float = Field(60.0, gt=0)
    # Where each service answers GET /ready, e.g. {"payment": "http://payment:4002"};
    # a service not named here: http://HTTP_HOST:<its port>.
    service_urls: dict[str, str] = Field(default_factory=dict)
    # Host names it answers under besides its bind address, 127.0.0.1, localhost and [::1]
    # (comma-separated; "*.example.com" a domain's names, "*" any: only behind a proxy that
    # checks Host itself). Any other Host is refused: a foreign page whose name resolves to
    # the dashboard (DNS rebinding) reads nothing.
    dashboard_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Open event streams (one per open page) at most; one more is answered 503.
    dashboard_max_streams: int = Field(32, ge=1, le=10_000)
    # Where the timeline links each handler's `path:line` to, e.g.
    # https://github.com/ORG/REPO/blob/main/src (the folder holding the packages); none: text.
    dashboard_source_url: str | None = Field(None, pattern=r"^https?://")
    # The auditor's incremental pass runs this often in the dashboard (0: only from the page);
    # a full one when the last full one is older than DASHBOARD_AUDIT_FULL_EVERY_S. Its
    # checkpoint: DASHBOARD_AUDIT_CHECKPOINT, else <stack dir>/audit/<saga>.dashboard.json.
    dashboard_audit_interval_s: float = Field(60.0, ge=0)
    dashboard_audit_full_every_s: float = Field(3600.0, ge=0)
    dashboard_audit_checkpoint: Path | None = None

    _split_hosts = field_validator("dashboard_allowed_hosts", mode="before")(comma_separated)

    @field_validator("dashboard_allowed_hosts")
    @classmethod
    def _host_patterns(cls, hosts: list[str]) -> list[str]:
        bad = [h for h in hosts if "*" in h[1:] or (h.startswith("*") and h != "*"
                                                     and not h.startswith("*."))]
        if bad:
            raise ValueError(f"DASHBOARD_ALLOWED_HOSTS: {bad}: a name, '*.domain' or '*'")
        return hosts

    @model_validator(mode="after")
    def _not_open_unless_allowed(self) -> Self:
        if self.served_open() and not self.allow_open_dashboard:
            raise ValueError(
                f"DASHBOARD_HOST={self.dashboard_host!r} is not a loopback address, and the "
                "dashboard checks no keys: anyone who reaches it reads every order. Serve it "
                "on 127.0.0.1 (reach it through a port-forward), or set "
                "ALLOW_OPEN_DASHBOARD=true if only an authenticating proxy reaches it")
        return self

    def served_open(self) -> bool:
        return not exposure.is_loopback(self.dashboard_host)

    def open_warning(self) -> str | None:
        """What to log at WARNING when it starts open on purpose, else None."""
        if not self.served_open():
            return None
        return exposure.open_warning("DASHBOARD_HOST", self.dashboard_host,
                                     "ALLOW_OPEN_DASHBOARD", "read every order")

    def service_url(self, service: str) -> str:
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::", "") else self.http_host
        return self.service_urls.get(service, f"http://{host}:{self.http_port(service)}")
