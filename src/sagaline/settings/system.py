"""What the operations tools and the local stack see: the whole system at once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from sagaline.settings.common import KafkaSettings, TopicSettings

# The local stack's development credentials, in the source checkout (never the working
# directory's): read by the launcher and the tools that reach the local stack, never by a
# service, and absent from an installed package, where the DSNs must be set.
LOCAL_STACK_ENV = Path(__file__).resolve().parents[3] / "stack" / "local.env"


_WITH_LOCAL_CREDENTIALS = SettingsConfigDict(env_file=LOCAL_STACK_ENV, extra="ignore",
                                             frozen=True, populate_by_name=True)


class SystemSettings(KafkaSettings):
    """The auditor, dead letters, demo and benchmark: every service's database and port."""

    model_config = _WITH_LOCAL_CREDENTIALS

    order_db_dsn: str
    payment_db_dsn: str
    inventory_db_dsn: str
    http_host: str = "127.0.0.1"
    order_http_port: int = 4001
    payment_http_port: int = 4002
    inventory_http_port: int = 4003
    # Dead-letter replay refuses letters older than the consumers' inbox remembers.
    inbox_retention_s: float = Field(7 * 24 * 3600.0, ge=0)
    # What a new account holds (the demo plans its orders around it); payment reads its own.
    starting_credit: int = Field(10_000, ge=0)
    # The admin key the tools present (restocking; X-API-Key). The local stack gives it to
    # every service as ADMIN_API_KEYS (its development value is in stack/local.env).
    admin_api_key: SecretStr = SecretStr("")

    def admin_headers(self) -> dict[str, str]:
        key = self.admin_api_key.get_secret_value()
        return {"X-API-Key": key} if key else {}


class DashboardSettings(SystemSettings):
    """The saga dashboard (`sagaline dashboard`): reads the three databases and Kafka."""

    model_config = _WITH_LOCAL_CREDENTIALS

    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = Field(4000, ge=1, le=65535)
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

    def service_url(self, service: str) -> str:
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::", "") else self.http_host
        port = getattr(self, f"{service}_http_port")
        return self.service_urls.get(service, f"http://{host}:{port}")


class StackSettings(SystemSettings, TopicSettings):
    """The local stack (`sagaline up`): where its data lives, and the topics it creates."""

    model_config = _WITH_LOCAL_CREDENTIALS

    stack_dir: Path = Path(".stack")
    # A service's own KAFKA_CLIENT_CONFIG, by service name (the secure stack fills it with
    # each service's Kafka user); a service not named gets KAFKA_CLIENT_CONFIG.
    kafka_service_configs: dict[str, dict[str, str]] = Field(default_factory=dict)


@lru_cache(maxsize=1)
def stack_settings() -> StackSettings:
    return StackSettings()
