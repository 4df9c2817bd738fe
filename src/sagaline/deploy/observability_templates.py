# ruff: noqa: E501  (a template's lines are the rendered file's, as long as it has them)
"""deploy/observability's Prometheus files as templates: the scrape configuration (a target
per service) and the example alert rules. Placeholders: see sagaline.deploy.text."""

PROMETHEUS = """\
# Prometheus for the compose stack (`docker compose --profile observability up`): scrapes
# GET /metrics of every service of the saga every 5 s and loads the example alert rules.
# Metric names and what to alert on: docs/observability.md. Rendered from the saga's
# declaration by
#   [[command]]
global:
  scrape_interval: 5s
  evaluation_interval: 15s

rule_files:
  - /etc/prometheus/alerts.yml

scrape_configs:
  - job_name: sagaline
    metrics_path: /metrics
    static_configs:
      [[targets]]
"""

TARGET = """\
- targets: ["[[name]]:[[port]]"]
  labels: {service: [[name]]}"""

ALERTS = """\
# Example alert rules for sagaline (docs/observability.md explains each and what to do).
# Thresholds suit the defaults (SAGA_TIMEOUT_S=60); tune them to your service levels.
# tests/unit/test_observability_files.py checks that every expression names metrics the
# services expose. Rendered from the saga's declaration by
#   [[command]]
groups:
  - name: sagaline
    rules:
      - alert: SagaStuck
        # The deadline cancels an order 60 s after it was placed; one older than that and
        # still not final means the deadline sweep is not running (or cannot commit).
        expr: max(sagaline_sagas_oldest_in_flight_age_seconds) > 120
        for: 2m
        labels: {severity: page}
        annotations:
          summary: "An order has been in flight for {{ $value | humanizeDuration }}"
          description: "Look at the [[owner]] service's log (deadline sweep) and its database."

      - alert: OutboxNotDraining
        # Committed events are waiting for the relay: the broker is away, or the relay is.
        expr: max by (service) (sagaline_outbox_oldest_pending_age_seconds) > 30
        for: 1m
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.service }}: oldest outbox row waits {{ $value | humanizeDuration }}"
          description: "Check Kafka and the relay's warnings in the service's log."

      - alert: OutboxRowsRefused
        # The broker refused rows for good (too large, not authorised): they are marked failed
        # and wait for `sagaline outbox-requeue` after the cause is fixed.
        expr: sum by (service, topic) (increase(sagaline_relay_refused_total[15m])) > 0
        labels: {severity: ticket}
        annotations:
          summary: "{{ $labels.service }}: outbox rows for {{ $labels.topic }} refused by the broker"

      - alert: CompensationFailing
        # A refund or a release keeps failing. It is retried until it succeeds (or parked,
        # below), so the order's money or stock waits: find out why at once.
        expr: sum by (service, topic) (increase(sagaline_compensation_failing_total[5m])) > 0
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.service }}: a compensation from {{ $labels.topic }} keeps failing"
          description: "grep ALERT in the service's log; `sagaline check` names the order."

      - alert: CompensationParked
        # A compensation kept failing for COMPENSATION_PARK_AFTER_S and was dead-lettered so
        # that the other sagas of its partition go on: its order's money or stock waits.
        expr: sum by (service, topic) (increase(sagaline_compensations_parked_total[15m])) > 0
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.service }}: a compensation from {{ $labels.topic }} was parked as a dead letter"
          description: "GET /ready names it; fix the cause, then `sagaline dlq replay`."

      - alert: ConsumerRestarted
        # A fatal client error (e.g. two replicas sharing a REPLICA_ID: FENCED_INSTANCE_ID).
        expr: sum by (service) (increase(sagaline_consumer_restarts_total[15m])) > 0
        labels: {severity: ticket}
        annotations:
          summary: "{{ $labels.service }}: its consumer was replaced after a fatal error"

      - alert: DeadLettersGrowing
        expr: sum by (service, topic) (increase(sagaline_dead_letters_total[10m])) > 0
        labels: {severity: ticket}
        annotations:
          summary: "{{ $labels.service }}: {{ $value }} messages from {{ $labels.topic }} dead-lettered"
          description: "sagaline dlq list {{ $labels.service }}; fix the cause, then dlq replay."

      - alert: ConsumerLagHigh
        expr: sum by (service, topic) (sagaline_consumer_lag_messages) > 1000
        for: 5m
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.service }} is {{ $value }} messages behind on {{ $labels.topic }}"

      - alert: SagaLatencyP99High
        expr: >
          histogram_quantile(0.99,
            sum by (le) (rate(sagaline_saga_duration_seconds_bucket{status="[[success]]"}[5m])))
          > 5
        for: 10m
        labels: {severity: ticket}
        annotations:
          summary: "p99 of [[success]] sagas is {{ $value | humanizeDuration }}"

      - alert: HttpServerErrors
        expr: >
          sum by (service) (rate(sagaline_http_requests_total{status=~"5.."}[5m]))
            / sum by (service) (rate(sagaline_http_requests_total[5m])) > 0.05
        for: 5m
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.service }}: {{ $value | humanizePercentage }} of requests fail"

      - alert: ServiceDown
        expr: up{job="sagaline"} == 0
        for: 1m
        labels: {severity: page}
        annotations:
          summary: "{{ $labels.service }} does not answer /metrics"
"""
