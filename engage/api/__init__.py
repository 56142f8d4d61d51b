"""The JSON API, version 1 (contract: shared/API.md)."""
