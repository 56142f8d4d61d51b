"""The organisation's name, logo and reply address: set at setup or by an admin, checked, served."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from engage import create_app
from engage.errors import ValidationError
from engage.extensions import db
from engage.organisation.models import OrganisationSettings
from engage.organisation.services import current, save_settings

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.parametrize("data, logo, field", [
    ({"name": "  "}, None, "name"),
    ({"name": "x" * 121}, None, "name"),
    ({"name": "KHRC\x00"}, None, "name"),
    ({"name": "KHRC", "reply_to": "not an address"}, None, "reply_to"),
    ({"name": "KHRC"}, b"<svg onload='alert(1)'/>", "logo"),
    ({"name": "KHRC"}, PNG + b"\x00" * 300_000, "logo"),
])
def test_bad_settings_are_refused_naming_the_field(app, data, logo, field):
    with pytest.raises(ValidationError) as refused:
        save_settings(None, NOW, data, logo_bytes=logo)
    assert field in refused.value.fields


def test_the_admin_page_changes_the_name_and_the_logo(app, admin_client, staff_client):
    assert staff_client.get("/admin/organisation").status_code == 403
    assert "has no name yet" in admin_client.get("/admin/organisation").get_data(as_text=True)
    from io import BytesIO
    saved = admin_client.post("/admin/organisation", data={"name": "Kenya Health Rights Coalition",
                                                           "reply_to": "UPR@KHRC.example",
                                                           "logo": (BytesIO(PNG), "logo.png")},
                              content_type="multipart/form-data")
    assert saved.status_code == 303
    organisation = current()
    assert (organisation.name, organisation.reply_to) == ("Kenya Health Rights Coalition", "upr@khrc.example")
    assert admin_client.get(f"/organisation/logo/{organisation.logo_file}").data == PNG
    assert admin_client.get("/organisation/logo/0000.png").status_code == 404
    refused = admin_client.post("/admin/organisation", data={"name": ""})
    assert refused.status_code == 422 and "Give the organisation&#39;s name" in refused.get_data(as_text=True)


def test_setup_asks_for_the_organisation_once_and_options_change_it(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'setup.sqlite'}")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["engage", "setup", "--no-demo", "--org-name", "Kenya Health Rights Coalition",
                                "--org-reply-to", "upr@khrc.example", "--org-logo", str(logo)])
    assert first.exit_code == 0, first.output
    assert "Invitations are sent in the name of Kenya Health Rights Coalition." in first.output
    again = runner.invoke(args=["engage", "setup", "--no-demo"])  # unattended: nothing asked, nothing changed
    assert again.exit_code == 0 and "in the name of" not in again.output
    bad = runner.invoke(args=["engage", "setup", "--org-reply-to", "nobody"])
    assert bad.exit_code == 1 and "reply_to" in bad.output
    with app.app_context():
        row = db.session.scalars(select(OrganisationSettings)).one()
        assert (row.name, row.reply_to, row.logo, row.logo_type) == (
            "Kenya Health Rights Coalition", "upr@khrc.example", PNG, "image/png")
        db.engine.dispose()
