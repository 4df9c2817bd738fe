"""The three services, as the stack launcher and the CLI see them.

Each service is a package `sagaline.seed_saga.<name>` started with
`python -m sagaline.seed_saga.<name>`; it serves HTTP on its port and answers `GET /ready` with
200 once its database and Kafka are reachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.postgres import migrations
from sagaline.core.postgres.session_limits import SessionLimits
from sagaline.core.runtime.wiring import Plumbing
from sagaline.core.saga import dead_letter_topic
from sagaline.settings import (
    InventorySettings,
    OrderSettings,
    PaymentSettings,
    ServiceSettings,
    SystemSettings,
)


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    settings: type[ServiceSettings]  # what the service reads from its environment

    @property
    def consumer_group(self) -> str:
        """As the saga's topology declares it (imported here: it imports the services)."""
        from sagaline.seed_saga.topology import TOPOLOGY

        return TOPOLOGY.service(self.name).consumer_group

    @property
    def compensations(self) -> frozenset[str]:
        """The topics whose handlers undo a step, as the topology declares them."""
        from sagaline.seed_saga.topology import TOPOLOGY

        return TOPOLOGY.service(self.name).compensations

    @property
    def module(self) -> str:
        return f"sagaline.seed_saga.{self.name}"

    def dsn(self, system: SystemSettings) -> str:
        return str(getattr(system, f"{self.name}_db_dsn"))

    def http_port(self, system: SystemSettings) -> int:
        return int(getattr(system, f"{self.name}_http_port"))

    @property
    def migrations(self) -> list[tuple[str, Traversable]]:
        """The core's tables (outbox, inbox), then the service's own `sql/NNN_*.sql`."""
        return [migrations.CORE_MIGRATIONS, (self.name, files(self.module) / "sql")]

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.name)

    def plumbing(self, settings: ServiceSettings, faults: FaultPoints | None = None
                 ) -> Plumbing:
        """The core's adapters as this service's settings configure them."""
        return Plumbing(
            name=self.name,
            dsn=settings.db_dsn,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            kafka_config=settings.kafka_client_config,
            compression=settings.kafka_compression_type,
            relay_batch_size=settings.relay_batch_size,
            relay_poll_interval_s=settings.relay_poll_interval_s,
            outbox_retention_s=settings.outbox_retention_s,
            inbox_retention_s=settings.inbox_retention_s,
            consumer_batch_size=settings.consumer_batch_size,
            instance_id=f"{self.name}-{settings.replica_id}" if settings.replica_id else None,
            faults=faults or FaultPoints(),
            limits=SessionLimits(
                settings.db_lock_timeout_s, settings.db_statement_timeout_s,
                settings.db_idle_in_transaction_timeout_s, settings.db_transaction_timeout_s,
                settings.db_keepalives_idle_s, settings.db_keepalives_interval_s,
                settings.db_keepalives_count, settings.db_tcp_user_timeout_s),
            relay_lock_timeout_s=settings.relay_lock_timeout_s,
        )


ORDER = ServiceSpec("order", OrderSettings)
PAYMENT = ServiceSpec("payment", PaymentSettings)
INVENTORY = ServiceSpec("inventory", InventorySettings)
SERVICES: tuple[ServiceSpec, ...] = (ORDER, PAYMENT, INVENTORY)
