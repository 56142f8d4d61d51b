"""Sensitivity of records: who may see restricted contacts, meetings and outcomes."""
