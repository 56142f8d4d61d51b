"""Security headers on every answer, and pages that need no inline script under the CSP."""
import re
from pathlib import Path

from engage import create_app
from engage.extensions import db

TEMPLATES = Path(__file__).resolve().parent.parent / "engage" / "templates"
DATA_KEY = "dGVzdGluZy1vbmx5LWRhdGEta2V5LW5vdC1zZWNyZXQ="


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in (p.strip() for p in policy.split(";")) if part}


def test_pages_api_and_files_carry_the_security_headers(client, staff_client, staff_api):
    for response in (client.get("/login"), staff_client.get("/meetings/"), staff_api.get("/api/v1/meetings"),
                     client.get("/static/engage.css"), client.get("/no-such-page")):
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        csp = _csp(response)
        assert csp["script-src"] == "'self'" and csp["default-src"] == "'self'"
        assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
        assert "unsafe-inline" not in csp["style-src"]
        assert "Strict-Transport-Security" not in response.headers  # not in testing


def test_no_template_holds_an_inline_script_or_event_handler():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if path.parts[-2] == "email" or path.name.endswith("_pdf.html"):
            continue  # mail and the PDFs are never served as pages
        text = path.read_text()
        found += [f"{path.name}: <script> without src" for _ in re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", text)]
        found += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        found += [f"{path.name}: <style>" for _ in re.findall(r"<style", text)]
        found += [f"{path.name}: javascript: URL" for _ in re.findall(r"javascript:", text)]
    assert not found, found


def test_confirmations_and_copy_boxes_use_data_attributes(staff_client, admin_client):
    feeds = staff_client.get("/meetings/feeds").get_data(as_text=True)
    assert "onfocus" not in feeds
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "onsubmit" not in page
    assert '<script src="/static/engage.js"></script>' in page
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)
    form = staff_client.get("/meetings/new").get_data(as_text=True)
    assert '<script src="/static/meeting-form.js"></script>' in form and not re.search(r"<script>", form)


def _production(tmp_path, base):
    return create_app("production", SECRET_KEY="x" * 40, ENGAGE_DATA_KEY=DATA_KEY, ENGAGE_BASE_URL=base,
                      SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.sqlite'}")


def _get_login(app):
    with app.app_context():
        db.create_all()
        response = app.test_client().get("/login", base_url="https://engage.example")
        db.session.remove()
        db.engine.dispose()
    return response


def test_hsts_in_production_when_the_base_url_is_https(tmp_path):
    response = _get_login(_production(tmp_path, "https://engage.example"))
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_no_hsts_in_production_over_plain_http(tmp_path):
    assert "Strict-Transport-Security" not in _get_login(_production(tmp_path, "http://engage.example")).headers
