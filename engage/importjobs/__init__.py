"""Big CSV imports run as background jobs, claimed by the scheduler like the outbox (docs/architecture.md)."""
