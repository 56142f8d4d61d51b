"""`engage ingest-replies` against a real IMAP server: Debian's dovecot, started on loopback with a
throwaway configuration (skipped, saying why, only when the dovecot binary is absent)."""
from __future__ import annotations

import getpass
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.invitations.models import HeldReply, ProcessedReply
from tests import factories
from tests.invitations import reply_fixtures
from tests.invitations.test_ingest import NOW, plain_email
from tests.invitations.test_reply_trust import answers

DOVECOT = shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)
pytestmark = pytest.mark.skipif(DOVECOT is None, reason="the IMAP test needs Debian's dovecot: "
                                                        "apt-get install dovecot-imapd (.ci/run does)")
USER, PASSWORD = "replies", "s3cret pass"  # a space: the URL must carry it encoded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
first_valid_uid = 1
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""


@pytest.fixture(scope="module")
def imap_server():
    """A dovecot serving one mailbox on a free loopback port; yields (url, Maildir path)."""
    root = Path(tempfile.mkdtemp(prefix="engage-dovecot-"))
    os.chmod(root, 0o755)  # its login processes run as its own unprivileged users when started by root
    for sub in ("run", "state", f"mail/{USER}", f"home/{USER}"):
        (root / sub).mkdir(parents=True)
    maildir = root / "mail" / USER
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    if os.getuid() == 0:
        # dovecot never serves mail as root: the mailbox belongs to its own unprivileged user.
        owner = pwd.getpwnam("dovecot") if "dovecot" in {p.pw_name for p in pwd.getpwall()} else pwd.getpwnam("nobody")
        uid, gid, users = owner.pw_uid, owner.pw_gid, ""
        for path in [root / "mail", root / "home", *(root / "mail").rglob("*"), *(root / "home").rglob("*")]:
            os.chown(path, uid, gid)
    else:
        # Not root (a developer's machine, CI): every process runs as the current user.
        uid, gid = os.getuid(), os.getgid()
        users = f"default_login_user = {getpass.getuser()}\ndefault_internal_user = {getpass.getuser()}"
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port, uid=uid, gid=gid, users=users))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                    pytest.fail(f"dovecot did not start: {process.stdout.read().decode()} {log}")
                time.sleep(0.05)  # waiting for a real process to listen, not for a clock
        yield f"imap://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}/INBOX", maildir
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


def _deliver(maildir: Path, raw: bytes, name: str) -> None:
    (maildir / "tmp" / name).write_bytes(raw)
    (maildir / "tmp" / name).rename(maildir / "new" / name)


def _flags(url: str) -> list[bytes]:
    conn = imaplib.IMAP4("127.0.0.1", int(url.rsplit(":", 1)[1].split("/")[0]))
    conn.login(USER, PASSWORD)
    conn.select("INBOX", readonly=True)
    _, data = conn.fetch("1:*", "(FLAGS)")
    conn.logout()
    return [d for d in data if d]


def test_ingest_replies_reads_an_imap_mailbox_once_and_leaves_it_as_it_was(app, runner, imap_server):
    url, maildir = imap_server
    zoe = factories.make_contact(email="zoe@mission.example", full_name="Zoe Wanjiru")
    ama = factories.make_contact(email="ama@example.org")
    meeting = factories.make_meeting(contacts=[zoe, ama], now=NOW)
    db.session.commit()
    later = NOW.replace(hour=12)
    _deliver(maildir, reply_fixtures.outlook(meeting.uid, "zoe@mission.example", "Zoe Wanjiru", "ACCEPTED",
                                             sequence=meeting.sequence, stamp=later), f"1.{meeting.id}.zoe")
    _deliver(maildir, reply_fixtures.gmail(meeting.uid, "zoe@mission.example", "Zoe Wanjiru", "DECLINED",
                                           sequence=meeting.sequence, stamp=NOW), f"2.{meeting.id}.old")
    _deliver(maildir, reply_fixtures.apple(meeting.uid, "ama@example.org", "Ama", "ACCEPTED",
                                           sequence=meeting.sequence, stamp=later, sender="zoe@mission.example"),
             f"3.{meeting.id}.spoof")
    _deliver(maildir, plain_email().as_bytes(), f"4.{meeting.id}.news")
    flags_before = _flags(url)

    result = runner.invoke(args=["engage", "ingest-replies", "--source", url])
    assert result.exit_code == 0, result.output
    assert "4 message(s) read: 1 answer(s) applied, 1 held for staff, 1 ignored, 0 rejected, 1 not replies" \
        in result.output
    assert answers(meeting) == {"zoe@mission.example": "accepted", "ama@example.org": "needs_action"}
    assert db.session.scalars(select(HeldReply.kind)).all() == ["unconfirmed"]
    assert _flags(url) == flags_before  # nothing marked read, moved or deleted
    assert PASSWORD not in result.output

    again = runner.invoke(args=["engage", "ingest-replies", "--source", url])
    assert "4 already processed" in again.output
    assert len(db.session.scalars(select(ProcessedReply)).all()) == 4


def test_a_wrong_password_is_reported_without_echoing_it(app, runner, imap_server):
    url, _ = imap_server
    bad = url.replace(PASSWORD.replace(" ", "%20"), "wrong-password")
    result = runner.invoke(args=["engage", "ingest-replies", "--source", bad])
    assert result.exit_code == 1
    assert "Could not read 127.0.0.1" in result.output and "wrong-password" not in result.output
