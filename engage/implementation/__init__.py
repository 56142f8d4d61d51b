"""Implementation tracking: assessments of recommendations over time, with their evidence and source,
and the ministries and agencies responsible for each recommendation."""
