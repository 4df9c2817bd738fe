"""Order: the HTTP API that starts a saga, and the record of how each saga ended."""
