"""The saga dashboard (`sagaline dashboard`): a web page over every declared
service's database and Kafka, generic over the chosen saga (a lane, a card and a chart line
per service, the statuses and the graph from its declaration). Recent sagas and their
timelines, stuck sagas and why, live charts, dead letters and the declared topology.

Modules: `sources` (read-only pools; where each service's database and port are),
`order_queries` (the saga records, in the owner's database) / `core_queries` (outbox and
inbox, in any), `step` (what a step's own `timeline` adds, from its folder: its rows and
what it changed), `handler_links` (each handled event's handler, module:line), `kafka_view`
(lag and dead letters), `timeline` and `stuck` (pure analysis), `watchers` (who watches:
nothing is read while nobody does), `collector` (one shared snapshot per refresh,
`published`), `slow_reads` (readiness, lag, dead letters on their own cadence), `charts`
(per-second series read incrementally), `declaration` (the saga as the page reads it), `api`
(FastAPI), `operate` (acting after a login: see its docstring) and `static/`.
"""
