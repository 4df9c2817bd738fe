"""The saga dashboard (`sagaline dashboard`): a read-only web page over the three databases
and Kafka. Recent sagas and their timelines, stuck sagas and why, live charts, dead letters
and the declared topology.

Modules: `sources` (read-only pools), `order_queries` / `core_queries` / `business_queries`
(bounded SQL per database), `kafka_view` (lag and dead letters), `timeline` and `stuck` (pure
analysis), `collector` (one shared snapshot per refresh), `api` (FastAPI) and `static/`.
"""
