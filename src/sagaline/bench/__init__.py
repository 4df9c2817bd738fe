"""The benchmark harness (`python -m sagaline bench`): offered load against the running stack,
saga latency from the databases' own timestamps, the machine's limits, a seed-like baseline.

Entry point: `sagaline.bench.harness.run(settings, config)`; results land in `bench/results/`.
"""
