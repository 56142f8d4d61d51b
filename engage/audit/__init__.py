"""The audit log: append-only rows of who did what to which object, when and from where."""
