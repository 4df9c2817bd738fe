"""The disk run's plot: each database's size and Kafka's bytes, the outbox's and inbox's rows,
and dead tuples, over the run (matplotlib, from the `bench` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sagaline.bench.disk_verdict import series


def plot(samples: Sequence[dict[str, Any]], services: Sequence[str], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = [s["t_s"] / 60 for s in samples]
    fig, (sizes, rows, dead) = plt.subplots(3, 1, figsize=(7, 9), sharex=True)
    for n, name in enumerate(services):
        color = f"C{n}"  # one per service in every panel
        sizes.plot(minutes, [v / 2**20 for v in series(samples, name, "database_bytes")],
                   label=f"{name} database", color=color)
        rows.plot(minutes, series(samples, name, "outbox_rows"), label=f"{name} outbox",
                  color=color)
        rows.plot(minutes, series(samples, name, "inbox_rows"), linestyle="--",
                  label=f"{name} inbox", color=color)
        dead.plot(minutes, series(samples, name, "dead"), label=name, color=color)
    sizes.plot(minutes, [sum(s["kafka_topic_bytes"].values()) / 2**20 for s in samples],
               label="Kafka (all topics)", color="black")
    sizes.set_ylabel("MB")
    rows.set_ylabel("rows")
    dead.set_ylabel("dead tuples")
    dead.set_xlabel("minutes")
    for ax, title in ((sizes, "size on disk"), (rows, "outbox and inbox rows"),
                      (dead, "dead tuples (all tables)")):
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
