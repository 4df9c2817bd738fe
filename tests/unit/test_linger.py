"""Adaptive batching (core.linger): wait for company only after a batch that had some."""

from __future__ import annotations

import json

import pytest

from sagaline.core import deadletter
from sagaline.core.consumer import ConsumerLoop
from sagaline.core.linger import Linger
from sagaline.core.messages import IncomingMessage
from sagaline.core.processor import EventProcessor
from tests.doubles import InMemoryPublisher, InMemorySource, InMemoryUnitOfWork

pytestmark = pytest.mark.unit


def test_a_quiet_system_goes_at_once() -> None:
    linger = Linger(0.002)
    assert linger.wait_s() == 0.0  # nothing seen yet
    linger.seen(1)
    assert linger.wait_s() == 0.0
    linger.seen(0)
    assert linger.wait_s() == 0.0


def test_after_a_batch_with_company_the_next_waits_for_more() -> None:
    linger = Linger(0.002)
    linger.seen(3)
    assert linger.wait_s() == 0.002
    linger.seen(1)  # the load fell away: back to sending at once
    assert linger.wait_s() == 0.0


def test_zero_turns_it_off_and_a_negative_linger_is_refused() -> None:
    off = Linger(0.0)
    off.seen(50)
    assert off.wait_s() == 0.0
    with pytest.raises(ValueError, match="negative"):
        Linger(-0.001)


class LingerRecordingSource(InMemorySource):
    def __init__(self) -> None:
        super().__init__()
        self.lingers: list[float] = []

    def poll(self, max_messages: int, timeout_s: float,
             linger_s: float = 0.0) -> list[IncomingMessage]:
        self.lingers.append(linger_s)
        return super().poll(max_messages, timeout_s, linger_s)


def message(offset: int) -> IncomingMessage:
    value = json.dumps({"orderId": f"o-{offset}"}).encode()
    return IncomingMessage("t", 0, offset, f"o-{offset}".encode(), value)


def test_the_consumer_asks_for_company_only_after_a_batch_that_had_some() -> None:
    source = LingerRecordingSource()
    processor = EventProcessor("group", {"t": lambda e, u: None}, InMemoryUnitOfWork)
    loop = ConsumerLoop(source, processor, deadletter.TopicDeadLetters(InMemoryPublisher(), "d"),
                        linger_s=0.002)
    source.add(message(0))
    loop.step()  # a lone message
    for offset in (1, 2, 3):
        source.add(message(offset))
    loop.step()  # three together
    source.add(message(4))
    loop.step()
    loop.step()  # nothing
    assert source.lingers == [0.0, 0.0, 0.002, 0.0]
    assert len(source.acked) == 5
