"""XSD files describing the dossier XML layouts (shipped as package data)."""
