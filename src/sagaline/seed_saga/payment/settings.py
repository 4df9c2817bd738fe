"""Payment's own settings (its database and port are added by name: PAYMENT_DB_DSN,
PAYMENT_HTTP_PORT; see sagaline.settings.service_settings)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sagaline.settings.common import Rate, ServiceSettings

SEED_PAYMENT_FAILURE_RATE = 0.25  # the seed demo failed payments 25% of the time


class PaymentSettings(ServiceSettings):
    starting_credit: int = Field(10_000, ge=0)
    failure_preset: Literal["none", "seed"] = "none"
    payment_failure_rate: Rate = Field(0.0, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _apply_failure_preset(self) -> PaymentSettings:
        if self.failure_preset == "seed" and not self.payment_failure_rate:
            object.__setattr__(self, "payment_failure_rate", SEED_PAYMENT_FAILURE_RATE)
        return self
