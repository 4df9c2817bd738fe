"""What the dashboard adds to act on what it shows (issue 25): the login (`login`,
`session`), a saga's page and its cancel (`saga_ops`), dead letters by cause with a dry run,
replay and discard (`dlq_ops`, `jobs`), the operator log (`oplog_reads`), the search
(`search`), the auditor (`audit_runs`) and their pages (`pages`). Reading needs no login;
every action does."""

from __future__ import annotations

from fastapi import FastAPI

from sagaline.core.saga import Saga
from sagaline.dashboard.audit_runs import audit_router, audit_runs_of
from sagaline.dashboard.dlq_ops import dlq_router
from sagaline.dashboard.jobs import Jobs, jobs_router
from sagaline.dashboard.login import login_router
from sagaline.dashboard.oplog_reads import oplog_router
from sagaline.dashboard.pages import pages_router
from sagaline.dashboard.saga_ops import saga_ops_router
from sagaline.dashboard.search import search_router
from sagaline.dashboard.session import Sessions
from sagaline.dashboard.sources import Databases
from sagaline.settings import DashboardSettings


def add_operations(app: FastAPI, settings: DashboardSettings, topology: Saga,
                   dbs: Databases) -> None:
    sessions = Sessions(settings.admin_api_key.get_secret_value())
    jobs = Jobs()
    audits = audit_runs_of(settings, topology)  # started and stopped with the app
    for router in (login_router(sessions), pages_router(),
                   saga_ops_router(settings, topology, dbs, sessions),
                   dlq_router(settings, topology, dbs, sessions, jobs),
                   jobs_router(jobs, sessions), oplog_router(dbs, topology),
                   search_router(dbs, topology), audit_router(audits, sessions)):
        app.include_router(router)
    app.state.sessions, app.state.jobs, app.state.audits = sessions, jobs, audits
