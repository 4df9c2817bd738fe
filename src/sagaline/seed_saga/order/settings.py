"""Order's own settings (its database and port are added by name: ORDER_DB_DSN,
ORDER_HTTP_PORT; see sagaline.settings.service_settings)."""

from __future__ import annotations

from pydantic import Field

from sagaline.settings.common import ServiceSettings


class OrderSettings(ServiceSettings):
    # An order not final this long after it was placed is cancelled and compensated.
    saga_timeout_s: float = Field(60.0, gt=0)
    deadline_scan_interval_s: float = Field(1.0, gt=0)
