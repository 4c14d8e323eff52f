"""Télédossier core: the dossier model, the démarche rules, the stage handlers and persistence."""
