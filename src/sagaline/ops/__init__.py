"""Operations tooling: what an operator runs beside the services (dead letters, Kafka admin),
and where the tools find each declared service (targets) and stock its sagas (stock).

Built on the core's adapters; the services never import it.
"""
