"""Dramatiq edge: the broker, one actor per stage, the outbox relay and the reconciler loop."""
