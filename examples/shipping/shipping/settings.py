"""Shipping's own settings (its database and port come by name: SHIPPING_DB_DSN,
SHIPPING_HTTP_PORT)."""

from __future__ import annotations

from pydantic import Field

from sagaline.settings import ServiceSettings


class ShippingSettings(ServiceSettings):
    daily_capacity: int = Field(100_000, ge=0)  # parcels the carrier takes per day
    shipping_failure_rate: float = Field(0.0, ge=0.0, le=1.0)  # injected, for demos
