from tests.doubles import InMemoryUnitOfWork  # TEMPORARY, not committed

__all__ = ["InMemoryUnitOfWork"]
