"""The three services, as the stack launcher and the CLI see them.

Each service is a package `sagaline.services.<name>` started with
`python -m sagaline.services.<name>`; it serves HTTP on its port and answers `GET /ready` with
200 once its database and Kafka are reachable.
"""

from __future__ import annotations

from dataclasses import dataclass

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


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("order", "order-service-group"),
    ServiceSpec("payment", "payment-service-group"),
    ServiceSpec("inventory", "inventory-service-group"),
)
