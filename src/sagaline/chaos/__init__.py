"""Chaos: orders keep flowing while services crash at their fault points, Kafka is killed and
the databases restart; then the auditor must find every accepted order final and nothing
lost or doubled. Used by the `chaos` test tier and by `sagaline soak`."""
