"""Clusters: the recommendations of several UPR cycles that make the same demand, grouped by staff."""
