"""Who may act from the dashboard (issue 25, item 7): reading needs nothing; an action needs
a session (the admin key exchanged at the login form for an HttpOnly, SameSite=Strict cookie,
Secure under https), its CSRF token, and a request from the dashboard's own origin. A stop
from the page lands between two batches of a bulk replay, and the log says what went."""

from __future__ import annotations

import threading
import uuid

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from sagaline.dashboard import api
from sagaline.dashboard.jobs import Job, Jobs
from sagaline.dashboard.session import COOKIE, DEFAULT_OPERATOR, Sessions
from sagaline.ops import dlq_actions as act
from sagaline.settings import DashboardSettings
from sagaline.testing.messaging import InMemoryPublisher
from sagaline.testing.operator_log import MemoryOperatorLog
from tests.unit.test_dashboard_declared import FOUR, FakeDatabases, FakeKafka
from tests.unit.test_dlq_operator_actions import letter

pytestmark = pytest.mark.unit
KEY = "the-admin-key"
BASE = "http://127.0.0.1:4000"
CANCEL = f"/api/sagas/{uuid.uuid4()}/cancel"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def client(base: str = BASE, key: str = KEY) -> TestClient:
    settings = DashboardSettings.model_construct(admin_api_key=SecretStr(key))
    app = api.create_app(settings, FOUR, FakeDatabases(FOUR.names), FakeKafka({}))
    app.state.collector._stop.set()
    return TestClient(app, base_url=base, follow_redirects=False)


def logged_in(web: TestClient, operator: str = "ann") -> str:
    """Logs `web` in; the session's CSRF token."""
    answer = web.post("/login", data={"key": KEY, "operator": operator})
    assert answer.status_code == 303, answer.text
    token: str = web.get("/api/session").json()["csrf"]
    return token


def test_only_the_admin_key_opens_a_session_and_it_ends() -> None:
    clock = [0.0]
    sessions = Sessions(KEY, ttl_s=60, now=lambda: clock[0])
    assert sessions.login("wrong", "ann") is None and sessions.login("", "ann") is None
    token, session = sessions.login(KEY, "  ann  the\nop ") or ("", None)
    assert session is not None and session.operator == "ann the op"
    assert sessions.get(token) == session and sessions.get("guessed") is None
    clock[0] = 60.0
    assert sessions.get(token) is None  # expired
    token, session = sessions.login(KEY) or ("", None)
    assert session is not None and session.operator == DEFAULT_OPERATOR
    sessions.logout(token)
    assert sessions.get(token) is None


def test_without_an_admin_key_nobody_can_log_in() -> None:
    assert Sessions("").login("", "ann") is None
    web = client(key="")
    answer = web.post("/login", data={"key": "", "operator": "ann"})
    assert answer.headers["location"] == "/login?disabled=1" and COOKIE not in web.cookies


def test_the_session_cookie_is_httponly_strict_and_secure_only_under_https() -> None:
    plain = client().post("/login", data={"key": KEY}).headers["set-cookie"].lower()
    assert "httponly" in plain and "samesite=strict" in plain and "path=/" in plain
    assert "secure" not in plain
    https = client("https://127.0.0.1:4000").post("/login", data={"key": KEY})
    assert "secure" in https.headers["set-cookie"].lower()


def test_a_wrong_key_gets_no_cookie_and_no_token() -> None:
    web = client()
    answer = web.post("/login", data={"key": "guess"})
    assert answer.headers["location"] == "/login?failed=1" and "set-cookie" not in answer.headers
    assert web.get("/api/session").json() == {"enabled": True, "operator": None, "csrf": None}


def test_an_action_without_a_session_is_refused() -> None:
    answer = client().post(CANCEL, data={"reason": "x", "csrf": "anything"})
    assert answer.status_code == 401 and "log in" in answer.text


