"""The local stack: Kafka (KRaft) + a PostgreSQL server per service + the services of the
chosen saga, one command."""

from sagaline.devstack.component import ComponentStatus
from sagaline.devstack.errors import StackError
from sagaline.devstack.launcher import Stack

__all__ = ["ComponentStatus", "Stack", "StackError"]
