"""Operations tooling: what an operator runs beside the services (dead letters, Kafka admin).

Built on the core's adapters; the services never import it.
"""
