"""`Stack`: the local stack's public API (used by the CLI, the test fixtures and chaos tests).

Components, for the chosen saga's services in their declared order: "kafka" (or "kafka-1"
to "kafka-3"), "postgres-<service>" each, "toxiproxy" (the faulty stack: every service's
links through it, devstack/links.py), "<service>" each (and "<service>-<r>" for further
replicas), "dashboard". Every method raises `StackError` for a failure a user can act on (port
taken, Java missing, component died during start, timeout).
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from sagaline import saga_choice
from sagaline.devstack import kafka_secure, layout
from sagaline.devstack.component import Component, ComponentStatus
from sagaline.devstack.dashboard import Dashboard
from sagaline.devstack.errors import StackError
from sagaline.devstack.kafka import wait_for_brokers
from sagaline.devstack.shape import Shape
from sagaline.devstack.topics import ensure_saga_topics
from sagaline.settings import StackSettings, stack_settings


class Stack:
    """Kafka (KRaft), a Postgres server per service and the services of the chosen saga
    (sagaline.saga_choice), driven by pid files.

    State lives in `settings.stack_dir`, so a `Stack` built by another process (the CLI's
    `down`, a test session) sees and controls what an earlier one started.
    """

    def __init__(self, settings: StackSettings | None = None, *,
                 service_env: Mapping[str, str] | None = None,
                 service_module: str | None = None, shape: Shape | None = None) -> None:
        """`service_env` adds environment variables for the services (a chaos test's fault
        points, a short saga deadline); `service_module` runs another entry point for each
        service (`<module> <name>`: the benchmark's seed-like baseline). `shape` (Kafka
        nodes, service replicas, the saga) defaults to what `up` recorded in the stack dir.

        The saga is the shape's. Without a `shape`, one chosen explicitly (--saga,
        SAGALINE_SAGA) wins over the recorded one. Every service's DSN and port are pinned in
        `settings` for it (the local stack's where unset); services get it as SAGALINE_SAGA."""
        settings = settings or stack_settings()
        self.dir = Path(settings.stack_dir).resolve()
        if shape is None:
            shape = Shape.load(self.dir)
            if os.environ.get(saga_choice.ENV):
                shape = replace(shape, saga=saga_choice.reference())
        self.shape = shape
        self.saga = saga_choice.load(shape.saga)
        self.settings = layout.for_shape(settings.for_saga(self.saga), shape, self.dir,
                                         self.saga)
        self.service_env = dict(service_env or {})
        self.kafka_nodes = layout.kafka_nodes(self.settings, self.shape, self.dir, self.saga)
        self.kafka = self.kafka_nodes[0]
        self.postgres = layout.databases(self.settings, self.dir, self.saga)
        self.proxies = layout.toxiproxy(self.settings, self.shape, self.dir, self.saga)
        self.services = layout.service_replicas(self.settings, self.shape, self.dir, self.saga,
                                                self.service_env, service_module)
        self.dashboard = Dashboard(self.settings, self.dir, self.shape.saga)  # `up`, `demo`
        self.components: dict[str, Component] = {
            c.name: c for c in [*self.kafka_nodes, *self.postgres, *self.proxies,
                                *self.services, self.dashboard]
        }
        self.started: list[str] = []  # names this object spawned itself

    def with_services(self, *, module: str | None = None, **env: object) -> Stack:
        """A launcher for the same stack whose services start with these extra environment
        variables (e.g. `SAGA_TIMEOUT_S=1`) or through another entry point."""
        extra = {key.upper(): str(value) for key, value in env.items()}
        return Stack(self.settings, service_env={**self.service_env, **extra},
                     service_module=module, shape=self.shape)

    # --- the whole stack ------------------------------------------------------------------
    @property
    def infra_names(self) -> list[str]:
        # Toxiproxy first: the nodes of a faulty cluster reach each other through it.
        return [*(t.name for t in self.proxies), *(k.name for k in self.kafka_nodes),
                *(p.name for p in self.postgres)]

    @property
    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    def start_infra(self) -> None:
        """Start Kafka and the Postgres servers (reusing running ones), wait until ready,
        then create the topics, roles and databases (idempotent)."""
        for name in self.infra_names:
            self._spawn(name)
        for name in self.infra_names:
            self.wait_ready(name)
        if self.shape.cluster:
            wait_for_brokers(self.settings.kafka_bootstrap_servers,
                             self.settings.kafka_client_config, self.shape.brokers)
        ensure_saga_topics(self.settings)
        if self.shape.secure:
            kafka_secure.grant(self.settings.kafka_bootstrap_servers,
                               self.settings.kafka_client_config, self.saga)
        for pg in self.postgres:
            pg.provision()

    def start_services(self) -> None:
        """Start every service's replicas (reusing running ones) and wait for each `/ready`."""
        for name in self.service_names:
            self._spawn(name)
        for name in self.service_names:
            self.wait_ready(name)

    def start_dashboard(self) -> None:
        """Start the saga dashboard (reusing a running one) and wait until it answers."""
        self.start(self.dashboard.name)

    def record_shape(self) -> None:
        """Keep this stack's shape for later commands; refused while a stack of another
        shape runs in the same dir (its nodes or replicas would be lost track of)."""
        recorded = Shape.load(self.dir)
        if recorded.secure != self.shape.secure and any(
                (k.data_dir / "meta.properties").exists() for k in self.kafka_nodes):
            raise StackError(f"the Kafka data in {self.dir} was made "
                             f"{'with' if recorded.secure else 'without'} --secure: "
                             "`sagaline up --fresh` to start over")
        if recorded != self.shape and any(c.running() for c in Stack(self.settings).
                                          components.values() if not c.external):
            raise StackError(f"a stack of another shape runs in {self.dir} ({recorded}): "
                             "`sagaline down` first")
        self.shape.save(self.dir)

    def stop_all(self) -> None:
        """Stop everything this stack dir's pid files name: services, then Kafka, then Postgres."""
        self.stop_names(self._stop_order)

    @property
    def _stop_order(self) -> list[str]:
        # Toxiproxy last: the nodes of a faulty cluster shut down through it.
        proxies = [t.name for t in self.proxies]
        return [self.dashboard.name, *reversed(self.service_names),
                *(n for n in self.infra_names if n not in proxies), *proxies]

    def stop_names(self, names: list[str]) -> None:
        """Stop the named components in that order (services first if you pass them first)."""
        for name in names:
            self.stop(name)

    def stop_started(self) -> None:
        """Stop only what this object spawned itself (services, then Kafka, then Postgres)."""
        self.stop_names([n for n in self._stop_order if n in self.started])
        self.started.clear()

    def infra_reachable(self) -> bool:
        """True when Kafka answers and every database accepts its service role's login."""
        return (all(k.ready() for k in self.kafka_nodes)
                and all(pg.login_works() for pg in self.postgres))

    def wipe(self) -> None:
        """Stop everything, then delete the stack dir (all data)."""
        self.stop_all()
        shutil.rmtree(self.dir, ignore_errors=True)

    def status(self) -> list[ComponentStatus]:
        """One `ComponentStatus` per component, in start order."""
        return [c.status() for c in self.components.values()]

    def dead(self, names: list[str]) -> list[str]:
        """Those of `names` that no longer run."""
        return [n for n in names if not self.component(n).running()]

    # --- one component ----------------------------------------------------------------------
    def component(self, name: str) -> Component:
        try:
            return self.components[name]
        except KeyError:
            known = ", ".join(self.components)
            raise StackError(f"unknown component {name!r} (known: {known})") from None

    def start(self, name: str) -> None:
        """Start one component (no-op if it runs) and wait until it is ready."""
        self._spawn(name)
        self.wait_ready(name)

    def stop(self, name: str) -> None:
        """Stop one component gracefully (SIGTERM, Postgres: SIGINT = fast shutdown), then
        SIGKILL after its timeout."""
        self.component(name).stop()

    def restart(self, name: str) -> None:
        """stop(name) then start(name)."""
        self.stop(name)
        self.start(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the component's main process, nothing more (for chaos tests)."""
        self.component(name).kill(sig)

    def wait_ready(self, name: str, timeout: float | None = None) -> None:
        """Block until the component is ready (Kafka: metadata; Postgres: a query; service:
        GET /ready 200). StackError with the log tail if it dies or `timeout` runs out."""
        self.component(name).wait_ready(timeout)

    def _spawn(self, name: str) -> None:
        if self.component(name).start():
            self.started.append(name)
