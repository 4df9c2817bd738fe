"""A saga's contracts, generated from its declaration: the AsyncAPI document
(`asyncapi.document`), each event's JSON Schema (`schemas`). See docs/contracts.md."""
