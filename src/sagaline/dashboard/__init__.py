"""The saga dashboard (`sagaline dashboard`): a read-only web page over the three databases
and Kafka. Recent sagas and their timelines, stuck sagas and why, live charts, dead letters
and the declared topology.

Modules: `sources` (read-only pools), `order_queries` / `core_queries` / `business_queries`
(bounded SQL per database), `kafka_view` (lag and dead letters), `timeline` and `stuck` (pure
analysis), `watchers` (who watches: nothing is read while nobody does), `collector` (one
shared snapshot per refresh, `published`), `slow_reads` (readiness, lag, dead letters on their
own cadence), `charts` (per-second series read incrementally), `api` (FastAPI) and `static/`.
"""
