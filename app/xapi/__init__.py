"""xAPI: learning events as statements in a database outbox, sent to a learning record store (LRS)."""
