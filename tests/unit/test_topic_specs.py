"""What `topics` creates: replication factor and min.insync.replicas from the settings,
dead letters kept longer; settings a broker would refuse are refused first."""

from __future__ import annotations

import pytest

from sagaline.devstack.topic_drift import DAY_MS, wanted_specs
from sagaline.settings import TopicSettings

pytestmark = pytest.mark.unit


def test_a_cluster_gets_two_required_copies_of_three_and_dead_letters_kept_longer() -> None:
    specs = wanted_specs(["order.created", "dlq.order"], 6, 3, 30)
    assert specs["order.created"].replication_factor == 3
    assert specs["order.created"].configs == {"min.insync.replicas": "2"}
    assert specs["dlq.order"].configs == {"min.insync.replicas": "2",
                                          "retention.ms": str(30 * DAY_MS)}


def test_one_broker_needs_one_copy() -> None:
    assert wanted_specs(["a"], 1, 1, 30)["a"].configs["min.insync.replicas"] == "1"


def test_more_required_copies_than_replicas_is_refused() -> None:
    with pytest.raises(ValueError, match="above the replication factor"):
        wanted_specs(["a"], 1, 2, 30, min_insync_replicas=3)


def test_the_settings_default_to_one_fewer_than_the_replication_factor() -> None:
    s = TopicSettings(topic_replication_factor=3)
    assert s.min_insync_replicas() == 2
    assert TopicSettings(topic_replication_factor=3,
                         topic_min_insync_replicas=3).min_insync_replicas() == 3
