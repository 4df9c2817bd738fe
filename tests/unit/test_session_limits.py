"""Bounded waits: what each session sends, and what the local stack's servers are told."""

from __future__ import annotations

from pathlib import Path

import pytest

from sagaline.core.postgres.session_limits import SessionLimits
from sagaline.core.runtime.compose import plumbing_for
from sagaline.devstack import pgconfig
from sagaline.seed_saga.saga import SAGA
from sagaline.settings import env_prefix, service_settings

pytestmark = pytest.mark.unit
DSN = "postgresql://u:p@127.0.0.1:5433/db?options=-c%20search_path%3Dtest_x"


def test_a_session_bounds_its_waits_and_keeps_the_dsns_own_options() -> None:
    params = SessionLimits().connection_parameters(DSN)
    assert params["options"] == (
        "-c lock_timeout=10000 -c statement_timeout=30000"
        " -c idle_in_transaction_session_timeout=60000 -c transaction_timeout=60000"
        " -c search_path=test_x")  # last: a setting the DSN names wins
    assert (params["keepalives"], params["keepalives_idle"], params["keepalives_interval"],
            params["keepalives_count"], params["tcp_user_timeout"]) == (1, 10, 5, 3, 30000)


def test_a_zero_transaction_timeout_is_not_sent_for_servers_before_17() -> None:
    options = SessionLimits(transaction_timeout_s=0, lock_timeout_s=0.25).server_options()
    assert "transaction_timeout" not in options and "-c lock_timeout=250" in options


@pytest.mark.parametrize("name", SAGA.names)
def test_a_services_settings_reach_its_sessions_and_its_relay(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{env_prefix(name)}_DB_DSN", DSN)
    monkeypatch.setenv("DB_LOCK_TIMEOUT_S", "2.5")
    monkeypatch.setenv("DB_TRANSACTION_TIMEOUT_S", "0")
    monkeypatch.setenv("DB_TCP_USER_TIMEOUT_S", "7")
    monkeypatch.setenv("RELAY_LOCK_TIMEOUT_S", "4")
    plumbing = plumbing_for(SAGA.service(name), service_settings(SAGA, name)())
    assert plumbing.dsn == DSN
    assert plumbing.limits == SessionLimits(lock_timeout_s=2.5, transaction_timeout_s=0,
                                            tcp_user_timeout_s=7)
    assert plumbing.relay_lock_timeout_s == 4


def test_the_local_servers_end_abandoned_transactions_and_notice_silent_peers() -> None:
    conf = pgconfig.server_conf(5433, Path("/s"))
    for line in ("idle_in_transaction_session_timeout = '60s'", "tcp_keepalives_idle = 10",
                 "tcp_user_timeout = 30000", "client_connection_check_interval = 5000"):
        assert line in conf.splitlines()
