"""Configuration, one validated model per reader, each read from the environment.

Each process reads only what it needs, so a service's container gets only its own settings:

- `ServiceSettings` (common.py): what every service reads: Kafka, HTTP, its pool, relay and
  consumer. `service_settings(saga, name)` (services.py) adds the
  service's own database and port, by its name, to the step's own model (its knobs).
- `TopicSettings` (common.py): creating the topics (`sagaline topics`, compose's topic-init).
- `FaultSettings` (common.py): the chaos tier's fault points; off unless set.
- exposure.py: a service or the dashboard on an address other machines reach (not loopback)
  refuses to start unless it requires keys or is told it is open on purpose.
- `SystemSettings` and `StackSettings` (system.py): the operations tools (auditor, dead
  letters, demo, benchmark) see every service's database and port, by its name
  (`dsn(name)`, `http_port(name)`; unset, the local stack's, derived from the declaration by
  local_stack.py); the local stack also runs them. `DashboardSettings` (system.py): the saga
  dashboard adds its address and thresholds.

Field names are the environment variable names (case-insensitive). Core modules never read
these objects: the composition roots pass them the values they need.
"""

from sagaline.settings.common import FaultSettings, KafkaSettings, ServiceSettings, TopicSettings
from sagaline.settings.dashboard import DashboardSettings
from sagaline.settings.services import env_prefix, service_settings
from sagaline.settings.system import (
    StackSettings,
    SystemSettings,
    stack_settings,
)

__all__ = [
    "DashboardSettings",
    "FaultSettings",
    "KafkaSettings",
    "ServiceSettings",
    "StackSettings",
    "SystemSettings",
    "TopicSettings",
    "env_prefix",
    "service_settings",
    "stack_settings",
]
