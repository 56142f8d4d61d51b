"""UPR cycles: their milestones, their engagement windows, and which cycle a page shows."""
