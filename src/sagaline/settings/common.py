"""The settings every process shares: Kafka, and what every service reads."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sagaline.core.middleware import faults
from sagaline.settings import exposure

# Codecs librdkafka can write. KafkaJS (the seed demo's client) decodes only none and gzip
# without plugins, so the contract's topics default to a codec every client reads.
Compression = Literal["none", "gzip", "snappy", "lz4", "zstd"]
Rate = float  # a probability in [0, 1]
# Secret keys, comma-separated in the environment (several: rotate by adding, then removing).
SecretKeys = Annotated[list[SecretStr], NoDecode]


def comma_separated(value: Any) -> Any:
    return [k.strip() for k in value.split(",") if k.strip()] if isinstance(value, str) else value


class Environment(BaseSettings):
    """Read from environment variables only: no file is read behind the user's back."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class KafkaSettings(Environment):
    # A comma-separated list: every client takes all of it.
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Extra librdkafka properties for every client, e.g. SASL/TLS:
    # KAFKA_CLIENT_CONFIG='{"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", ...}'
    kafka_client_config: dict[str, str] = Field(default_factory=dict)
    kafka_compression_type: Compression = "none"


class ServiceSettings(KafkaSettings):
    """What every service reads. `db_dsn` and `http_port` are read by the service's name
    (`service_settings`); a step's own model adds its knobs."""

    db_dsn: str
    http_port: int = 0
    http_host: str = "127.0.0.1"
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    db_pool_size: int = Field(8, ge=1, le=100)

    # --- Outbox relay and consumers -----------------------------------------------------------
    relay_batch_size: int = Field(500, ge=1, le=10_000)
    relay_poll_interval_s: float = Field(2.0, gt=0)  # a fallback: commits wake the relay
    outbox_retention_s: float = Field(3600.0, ge=0)
    inbox_retention_s: float = Field(7 * 24 * 3600.0, ge=0)
    consumer_batch_size: int = Field(100, ge=1, le=10_000)
    # A compensation (a refund, a release) still failing after this long is parked as a dead
    # letter (alerted, named by /ready until replayed) so that the other sagas of its
    # partition, which wait meanwhile, go on. At most a day: far below the saga topics'
    # retention (design.md §3), so nothing waiting behind it expires unread.
    compensation_park_after_s: float = Field(300.0, gt=0, le=24 * 3600)
    # This replica's stable name, for static group membership: a restart under the same name
    # takes its partitions back at once. Unique per replica. Empty (the default): dynamic
    # membership, where a crashed replica's partitions move after the 6 s session timeout.
    # Caveat: under static membership a changed subscription (a new consumed topic) is not
    # picked up until the group rebalances, so roll out such a change under new names.
    replica_id: str = Field("", max_length=100)

    # --- Bounded waits on the database (seconds; 0 turns a bound off) --------------------------
    # Per session: a lock wait, a statement, a whole transaction and one left idle (these two
    # end the backend of a client frozen or gone mid-transaction, freeing its locks; keep them
    # above the relay's 15 s wait for acks; transaction_timeout needs PostgreSQL 17+, 0 on
    # older servers). TCP keepalives and tcp_user_timeout notice a server that vanished.
    db_lock_timeout_s: float = Field(10.0, ge=0)
    db_statement_timeout_s: float = Field(30.0, ge=0)
    db_idle_in_transaction_timeout_s: float = Field(60.0, ge=0)
    db_transaction_timeout_s: float = Field(60.0, ge=0)
    db_keepalives_idle_s: int = Field(10, ge=1)
    db_keepalives_interval_s: int = Field(5, ge=1)
    db_keepalives_count: int = Field(3, ge=1)
    db_tcp_user_timeout_s: float = Field(30.0, ge=0)
    # A relay that waits longer than this for the outbox lock (held by another replica's
    # relay) reports it in /ready and tries again.
    relay_lock_timeout_s: float = Field(20.0, gt=0)
    # /ready fails while the oldest pending outbox event is older than this (0: never).
    outbox_stall_s: float = Field(60.0, ge=0)

    # --- Observability (docs/observability.md) ------------------------------------------------
    metrics_enabled: bool = True  # False: no GET /metrics and no counting behind it
    log_format: Literal["text", "json"] = "text"  # json: one object per line, with the ids

    # --- Who may call it (core/auth.py: the X-API-Key header) ---------------------------------
    # Admin keys: admin routes (POST /stock/{sku}) and readiness details. None: admin routes
    # refuse everyone. Client keys: every other route (but health) when REQUIRE_API_KEY is on.
    admin_api_keys: SecretKeys = []
    api_keys: SecretKeys = []
    require_api_key: bool = False
    # On an HTTP_HOST other machines reach, REQUIRE_API_KEY off is refused (anyone there could
    # list every order and read every account) unless this says it is open on purpose, e.g.
    # only a gateway that authenticates reaches it; then logged at WARNING (settings.exposure).
    allow_open_api: bool = False

    _split_keys = field_validator("admin_api_keys", "api_keys", mode="before")(comma_separated)

    @model_validator(mode="after")
    def _keys_for_required(self) -> ServiceSettings:
        if self.require_api_key and not (self.api_keys or self.admin_api_keys):
            raise ValueError("REQUIRE_API_KEY is on but API_KEYS and ADMIN_API_KEYS are empty")
        if self.served_open() and not self.allow_open_api:
            raise ValueError(
                f"HTTP_HOST={self.http_host!r} is not a loopback address and REQUIRE_API_KEY is "
                "off: anyone who reaches it could list every order and read every account. "
                "Set REQUIRE_API_KEY=true and API_KEYS (the client keys, comma-separated), or "
                "ALLOW_OPEN_API=true if it is open on purpose (only an authenticating gateway "
                "reaches it)")
        return self

    def served_open(self) -> bool:
        """Every route answers anyone who reaches an address other machines reach."""
        return not self.require_api_key and not exposure.is_loopback(self.http_host)

    def open_warning(self) -> str | None:
        """What to log at WARNING when it starts open on purpose (ALLOW_OPEN_API), else None."""
        return exposure.open_warning("HTTP_HOST", self.http_host, "ALLOW_OPEN_API",
                                     "call every route") if self.served_open() else None


