"""Télédossier's entry points: the composition root and the ``teledossier`` command."""
