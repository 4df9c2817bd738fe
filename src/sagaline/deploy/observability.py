"""deploy/observability's Prometheus files for a saga: a scrape target per declared service,
and the alert rules, which name the saga's owner and its successful status.

The Grafana files beside them are not rendered: they name no service (panels group by the
`service` label), so they are the same for any saga. The saga metrics (sagaline_sagas_*,
sagaline_saga_duration_seconds, with the seed's status CANCELLED on one panel) are those the
seed's owner step records (sagaline.seed_saga.order.metrics); an owner that records none
leaves those panels and SagaStuck empty."""

from __future__ import annotations

from sagaline.core.saga import Saga
from sagaline.deploy import observability_templates as templates
from sagaline.deploy.facts import deployed, non_default, success
from sagaline.deploy.text import fill, lines


def render(saga: Saga, reference: str | None = None) -> dict[str, str]:
    chosen = non_default(reference)
    command = "sagaline render prometheus" + (f" --saga {chosen}" if chosen else "")
    targets = lines(fill(templates.TARGET, name=s.name, port=s.port) for s in deployed(saga))
    return {
        "prometheus.yml": fill(templates.PROMETHEUS, targets=targets, command=command),
        "alerts.yml": fill(templates.ALERTS, owner=saga.owner, success=success(saga),
                           command=command),
    }
