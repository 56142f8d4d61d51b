"""/recommendations (UPR)."""
