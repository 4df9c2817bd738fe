"""At rest: outboxes drained, consumer groups caught up."""

from __future__ import annotations

from collections.abc import Iterable

from sagaline.audit.findings import Finding, Value
from sagaline.audit.rows import OutboxState, PartitionLag


def outbox_problems(outboxes: Iterable[OutboxState], max_age_s: float) -> list[Finding]:
    """Unpublished rows older than `max_age_s` that the relay has not given up on, and rows
    it gave up on (`failed_at` set)."""
    found = []
    for box in outboxes:
        data: dict[str, Value] = {"service": box.service, "stale": box.stale,
                "oldest_pending_age_s": box.oldest_pending_age_s, "failed": box.failed}
        if box.stale:
            found.append(Finding(
                "outbox-not-drained", f"outbox {box.service}",
                f"{box.stale} unpublished rows older than {max_age_s:g} s (oldest"
                f" {box.oldest_pending_age_s or 0:.0f} s)", data))
        if box.failed:
            samples = "; ".join(box.failed_samples)
            found.append(Finding("outbox-failed", f"outbox {box.service}",
                                 f"{box.failed} rows failed to publish: {samples}", data))
    return found


def lag_problems(lags: Iterable[PartitionLag]) -> list[Finding]:
    """One finding per consumer group and topic that has not consumed to the end."""
    behind: dict[tuple[str, str], list[PartitionLag]] = {}
    for p in lags:
        if p.lag:
            behind.setdefault((p.group, p.topic), []).append(p)
    return [Finding("consumer-lag", f"group {group}",
                    f"{sum(p.lag for p in parts)} messages behind on {topic}"
                    f" (partitions {', '.join(f'{p.partition}:{p.lag}' for p in parts)})",
                    {"group": group, "topic": topic, "lag": sum(p.lag for p in parts),
                     "partitions": len(parts)})
            for (group, topic), parts in sorted(behind.items())]