@pytest.mark.parametrize("csrf", [None, "", "wrong"])
def test_an_action_without_the_sessions_csrf_token_is_refused(csrf: str | None) -> None:
    web = client()
    logged_in(web)
    data = {"reason": "x"} | ({"csrf": csrf} if csrf is not None else {})
    answer = web.post(CANCEL, data=data)
    assert answer.status_code == 403 and "CSRF" in answer.text


def test_another_sessions_token_does_not_do() -> None:
    first, second = client(), client()
    logged_in(first)
    other = logged_in(second)
    assert first.post("/api/jobs/none/stop", data={"csrf": other}).status_code == 403


@pytest.mark.parametrize("headers", [{"origin": "http://evil.example"},
                                     {"origin": "null"},
                                     {"origin": "https://127.0.0.1:4000"},  # another scheme
                                     {"sec-fetch-site": "cross-site"},
                                     {"sec-fetch-site": "same-site"}])
def test_a_post_from_another_origin_is_refused_even_with_cookie_and_token(
        headers: dict[str, str]) -> None:
    web = client()
    csrf = logged_in(web)
    answer = web.post("/api/jobs/none/stop", data={"csrf": csrf}, headers=headers)
    assert answer.status_code == 403 and "refused" in answer.text
    assert web.post("/login", data={"key": KEY}, headers=headers).status_code == 403


def test_a_same_origin_post_with_session_and_token_passes_the_guard() -> None:
    web = client()
    csrf = logged_in(web)
    answer = web.post("/api/jobs/none/stop", data={"csrf": csrf},
                      headers={"origin": BASE, "sec-fetch-site": "same-origin"})
    assert answer.status_code == 404  # past the guard: there is no such job
    assert web.post("/api/jobs/none/stop", headers={"X-CSRF-Token": csrf, **FORM},
                    content=b"").status_code == 404


def test_an_action_form_under_a_foreign_host_is_refused_first() -> None:
    web = client()
    csrf = logged_in(web)
    answer = web.post(CANCEL, data={"csrf": csrf, "reason": "x"},
                      headers={"host": "evil.example"})
    assert answer.status_code == 400


def test_a_logout_ends_the_session() -> None:
    web = client()
    csrf = logged_in(web)
    assert web.post("/logout", data={"csrf": csrf}).status_code == 303
    web.cookies.clear()
    assert web.post("/api/jobs/none/stop", data={"csrf": csrf}).status_code == 401


def test_the_login_goes_back_only_to_a_path_of_its_own() -> None:
    for target, expected in (("/saga/x", "/saga/x"), ("//evil.example/", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")):
        answer = client().post("/login", data={"key": KEY, "next": target})
        assert answer.headers["location"] == expected, target


def test_reading_needs_no_session() -> None:
    web = client()
    for path in ("/api/saga", "/search", "/dead-letters", "/operator-log", "/login",
                 f"/saga/{uuid.uuid4()}"):
        assert web.get(path).status_code == 200, path


def test_a_bulk_replay_stopped_from_the_page_logs_what_went_and_what_did_not() -> None:
    letters = [letter(i, f"o{i}", "x") for i in range(3)]
    log, publisher = MemoryOperatorLog(), InMemoryPublisher()
    first_sent = threading.Event()

    def work(job: Job) -> str:
        def wait(seconds: float) -> None:
            first_sent.set()
            job.wait(seconds)
        act.replay(letters, publisher, act.Actor("ann", "try", log),
                   inbox_retention_s=3600, pace=act.Pace(1, wait=wait))
        return "replayed all"

    job = Jobs().start(act.REPLAY, "ann", work)
    assert first_sent.wait(5)
    job.stop_flag.set()
    assert job.finished.wait(5)
    assert job.state == "stopped" and "stopped from the dashboard by ann" in job.result
    entry = log.entries()[0]
    assert entry.result.startswith("stopped after 1 of 3: Stopped")
    assert (entry.detail["replayed"], entry.detail["not_replayed"]) == (["0:0"], ["0:1", "0:2"])
    assert len(publisher.sent) == 1
