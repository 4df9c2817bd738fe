"""Each service's own settings: its database, its port, its business knobs."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sagaline.settings.common import ServiceSettings

Rate = float
# The seed demo failed payments 25% and reservations 35% of the time.
SEED_PAYMENT_FAILURE_RATE, SEED_INVENTORY_FAILURE_RATE = 0.25, 0.35


class OrderSettings(ServiceSettings):
    db_dsn: str = Field(validation_alias="ORDER_DB_DSN")
    http_port: int = Field(4001, validation_alias="ORDER_HTTP_PORT")
    # An order not final this long after it was placed is cancelled and compensated.
    saga_timeout_s: float = Field(60.0, gt=0)
    deadline_scan_interval_s: float = Field(1.0, gt=0)


class PaymentSettings(ServiceSettings):
    db_dsn: str = Field(validation_alias="PAYMENT_DB_DSN")
    http_port: int = Field(4002, validation_alias="PAYMENT_HTTP_PORT")
    starting_credit: int = Field(10_000, ge=0)
    failure_preset: Literal["none", "seed"] = "none"
    payment_failure_rate: Rate = Field(0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _apply_failure_preset(self) -> PaymentSettings:
        if self.failure_preset == "seed" and not self.payment_failure_rate:
            object.__setattr__(self, "payment_failure_rate", SEED_PAYMENT_FAILURE_RATE)
        return self


class InventorySettings(ServiceSettings):
    db_dsn: str = Field(validation_alias="INVENTORY_DB_DSN")
    http_port: int = Field(4003, validation_alias="INVENTORY_HTTP_PORT")
    # SKUs created at start-up if missing (existing ones keep their stock).
    initial_stock: dict[str, int] = Field(
        default_factory=lambda: {"SKU-1": 1_000_000, "SKU-2": 1_000_000, "SKU-RARE": 5})
    failure_preset: Literal["none", "seed"] = "none"
    inventory_failure_rate: Rate = Field(0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _apply_failure_preset(self) -> InventorySettings:
        if self.failure_preset == "seed" and not self.inventory_failure_rate:
            object.__setattr__(self, "inventory_failure_rate", SEED_INVENTORY_FAILURE_RATE)
        return self
