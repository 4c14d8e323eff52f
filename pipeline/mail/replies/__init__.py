"""Mail that comes back: agents' and citizens' replies, and delivery reports."""
