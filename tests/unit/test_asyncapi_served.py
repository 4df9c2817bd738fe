"""Each service serves its own part of the saga's AsyncAPI document at GET /asyncapi.json,
composed by the real composition root (through the harness): for every service of the seed's
saga, the shipping example's and the tests' tiny saga, iterating each declaration. Like
/openapi.json it is documentation, readable without an API key."""

from __future__ import annotations

import json

import pytest

from sagaline import saga_choice
from sagaline.contracts.asyncapi import document
from sagaline.core.saga import Saga
from sagaline.seed_saga.saga import SAGA
from sagaline.testing import SagaHarness
from tests.unit.test_asyncapi_document import EXAMPLE, SAGAS

pytestmark = pytest.mark.unit


@pytest.fixture(params=SAGAS)
def saga(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Saga:
    monkeypatch.chdir(EXAMPLE)  # where a user of the example runs from
    return saga_choice.load(request.param)


def test_every_service_serves_its_own_part(saga: Saga) -> None:
    harness = SagaHarness(saga)
    for service in saga.services:
        served = harness.client(service.name).get("/asyncapi.json")
        assert served.status_code == 200, (service.name, served.text)
        assert served.headers["content-type"] == "application/json"
        expected = json.loads(json.dumps(document(saga, service.name)))
        assert served.json() == expected
        assert set(served.json()["channels"]) == {
            *service.consumes, *service.produces, service.dead_letter_topic}


def test_the_document_needs_no_key_where_the_routes_do() -> None:
    keys = {"require_api_key": True, "api_keys": "client", "admin_api_keys": "admin"}
    harness = SagaHarness(SAGA, settings_overrides=dict.fromkeys(SAGA.names, keys))
    client = harness.client(SAGA.owner)
    assert client.post(SAGA.start_path, json={}).status_code == 401
    assert client.get("/asyncapi.json").status_code == 200

