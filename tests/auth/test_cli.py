"""The account commands: create-user, create-token, revoke-token, reset-password."""
from sqlalchemy import select

from engage.auth.models import ApiToken, User
from engage.extensions import db
from tests import factories


def test_create_user_reads_the_password_from_stdin(runner, app):
    result = runner.invoke(args=["engage", "create-user", "lead@example.org", "--role", "lead",
                                 "--password-stdin"], input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "lead@example.org"))
    assert user.role == "lead" and user.check_password("a long enough secret")


def test_create_user_prompts_for_the_password(runner, app):
    result = runner.invoke(args=["engage", "create-user", "p@example.org"],
                           input="a long enough secret\na long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "Created staff p@example.org" in result.output


def test_create_user_refuses_a_weak_password_and_saves_nothing(runner, app):
    result = runner.invoke(args=["engage", "create-user", "weak@example.org", "--password-stdin"], input="short\n")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output
    assert db.session.scalar(select(User).where(User.email == "weak@example.org")) is None


def test_create_user_refuses_a_mailbox_with_accents_that_mail_could_never_reach(runner, app):
    result = runner.invoke(args=["engage", "create-user", "zoë@example.org", "--password-stdin"],
                           input="a long enough secret\n")
    assert result.exit_code == 1
    assert "before the @-sign are not supported" in result.output
    assert db.session.scalar(select(User)) is None


def test_create_token_prints_it_once_and_it_can_be_revoked(runner, app, staff_user):
    result = runner.invoke(args=["engage", "create-token", staff_user.email, "--name", "partner"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/contacts", headers=headers).status_code == 200
    token = db.session.scalar(select(ApiToken))
    assert token.token_hash != secret and secret not in token.token_hash
    result = runner.invoke(args=["engage", "revoke-token", str(token.id)])
    assert result.exit_code == 0
    assert client.get("/api/v1/contacts", headers=headers).status_code == 401


def test_create_token_for_unknown_user_fails(runner, app):
    result = runner.invoke(args=["engage", "create-token", "ghost@example.org"])
    assert result.exit_code == 1
    assert "No active user" in result.output


def test_reset_password(runner, app):
    user = factories.make_user(email="forgot@example.org")
    result = runner.invoke(args=["engage", "reset-password", "forgot@example.org", "--password-stdin"],
                           input="another long secret\n")
    assert result.exit_code == 0
    db.session.refresh(user)
    assert user.check_password("another long secret")
