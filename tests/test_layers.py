"""The layer order of docs/architecture.md holds, and nothing is wired by importing a module."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_packages_keep_their_layer_order():
    """import-linter's contract in pyproject.toml: no package imports one above it (so no cycles)."""
    pytest.importorskip("importlinter")
    # In a child process: import-linter reconfigures logging, which would silence later tests' loggers.
    script = ("import sys; from importlinter.cli import lint_imports; "
              "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]


def test_importing_every_module_registers_nothing():
    """Listeners on every Session and Engine, and meeting-change listeners, come from create_app only."""
    script = """
import pkgutil, importlib, engage
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
for module in pkgutil.walk_packages(engage.__path__, "engage."):
    importlib.import_module(module.name)
from engage import extensions, sealed, signals
from engage.access import guard
from engage.meetings import changes
assert not event.contains(Session, "before_flush", sealed._seal_before_flush)
assert not event.contains(Session, "do_orm_execute", guard._add_criteria)
assert not event.contains(Engine, "connect", extensions._sqlite_pragmas)
assert changes.CHANGE_LISTENERS == []
from flask import Blueprint
from engage.api import views as api_views
assert not any(isinstance(v, Blueprint) for v in vars(api_views).values())  # made by create_app, routes and all
assert not signals.sensitivity_changed.receivers and not signals.message_to_recipient.receivers
print("clean")
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "clean"


def test_create_app_connects_every_reaction(app):
    from engage import extensions, sealed, signals
    from engage.access import guard
    from engage.dataprotection.services import refuse_if_do_not_contact, withhold_on_objection
    from engage.invitations.services import on_change as send_invitations
    from engage.meetings.receivers import resend_restricted
    from engage.meetings.changes import CHANGE_LISTENERS
    from engage.reminders.services import on_change as plan_reminders
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    assert CHANGE_LISTENERS[:2] == [send_invitations, plan_reminders]
    assert resend_restricted in [r() for r in signals.sensitivity_changed.receivers.values()]
    assert withhold_on_objection in [r() for r in signals.contact_objected.receivers.values()]
    assert refuse_if_do_not_contact in [r() for r in signals.message_to_recipient.receivers.values()]
    assert event.contains(Session, "before_flush", sealed._seal_before_flush)
    assert event.contains(Session, "do_orm_execute", guard._add_criteria)
    # SQLite's pragmas go on the app's own engines, not on every Engine.
    assert not event.contains(Engine, "connect", extensions._sqlite_pragmas)
    assert event.contains(extensions.db.engine, "connect", extensions._sqlite_pragmas) \
        or extensions.db.engine.dialect.name != "sqlite"
    assert "meetings_with" in app.jinja_env.globals and "contact_outcomes_for" in app.jinja_env.globals
