"""What operators watch and do: status, search, failed work, the reconciler."""
