"""Inventory's own settings (its database and port are added by name: INVENTORY_DB_DSN,
INVENTORY_HTTP_PORT; see sagaline.settings.service_settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sagaline.settings.common import Rate, ServiceSettings

SEED_INVENTORY_FAILURE_RATE = 0.35  # the seed demo failed reservations 35% of the time


class InventorySettings(ServiceSettings):
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
