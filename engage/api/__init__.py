"""The JSON API, version 1 (its OpenAPI document is the contract)."""
