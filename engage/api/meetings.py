"""/meetings, /replies."""
