"""The restricted world of tests/access, for the start page and the search."""
from tests.access.conftest import _serve_each_client_as_itself, clients, restricted  # noqa: F401
