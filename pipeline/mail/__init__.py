"""Mail: the outbox of e-mails, their wording and links, reading replies."""
