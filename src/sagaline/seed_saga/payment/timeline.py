"""The payment step's rows in the dashboard's timeline: its `payments` row of the saga
(charged, failed, refunded or voided) with its own timestamps, for what the outbox no longer
holds; its refund drawn as a compensation."""

from sagaline.dashboard.step import RecordTimeline
from sagaline.seed_saga import topics

TIMELINE = RecordTimeline("payments", "order_id", undone_at="refunded_at",
                          undo_topic=topics.PAYMENT_REFUNDED)
