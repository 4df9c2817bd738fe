"""The local stack: Kafka (KRaft) + three PostgreSQL servers + the services, one command."""

from sagaline.devstack.component import ComponentStatus
from sagaline.devstack.errors import StackError
from sagaline.devstack.launcher import Stack

__all__ = ["ComponentStatus", "Stack", "StackError"]
