"""A member organisation's logo: the secretariat uploads a PNG or JPEG (SVG and oversized files refused,
naming the field), shown beside the member's name on the members page and in the header of its users;
its invitations carry its name and fetch no image. A single organisation's header shows none of it."""
from __future__ import annotations

import io
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from engage.errors import PermissionDenied, ValidationError
from engage.extensions import db
from engage.meetings import services as meetings
from engage.members import services as members
from engage.members.schemas import MAX_LOGO_BYTES
from engage.outbox.models import OutboxMessage
from tests import factories
from tests.access.conftest import sign_in
from tests.conftest import login
from tests.outcomes.helpers import WHEN

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def khrc(app, admin_user):
    member = members.create_member(admin_user, WHEN, {"name": "Kenya Human Rights Commission", "short_name": "KHRC",
                                                      "from_name": "KHRC UPR team"})
    db.session.flush()
    staff = factories.make_user(role="staff", email="staff@khrc.example.org", full_name="Kip KHRC")
    staff.member_id = member.id
    db.session.commit()
    return member, staff


def _upload(client, member, data: bytes, name="logo.png", **extra):
    return client.post(f"/admin/members/{member.id}/logo", content_type="multipart/form-data",
                       data={"logo": (io.BytesIO(data), name), **extra})


def test_the_secretariat_uploads_a_members_logo_shown_on_the_members_page_and_in_its_users_header(
        app, admin_user, khrc):
    member, staff = khrc
    client = sign_in(app, admin_user)
    assert _upload(client, member, PNG).status_code == 302
    db.session.expire_all()
    assert member.logo_type == "image/png"
    page = client.get("/admin/members").get_data(as_text=True)
    assert f'src="/members/{member.id}/logo"' in page
    theirs = login(app.test_client(), staff)
    header = theirs.get("/").get_data(as_text=True)
    assert 'id="member-badge"' in header and f'src="/members/{member.id}/logo"' in header and "KHRC" in header
    served = theirs.get(f"/members/{member.id}/logo")
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == PNG
    assert app.test_client().get(f"/members/{member.id}/logo").status_code in (302, 401)  # signed-in users only
    # The secretariat's own users see their member, without a logo.
    assert f'src="/members/{member.id}/logo"' not in login(app.test_client(), factories.make_user(
        role="staff", email="s2@example.org")).get("/").get_data(as_text=True)
    # Removed, it is gone from the header and its address answers 404.
    assert client.post(f"/admin/members/{member.id}/logo", data={"remove": "y"}).status_code == 302
    assert theirs.get(f"/members/{member.id}/logo").status_code == 404
    assert 'src="/members/' not in theirs.get("/").get_data(as_text=True)


def test_an_svg_an_oversized_or_a_missing_file_is_refused_naming_the_logo_and_nothing_changes(app, admin_user, khrc):
    member, _staff = khrc
    client = sign_in(app, admin_user)
    for data, name, said in ((SVG, "logo.svg", "SVG logos are refused"),
                             (PNG + b"\x00" * MAX_LOGO_BYTES, "big.png", "at most 256 KB"),
                             (b"GIF89a....", "logo.gif", "must be a PNG or JPEG")):
        answer = _upload(client, member, data, name)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 422 and said in text and "Logo (PNG or JPEG):" in text, (name, answer.status_code)
    nothing = client.post(f"/admin/members/{member.id}/logo", data={})
    assert nothing.status_code == 422 and "Choose a PNG or JPEG file" in nothing.get_data(as_text=True)
    db.session.expire_all()
    assert member.logo_type is None
    with pytest.raises(ValidationError) as refused:
        members.set_logo(admin_user, WHEN, member, {"logo": SVG})
    assert list(refused.value.fields) == ["logo"]


def test_only_admins_of_the_secretariat_or_of_the_member_change_its_logo(app, admin_user, khrc):
    member, staff = khrc
    with pytest.raises(PermissionDenied):
        members.set_logo(staff, WHEN, member, {"logo": PNG})
    own_admin = factories.make_user(role="admin", email="admin@khrc.example.org")
    own_admin.member_id = member.id
    db.session.commit()
    assert members.set_logo(own_admin, WHEN, member, {"logo": PNG})
    home = db.session.get(members.Member, admin_user.member_id)
    with pytest.raises(PermissionDenied):  # a member's admin changes its own logo only
        members.set_logo(own_admin, WHEN, home, {"logo": PNG})
    assert login(app.test_client(), staff).post(f"/admin/members/{member.id}/logo", data={}).status_code == 403


def test_a_members_invitation_carries_its_name_and_fetches_no_image(app, admin_user, khrc):
    member, staff = khrc
    members.set_logo(admin_user, WHEN, member, {"logo": PNG})
    contact = factories.make_contact(factories.make_organisation(name="Embassy of Germany", kind="embassy",
                                                                 country="DE", city="Nairobi"))
    change = meetings.schedule_meeting(staff, WHEN, {
        "title": "On health", "starts_at": datetime(2026, 12, 9, 7, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 12, 9, 8, 0, tzinfo=UTC), "timezone": "Africa/Nairobi", "organiser": staff.id,
        "attendees": [{"contact_id": contact.id}]})
    db.session.commit()
    row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.meeting_id == change.meeting.id)).one()
    mail = message_from_bytes(row.raw, policy=policy.default)
    html = mail.get_body(("html",)).get_content()
    assert "KHRC UPR team" in mail["From"] and "KHRC UPR team" in html
    assert "/members/" not in html and "<img" not in html


def test_a_single_organisations_header_names_no_member(app, staff_user):
    assert 'id="member-badge"' not in login(app.test_client(), staff_user).get("/").get_data(as_text=True)
