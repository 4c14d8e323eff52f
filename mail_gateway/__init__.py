"""Mail edge: the outbound SMTP transport and catcher, the inbound SMTP server, the IMAP poller."""
