"""The three services, as the stack launcher and the CLI see them.

Each service is a package `sagaline.services.<name>` started with
`python -m sagaline.services.<name>`; it serves HTTP on its port and answers `GET /ready` with
200 once its database and Kafka are reachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from sagaline.core import faults, migrations
from sagaline.core.wiring import Plumbing
from sagaline.services.topics import dead_letter_topic
from sagaline.settings import Settings


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    consumer_group: str

    @property
    def module(self) -> str:
        return f"sagaline.services.{self.name}"

    def dsn(self, settings: Settings) -> str:
        return str(getattr(settings, f"{self.name}_db_dsn"))

    def http_port(self, settings: Settings) -> int:
        return int(getattr(settings, f"{self.name}_http_port"))

    @property
    def migrations(self) -> list[tuple[str, Traversable]]:
        """The core's tables (outbox, inbox), then the service's own `sql/NNN_*.sql`."""
        return [migrations.CORE_MIGRATIONS, (self.name, files(self.module) / "sql")]

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.name)

    def plumbing(self, settings: Settings) -> Plumbing:
        return Plumbing(
            name=self.name,
            dsn=self.dsn(settings),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            kafka_config=settings.kafka_client_config,
            relay_batch_size=settings.relay_batch_size,
            relay_poll_interval_s=settings.relay_poll_interval_s,
            outbox_retention_s=settings.outbox_retention_s,
            inbox_retention_s=settings.inbox_retention_s,
            consumer_batch_size=settings.consumer_batch_size,
            instance_id=f"{self.name}-{settings.replica_id}" if settings.replica_id else None,
            relay_wake_on_commit=settings.relay_wake_on_commit,
            relay_one_at_a_time=settings.relay_one_at_a_time,
            relay_always_wait=settings.relay_always_wait,
            faults=faults.FaultPoints(faults.parse(settings.crash_points),
                                     delays=faults.parse(settings.delay_points)),
        )


ORDER = ServiceSpec("order", "order-service-group")
PAYMENT = ServiceSpec("payment", "payment-service-group")
INVENTORY = ServiceSpec("inventory", "inventory-service-group")
SERVICES: tuple[ServiceSpec, ...] = (ORDER, PAYMENT, INVENTORY)