class TopicSettings(KafkaSettings):
    """Creating the saga's topics (`sagaline topics`)."""

    topic_partitions: int = Field(6, ge=1, le=1000)
    # 1 suits the single local broker; a production cluster wants 3 (with min.insync.replicas
    # 2 on the broker, so acks=all means two copies).
    topic_replication_factor: int = Field(1, ge=1, le=10)
    # Copies a write with acks=all needs, set on each topic created; unset: one fewer than
    # the replication factor, at least 1 (2 of 3: one broker may be down, two may not).
    topic_min_insync_replicas: int | None = Field(None, ge=1, le=10)
    # The broker's default (7 days) would delete dead letters before anyone looked at them.
    dead_letter_retention_days: int = Field(30, ge=1)

    def min_insync_replicas(self) -> int:
        return self.topic_min_insync_replicas or default_min_insync(self.topic_replication_factor)


def default_min_insync(replication_factor: int) -> int:
    return max(1, replication_factor - 1)


class FaultSettings(Environment):
    """The chaos tier's fault points, e.g. CRASH_POINTS="consumer.after_commit:0.01"
    (probability) and DELAY_POINTS="consumer.before_commit:8" (seconds)."""

    crash_points: str = ""
    delay_points: str = ""

    @field_validator("crash_points", "delay_points")
    @classmethod
    def _known_fault_points(cls, value: str) -> str:
        faults.parse(value)  # raises on an unknown name
        return value

    def points(self) -> faults.FaultPoints:
        return faults.FaultPoints(faults.parse(self.crash_points),
                                  delays=faults.parse(self.delay_points))
