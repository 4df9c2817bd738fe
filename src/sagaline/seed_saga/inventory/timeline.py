"""The inventory step's rows in the dashboard's timeline: its `reservations` row of the saga
(reserved, failed, released or voided) with its own timestamps, for what the outbox no
longer holds; its release drawn as a compensation."""

from sagaline.dashboard.step import RecordTimeline
from sagaline.seed_saga import topics

TIMELINE = RecordTimeline("reservations", "order_id", undone_at="released_at",
                          undo_topic=topics.INVENTORY_RELEASED)
