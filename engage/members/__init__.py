"""The coalition's member organisations: who owns which meetings, outcomes and contacts' private details."""
