"""Each service answers as its OpenAPI document says: schemathesis with every check (status
codes, headers, bodies, content types, valid data accepted, invalid data refused, 405 with
`Allow`, resources found after creation), in its examples, coverage, fuzzing and stateful
phases (calls chained through the schema's links). A rejected request writes nothing."""

from __future__ import annotations

import pytest

from tests.integration.fuzz.conftest import (
    Apis,
    Footprint,
    Known,
    known_values,
    load,
    run_schemathesis,
)

pytestmark = pytest.mark.fuzz


def test_the_order_service_is_what_its_schema_says(apis: Apis, order_writes: Footprint) -> None:
    run_schemathesis(load(apis.order, apis.admin), order_writes)


def test_the_payment_service_is_what_its_schema_says(apis: Apis, known: Known) -> None:
    # No route of payment's writes; known ids let reads (and their links) find something.
    run_schemathesis(load(apis.payment, apis.admin, **known_values(order_id=known.order_ids,
                                                       user_id=known.user_ids)))


def test_the_inventory_service_is_what_its_schema_says(apis: Apis, known: Known,
                                                       stock_writes: Footprint) -> None:
    run_schemathesis(load(apis.inventory, apis.admin, **known_values(order_id=known.order_ids,
                                                         sku=known.skus)), stock_writes)
