"""The default saga, the seed demo's (declared in `saga.py`), and a transitional view of
any chosen saga's services (`ServiceSpec`, `SERVICES`) for the tools not yet reading the
declaration itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from sagaline.core.middleware.faults import FaultPoints
from sagaline.core.postgres import migrations
from sagaline.core.runtime import compose
from sagaline.core.runtime.wiring import Plumbing
from sagaline.core.saga import Saga, dead_letter_topic
from sagaline.settings import ServiceSettings, SystemSettings, service_settings


@dataclass(frozen=True)
class ServiceSpec:
    name: str

    @property
    def settings(self) -> type[ServiceSettings]:
        return service_settings(_saga(), self.name)

    @property
    def consumer_group(self) -> str:
        return _saga().service(self.name).consumer_group

    @property
    def compensations(self) -> frozenset[str]:
        return _saga().service(self.name).compensations

    def dsn(self, system: SystemSettings) -> str:
        return system.dsn(self.name)

    def http_port(self, system: SystemSettings) -> int:
        return system.http_port(self.name)

    @property
    def migrations(self) -> list[tuple[str, Traversable]]:
        """The core's tables (outbox, inbox), then the service's own `sql/NNN_*.sql`."""
        package = _saga().service(self.name).package
        return [migrations.CORE_MIGRATIONS, (self.name, files(package) / "sql")]

    @property
    def dead_letter_topic(self) -> str:
        return dead_letter_topic(self.name)

    def plumbing(self, settings: ServiceSettings, faults: FaultPoints | None = None
                 ) -> Plumbing:
        return compose.plumbing_for(_saga().service(self.name), settings, faults)


if TYPE_CHECKING:  # what __getattr__ gives
    SERVICES: tuple[ServiceSpec, ...]
    ORDER: ServiceSpec
    PAYMENT: ServiceSpec
    INVENTORY: ServiceSpec


def _saga() -> Saga:
    from sagaline import saga_choice

    return saga_choice.load()


def __getattr__(name: str) -> Any:
    """SERVICES, and each service's spec by its upper-case name, of the chosen saga."""
    if not name.isupper():
        raise AttributeError(name)  # a submodule being imported, not a spec
    if name == "SERVICES":
        return tuple(ServiceSpec(n) for n in _saga().names)
    if name.lower() in _saga().names:
        return ServiceSpec(name.lower())
    raise AttributeError(name)
