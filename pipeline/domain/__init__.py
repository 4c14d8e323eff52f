"""The dossier's rules, without a database: lifecycle, démarches, references, files."""
