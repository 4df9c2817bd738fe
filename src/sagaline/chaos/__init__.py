"""Chaos: sagas keep flowing while each declared service crashes at its fault points, Kafka
is killed and the databases restart; then the auditor must find every accepted saga final
and nothing lost or doubled. Used by the `chaos` test tier and by `sagaline soak`."""
