"""sagaline: the saga pattern (choreography) on Kafka + PostgreSQL with a transactional outbox."""
