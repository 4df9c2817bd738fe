"""Dead letters as an operator handles them (issue 25): grouped by cause, looked at before
acting, replayed at a bounded rate and discarded with a reason, every action in the operator
log with its result, also a refused, failed or interrupted one."""

from __future__ import annotations

import time

import pytest

from sagaline.core.messaging import deadletter as dl
from sagaline.ops import dlq
from sagaline.ops import dlq_actions as act
from sagaline.ops.dlq import DeadLetter
from sagaline.ops.dlq_groups import cause_message, groups
from sagaline.testing.messaging import InMemoryPublisher
from sagaline.testing.operator_log import MemoryOperatorLog

pytestmark = pytest.mark.unit

UUID_A = "3f2b8a1e-0c4d-4e5f-9a6b-7c8d9e0f1a2b"
UUID_B = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def letter(offset: int, key: str, error: str, *, source: str = "order.created",
           error_type: str = "ValidationError", failed_at: float | None = None) -> DeadLetter:
    at = time.time() if failed_at is None else failed_at
    return DeadLetter("dlq.payment", 0, offset, key, b"{}", {
        dl.H_SOURCE_TOPIC: source, dl.H_CONSUMER: "payment-service-group",
        dl.H_ERROR_TYPE: error_type, dl.H_ERROR: error, dl.H_FAILED_AT: f"{at:.3f}"})


def test_what_varies_per_letter_is_masked_in_its_cause() -> None:
    assert cause_message(f"order {UUID_A}: amount 12.5 over 10") == \
        cause_message(f"order {UUID_B}: amount 99 over 7")
    assert cause_message("input_value='abc'") == cause_message("input_value='zzz'")
    assert cause_message("amount over limit") != cause_message("user unknown")


def test_letters_are_grouped_by_cause_largest_first_with_a_stable_id() -> None:
    letters = [letter(1, "o1", f"bad amount for {UUID_A}", failed_at=100.0),
               letter(2, "o2", "user unknown"),
               letter(3, "o3", f"bad amount for {UUID_B}", failed_at=300.0),
               letter(4, "o1", f"bad amount for {UUID_B}", failed_at=200.0),
               letter(5, "o4", "user unknown", source="payment.refunded")]
    found = groups(letters)
    assert [len(g.letters) for g in found] == [3, 1, 1]
    big = found[0]
    assert big.sagas == ["o1", "o3"] and (big.first_seen, big.last_seen) == (100.0, 300.0)
    assert big.id == groups(list(reversed(letters)))[0].id  # the same cause, the same id
    assert found[1].id != found[2].id  # the same error from another topic: another cause


def test_a_dry_run_says_what_and_which_sagas_and_writes_nothing() -> None:
    letters = [letter(1, "o1", "x"), letter(2, "o2", "x", source="payment.refunded")]
    text = act.plan(act.REPLAY, letters)
    assert "would replay 2 letters" in text and "o1, o2" in text
    assert "1 to order.created" in text and "1 to payment.refunded" in text


def test_a_replay_goes_at_the_given_rate_and_is_logged() -> None:
    publisher, log, waits = InMemoryPublisher(), MemoryOperatorLog(), list[float]()
    letters = [letter(i, f"o{i}", "x") for i in range(5)]
    pace = act.Pace(per_second=2, wait=waits.append, now=lambda: 0.0)
    assert act.replay(letters, publisher, act.Actor("ann", "fixed the rule", log),
                      inbox_retention_s=3600, pace=pace) == 5
    assert [m.key for m in publisher.on_topic("order.created")] == [f"o{i}" for i in range(5)]
    assert waits == [1.0, 1.0]  # between the three batches
    [entry] = log.written
    assert (entry.operator, entry.action, entry.reason, entry.result) == (
        "ann", act.REPLAY, "fixed the rule", "replayed 5")
    assert entry.sagas == tuple(f"o{i}" for i in range(5))


def test_a_replay_cut_short_says_what_went_and_what_did_not() -> None:
    publisher, log = InMemoryPublisher(), MemoryOperatorLog()
    letters = [letter(i, f"o{i}", "x") for i in range(4)]

    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        act.replay(letters, publisher, act.Actor("ann", "", log), inbox_retention_s=3600,
                   pace=act.Pace(per_second=2, wait=interrupted))
    [entry] = log.written
    assert entry.result.startswith("stopped after 2 of 4")
    assert entry.detail["replayed"] == ["0:0", "0:1"]
    assert entry.detail["not_replayed"] == ["0:2", "0:3"]


def test_a_replay_the_broker_refuses_is_logged_as_failed() -> None:
    publisher, log = InMemoryPublisher(), MemoryOperatorLog()
    publisher.unavailable = True
    with pytest.raises(ConnectionError):
        act.replay([letter(1, "o1", "x")], publisher, act.Actor("ann", "", log),
                   inbox_retention_s=3600)
    assert log.written[0].result.startswith("stopped after 0 of 1: ConnectionError")


def test_a_replay_older_than_the_inbox_remembers_is_refused_and_logged() -> None:
    publisher, log = InMemoryPublisher(), MemoryOperatorLog()
    old = letter(1, "o1", "x", failed_at=time.time() - 7200)
    with pytest.raises(dlq.TooOld):
        act.replay([old], publisher, act.Actor("ann", "", log), inbox_retention_s=3600)
    assert publisher.sent == [] and log.written[0].result.startswith("refused:")


def test_a_discard_needs_a_reason_and_hides_the_letters() -> None:
    log = MemoryOperatorLog()
    letters = [letter(1, "o1", "x"), letter(2, "o2", "x")]
    with pytest.raises(act.ActionRefused):
        act.discard(letters, act.Actor("ann", "  ", log))
    assert log.written == []
    assert act.discard(letters[:1], act.Actor("ann", "a test order", log)) == 1
    assert act.discarded(log.entries(), "dlq.payment") == {"0:1"}
    assert act.discarded(log.entries(), "dlq.inventory") == set()
