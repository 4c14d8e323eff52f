"""Persistence: the tables, transactions, blobs, the outbox, migrations."""
