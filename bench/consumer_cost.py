"""What payment's consumer costs per event when warm: its real loop, processor, handler and
database, fed one `order.created` at a time from memory in a tight loop, so no wake-up, no
Kafka fetch and no other thread comes between two events. Set against the same thread's CPU
per event in the running stack (`python -m sagaline.bench.profile`), the difference is what
waiting and waking cost, not what our code does. Figures: docs/performance.md, "What bounds
it now".

    .venv/bin/python bench/consumer_cost.py [events]   # a running stack's payment database

It works in a scratch schema of that database, dropped at the end.

`fake-db` runs the same loop on the unit tier's in-memory unit of work: the Python of the
loop, the envelope and the handler, without psycopg.
"""

from __future__ import annotations

import os
import resource
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.*

from tests.doubles import InMemoryPublisher, InMemorySource
from tests.fakes import FakePaymentUnitOfWork
from tests.integration.conftest import scratch_schema

from sagaline.core.messaging.consumer import ConsumerLoop
from sagaline.core.messaging.envelope import Envelope
from sagaline.core.messaging.messages import IncomingMessage
from sagaline.core.runtime.service import Service
from sagaline.seed_saga import PAYMENT, topics
from sagaline.seed_saga.payment.bootstrap import bootstrap
from sagaline.settings import PaymentSettings, stack_settings


def order_created(n: int) -> IncomingMessage:
    order_id = str(uuid.uuid4())
    event = Envelope.first(topics.ORDER_CREATED, order_id, {
        "orderId": order_id, "userId": f"cost-{n % 500}", "totalAmount": 1,
        "createdAt": "2026-12-02T00:00:00+00:00", "items": [{"sku": "SKU-1", "quantity": 1}]})
    return IncomingMessage(topics.ORDER_CREATED, n % 6, n, order_id.encode(), event.value(),
                           {k: v.encode() for k, v in event.headers().items()})


def per_event_us(consumer: ConsumerLoop, source: InMemorySource, n: int
                 ) -> tuple[float, float, float]:
    """The thread's CPU, of it system time, and its context switches per event."""
    messages = [order_created(i) for i in range(n)]
    before = resource.getrusage(resource.RUSAGE_THREAD)
    for message in messages:
        source.add(message)
        assert consumer.step(0.0) == 1
    after = resource.getrusage(resource.RUSAGE_THREAD)
    system = after.ru_stime - before.ru_stime
    switches = after.ru_nvcsw + after.ru_nivcsw - before.ru_nvcsw - before.ru_nivcsw
    return ((after.ru_utime - before.ru_utime + system) / n * 1e6, system / n * 1e6,
            switches / n)


def payment(dsn: str, unit_of_work: Callable[[], FakePaymentUnitOfWork] | None
            ) -> tuple[Service, InMemorySource]:
    """Payment as its bootstrap builds it, on `dsn` (or the fake unit of work); nothing
    leaves it: the relay does not run, and the publisher is in memory."""
    source = InMemorySource()
    service = bootstrap(PaymentSettings(db_dsn=dsn), unit_of_work=unit_of_work,
                        publisher=InMemoryPublisher(), source=source)
    return service, source


def main(n: int) -> None:
    base = os.environ.get("PAYMENT_DB_DSN") or stack_settings().payment_db_dsn
    with scratch_schema(base, PAYMENT.migrations) as dsn:  # not the running service's tables
        compare(dsn, n)


def compare(dsn: str, n: int) -> None:
    # A fresh fake per transaction, as a real one is: nothing piles up in it across events.
    built = {"real-db": payment(dsn, None), "fake-db": payment(dsn, FakePaymentUnitOfWork)}
    try:
        for name in [*built, *reversed(built)]:  # A B B A
            service, source = built[name]
            assert service.consumer is not None
            per_event_us(service.consumer, source, 200)  # warm: statements prepared
            cpu, system, switches = per_event_us(service.consumer, source, n)
            print(f"{name:8} {cpu:7.1f} us of the thread's CPU per event (system"
                  f" {system:6.1f}), {switches:4.1f} context switches; one event per"
                  " transaction", flush=True)
    finally:
        for service, _ in built.values():
            service.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
