"""All configuration, read once from the environment (and an optional `.env` file).

Field names are the environment variable names (case-insensitive), e.g. `ORDER_DB_DSN`,
`KAFKA_BOOTSTRAP_SERVERS`, `PAYMENT_FAILURE_RATE`. Core modules never read this object: the
composition roots pass them the values they need.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sagaline.core import faults

Rate = float


# The local stack's credentials live in a config file, not in code (see that file).
LOCAL_STACK_ENV = Path(__file__).resolve().parents[2] / "stack" / "local.env"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=(LOCAL_STACK_ENV, "stack/local.env", ".env"), extra="ignore", frozen=True)

    # --- Kafka -------------------------------------------------------------------------------
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    topic_partitions: int = Field(6, ge=1, le=1000)
    # 1 suits the single local broker; a production cluster wants 3 (with min.insync.replicas
    # 2 on the broker, so acks=all means two copies).
    topic_replication_factor: int = Field(1, ge=1, le=10)
    # Extra librdkafka properties for every client, e.g. SASL/TLS:
    # KAFKA_CLIENT_CONFIG='{"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", ...}'
    kafka_client_config: dict[str, str] = Field(default_factory=dict)

    # --- PostgreSQL (one server and database per service; TLS via the DSN's sslmode) ----------
    # No defaults: credentials come from the environment or a config file, never from code.
    order_db_dsn: str
    payment_db_dsn: str
    inventory_db_dsn: str
    db_pool_size: int = Field(8, ge=1, le=100)

    # --- HTTP ----------------------------------------------------------------------------------
    http_host: str = "127.0.0.1"
    order_http_port: int = 4001
    payment_http_port: int = 4002
    inventory_http_port: int = 4003
    max_body_bytes: int = Field(64 * 1024, ge=1024)

    # --- Outbox relay and consumers -----------------------------------------------------------
    relay_batch_size: int = Field(500, ge=1, le=10_000)
    relay_poll_interval_s: float = Field(0.5, gt=0)
    # The seed-like baseline of the benchmark flips these three; keep the defaults.
    relay_wake_on_commit: bool = True
    relay_one_at_a_time: bool = False
    relay_always_wait: bool = False
    outbox_retention_s: float = Field(3600.0, ge=0)
    inbox_retention_s: float = Field(7 * 24 * 3600.0, ge=0)
    consumer_batch_size: int = Field(100, ge=1, le=10_000)
    # This replica's stable name, for static group membership: a restart under the same name
    # takes its partitions back at once. Unique per replica. Empty (the default): dynamic
    # membership, where a crashed replica's partitions move after the 6 s session timeout.
    # Caveat: under static membership a changed subscription (a new consumed topic) is not
    # picked up until the group rebalances, so roll out such a change under new names.
    replica_id: str = Field("", max_length=100)

    # --- Saga deadline: an order not final this long after it was placed is cancelled ------
    saga_timeout_s: float = Field(60.0, gt=0)
    deadline_scan_interval_s: float = Field(1.0, gt=0)

    # --- Business rules -----------------------------------------------------------------------
    starting_credit: int = Field(10_000, ge=0)
    initial_stock: dict[str, int] = Field(
        default_factory=lambda: {"SKU-1": 1_000_000, "SKU-2": 1_000_000, "SKU-RARE": 5}
    )
    failure_preset: Literal["none", "seed"] = "none"
    payment_failure_rate: Rate = Field(0.0, ge=0.0, le=1.0)
    inventory_failure_rate: Rate = Field(0.0, ge=0.0, le=1.0)

    # --- Fault injection (chaos tests only), e.g. "consumer.after_commit:0.01" (probability) --
    crash_points: str = ""
    delay_points: str = ""  # e.g. "consumer.before_commit:8" (seconds)

    # --- Local stack ---------------------------------------------------------------------------
    stack_dir: Path = Path(".stack")

    @field_validator("crash_points", "delay_points")
    @classmethod
    def _known_fault_points(cls, value: str) -> str:
        faults.parse(value)  # raises on an unknown name
        return value

    @model_validator(mode="after")
    def _apply_failure_preset(self) -> Settings:
        # The seed demo failed payments 25% and reservations 35% of the time.
        if self.failure_preset == "seed":
            object.__setattr__(self, "payment_failure_rate", self.payment_failure_rate or 0.25)
            object.__setattr__(self, "inventory_failure_rate", self.inventory_failure_rate or 0.35)
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
