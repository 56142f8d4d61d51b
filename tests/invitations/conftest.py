"""The three ways a calendar reply comes in, as one fixture."""
import pytest

from tests.invitations.test_reply_trust import deliver


@pytest.fixture
def send(app, tmp_path, lead_api, lead_client):
    """send(path, raw) -> (status, what the sender is told), path one of api | upload | ingest."""
    return lambda path, raw: deliver(path, app, raw, tmp_path, lead_api, lead_client)
