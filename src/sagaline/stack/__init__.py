"""The local stack: Kafka (KRaft) + three PostgreSQL servers + the services, one command."""

from sagaline.stack.component import ComponentStatus
from sagaline.stack.errors import StackError
from sagaline.stack.launcher import Stack

__all__ = ["ComponentStatus", "Stack", "StackError"]
