"""The request boundary: a success is committed once, after every hook; a refusal or failure keeps nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from engage import boundary
from engage.directory.models import Organisation
from engage.directory.services import create_organisation
from engage.errors import ConflictError, ValidationError
from engage.extensions import db
from tests.factories import WHEN


def _count(name):
    return db.session.scalar(select(func.count()).select_from(Organisation).where(Organisation.name == name))


def _routes(app):
    """Views that write an organisation, then answer in each way a view can."""
    def write(name):
        create_organisation(None, WHEN, {"name": name, "kind": "embassy", "country": "DE", "city": "Nairobi"})

    @app.route("/_test/ok/<name>")
    def ok(name):
        write(name)
        return "saved"

    @app.route("/_test/refused/<name>")
    def refused(name):
        write(name)
        raise ValidationError.for_fields({"name": "Taken."})

    @app.route("/_test/refused-back/<name>")
    def refused_back(name):
        boundary.refused_redirect("/somewhere")
        write(name)
        raise ConflictError("It clashes.")

    @app.route("/_test/status/<name>")
    def status(name):
        write(name)
        return "no", 422

    @app.route("/_test/kept/<name>")
    def kept(name):
        boundary.keep_refused()
        write(name)
        return "refused, but noted", 422

    @app.route("/_test/crash/<name>")
    def crash(name):
        write(name)
        raise RuntimeError("boom")

    @app.route("/api/v1/_test/refused/<name>")
    def api_refused(name):
        write(name)
        raise ValidationError.for_fields({"name": "Taken."})


def test_the_commit_runs_after_every_other_hook(app):
    assert app.after_request_funcs[None][0] is boundary._finish  # Flask runs them last-registered first


def test_a_success_is_committed_and_a_refusal_or_failure_keeps_nothing(app, client):
    _routes(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the crash is answered as in production
    assert client.get("/_test/ok/Kept").status_code == 200
    assert client.get("/_test/refused/Refused").status_code == 422
    response = client.get("/_test/refused-back/Clashed")
    assert response.status_code == 302 and response.headers["Location"].endswith("/somewhere")
    assert client.get("/_test/status/Failed").status_code == 422
    assert client.get("/_test/kept/Noted").status_code == 422
    assert client.get("/_test/crash/Crashed").status_code == 500
    api = client.get("/api/v1/_test/refused/ApiRefused")
    assert api.status_code == 422
    assert api.get_json() == {"error": {"code": "validation_error", "message": "name: Taken.",
                                        "fields": {"name": ["Taken."]}}}
    db.session.rollback()  # whatever the requests left uncommitted in this shared session goes now
    assert [_count(n) for n in ("Kept", "Noted")] == [1, 1]
    assert [_count(n) for n in ("Refused", "Clashed", "Failed", "Crashed", "ApiRefused")] == [0, 0, 0, 0, 0]
