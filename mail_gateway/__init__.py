"""Mail edge: outbound SMTP transport and the built-in catcher (inbound comes with the gateway)."""
