"""`flask --app wsgi engage …` commands."""
from __future__ import annotations

import functools
import imaplib
import logging
import signal
import sys
import threading
import time
from datetime import datetime, timedelta

import click
import werkzeug.serving
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade
from sqlalchemy import func, select

from engage.auth.models import ApiToken, User
from engage.auth.services import create_api_token, create_user, find_user_by_email, reset_password, set_dpo
from engage.auth.twofactor import reset
from engage.clock import now_utc
from engage.dataprotection.services import retention_pass
from engage.demo import DEMO_ORGANISATION, first_run, load_demo_data
from engage.demo.seed import analyse, seed
from engage.directory.imports import import_csv_file
from engage.errors import ServiceError
from engage.extensions import db
from engage.members import services as members
from engage.invitations.ingest import ingest_replies
from engage.organisation import services as organisation
from engage.organisation.models import MAX_LOGO_BYTES
from engage.outbox.services import DEFAULT_BATCH_SIZE, default_worker_id, drain_outbox
from engage.recommendations import vocabulary
from engage.recommendations.schemas import KEEP
from engage.reminders.services import describe, due_reminders
from engage.scheduler import run_blocking, start_background
from engage.sealed import rotate_all
from engage.upr.imports import import_recommendations_file
from engage.upr.previews import counts_text, preview_counts

class CommandGroup(AppGroup):
    """A command group whose commands refuse in one place: a ServiceError from any of them rolls back,
    prints its message and exits 1 (the commands' counterpart of the request boundary)."""

    def command(self, *args, **kwargs):
        register = super().command(*args, **kwargs)

        def decorator(callback):
            @functools.wraps(callback)
            def refusing(*call_args, **call_kwargs):
                try:
                    return callback(*call_args, **call_kwargs)
                except ServiceError as exc:
                    # Name each refused field, as a form would show it beside the field.
                    fields = "; ".join(f"{name}: {m}" for name, msgs in (exc.fields or {}).items() for m in msgs)
                    _fail(fields or exc.message)
            return register(refusing)
        return decorator

    def group(self, *args, **kwargs):
        kwargs.setdefault("cls", CommandGroup)
        return super().group(*args, **kwargs)


engage_cli = CommandGroup("engage", help="engage administration commands.")
import_cli = CommandGroup("import", help="Import CSV files and published UPR files (all-or-nothing).")
engage_cli.add_command(import_cli)


def register_cli(app) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(engage_cli)


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@engage_cli.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["staff", "lead", "admin"]), default="staff", show_default=True)
@click.option("--name", "full_name", default="", help="Full name (default: from the email).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--dpo", is_flag=True, help="Make them the data-protection officer (sees restricted records).")
def create_user_command(email, role, full_name, password_stdin, dpo):
    """Create a user; the password is prompted for, or read from stdin."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = create_user(None, now_utc(), email, full_name, role, password)
    if dpo:
        set_dpo(None, now_utc(), user, True)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}{' (data-protection officer)' if dpo else ''}.")


@engage_cli.command("set-dpo")
@click.argument("email")
@click.option("--remove", is_flag=True, help="Take the flag away instead.")
def set_dpo_command(email, remove):
    """Make an existing user the data-protection officer (or, with --remove, no longer); audited.

    On the web only a DPO names another: this is how the first one is named.
    """
    user = find_user_by_email(email)
    if user is None:
        _fail(f"No user with the email {email}.")
    set_dpo(None, now_utc(), user, not remove)
    db.session.commit()
    click.echo(f"{user.email} is {'no longer' if remove else 'now'} the data-protection officer.")


@engage_cli.command("add-member")
@click.argument("name")
@click.option("--short-name", required=True, help="As pages and warnings name it, e.g. KHRC.")
@click.option("--from-name", default=None, help="The sender's name on its invitations.")
@click.option("--reply-to", default=None, help="Where replies to its invitations go.")
@click.option("--sharing", default="coalition_summary", show_default=True,
              help="What its new meetings share: private, coalition_summary or coalition_full.")
def add_member_command(name, short_name, from_name, reply_to, sharing):
    """Add a member organisation; the second one makes engage a coalition (audited).

    On the web an admin of the secretariat adds the next ones (Admin → Members).
    """
    member = members.create_member(None, now_utc(), {"name": name, "short_name": short_name, "from_name": from_name,
                                                     "reply_to": reply_to, "default_sharing": sharing})
    db.session.commit()
    click.echo(f"Added {member.name} ({member.short_name}); there are {members.count_members()} members.")


@engage_cli.command("move-user")
@click.argument("email")
@click.argument("member")
def move_user_command(email, member):
    """Put a user in another member organisation (MEMBER: its id, name or short name); their sessions end."""
    user = find_user_by_email(email)
    if user is None:
        _fail(f"No user with the email {email}.")
    target = members.find_member(member)
    members.move_user(None, now_utc(), user, {"member_id": target.id})
    db.session.commit()
    click.echo(f"{user.email} now belongs to {target.name}.")


@engage_cli.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def reset_password_command(email, password_stdin):
    """Set a new password for a user."""
    user = find_user_by_email(email)
    if user is None:
        _fail(f"No user with the email {email}.")
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else \
        click.prompt("New password", hide_input=True, confirmation_prompt=True)
    reset_password(None, now_utc(), user, password)
    db.session.commit()
    click.echo(f"Password changed for {user.email}.")


@engage_cli.command("reset-2fa")
@click.argument("email")
def reset_2fa_command(email):
    """Remove a user's two-step sign-in (a lost phone); they set it up again at their next sign-in."""
    user = find_user_by_email(email)
    if user is None:
        _fail(f"No user with the email {email}.")
    reset(None, user, now_utc(), detail="reset from the command line")
    db.session.commit()
    click.echo(f"Two-step sign-in removed for {user.email}; they are asked to set it up at their next "
               "sign-in if their role needs it.")


@engage_cli.command("create-token")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
def create_token_command(email, name):
    """Create an API token for a user and print it once."""
    user = find_user_by_email(email)
    if user is None or user.is_disabled:
        _fail(f"No active user with the email {email}.")
    token, secret = create_api_token(user, now_utc(), name)
    db.session.commit()
    click.echo(secret)
    click.echo(f"(token {token.id}, {token.prefix}…, acts as {user.role} {user.email}; shown only once)", err=True)


@engage_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    """Revoke an API token by its id."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        _fail(f"No token with id {token_id}.")
    token.revoked_at = token.revoked_at or now_utc()
    db.session.commit()
    click.echo(f"Token {token_id} ({token.prefix}…) is revoked.")


@engage_cli.command("setup")
@click.option("--demo/--no-demo", default=True, help="Load demo data on a new database.")
@click.option("--org-name", default=None, help="Your organisation's name: every invitation says who is asking "
              f"(asked when a terminal is attached; the demo is '{DEMO_ORGANISATION}').")
@click.option("--org-reply-to", default=None, help="Where people's replies to invitations go (optional).")
@click.option("--org-logo", type=click.Path(exists=True, dir_okay=False), default=None,
              help="A PNG, JPEG or GIF logo shown on answer pages and in emails (optional).")
def setup_command(demo, org_name, org_reply_to, org_logo):
    """Apply migrations and load engage's theme vocabulary; on a new database create the first admin (password printed once) and demo data;
    ask for the organisation's name, logo and reply address until it has one."""
    upgrade()
    vocabulary.load_vocabulary()  # a newer engage may ship more themes and mappings than the migration did
    db.session.commit()
    fresh = not db.session.scalar(select(func.count()).select_from(User))
    first_run(demo=demo, echo=click.echo)
    _set_up_organisation(org_name, org_reply_to, org_logo, default=DEMO_ORGANISATION if fresh and demo else None)


def _set_up_organisation(name, reply_to, logo_path, default) -> None:
    """Save what the options say; ask for what is missing only when someone is at a terminal."""
    named = organisation.is_named()
    asking = sys.stdin.isatty() and not named and name is None
    if asking:
        name = click.prompt("Your organisation's name (every invitation says who is asking)", default=default)
        reply_to = reply_to or click.prompt("Reply address for people's answers (blank: none)", default="",
                                            show_default=False) or None
        logo_path = logo_path or click.prompt("Logo file, PNG, JPEG or GIF (blank: none)", default="",
                                              show_default=False) or None
    elif name is None and not named:
        name = default
    if name is None and not named:
        if reply_to or logo_path:
            _fail("Give the organisation's name too: --org-name.")
        click.echo("The organisation has no name yet: emails say only 'engage'. Give it with "
                   "`engage setup --org-name NAME` or under Admin → Organisation.")
        return
    if name is None and reply_to is None and logo_path is None:
        return
    now_org = organisation.current()
    logo_bytes = None
    if logo_path:
        try:
            with open(logo_path, "rb") as fh:
                logo_bytes = fh.read(MAX_LOGO_BYTES + 1)
        except OSError as exc:
            _fail(f"Could not read the logo {logo_path}: {exc.strerror}.")
    organisation.save_settings(None, now_utc(), {"name": name or now_org.name, "reply_to": reply_to or now_org.reply_to},
                               logo_bytes=logo_bytes)  # a refusal names its fields (CommandGroup)
    db.session.commit()
    click.echo(f"Invitations are sent in the name of {name or now_org.name}.")


@engage_cli.command("seed-demo")
def seed_demo_command():
    """Load the demo data (real missions, ministries, invented contacts) if not yet loaded."""
    load_demo_data(now_utc(), echo=click.echo)
    db.session.commit()


def _finish_import(report, path: str, dry_run: bool) -> None:
    """Print what an import found and keep it, or roll it back for a dry run or a refused file (exit 1)."""
    if not report.ok:
        db.session.rollback()
        click.echo(f"Nothing imported: {len(report.errors)} problem(s) in {path}:", err=True)
        for err in report.errors:
            click.echo(f"  line {err.line}: {err.message}", err=True)
        sys.exit(1)
    if report.layout or report.assumed_encoding:
        encoding = f" in the {report.encoding_label} encoding" if report.assumed_encoding else ""
        click.echo(f"Read{' as ' + report.layout if report.layout else ''}{encoding}.")
    for conflict in report.conflicts:
        click.echo(f"  line {conflict.line}: {conflict.message}")
    _echo_unknown_themes(report, dry_run)
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {report.summary()} (nothing saved)")
        if report.layout:  # a recommendations file: what importing it would do, as the import page counts it
            click.echo(f"Preview: {counts_text(preview_counts(report))}.")
        return
    db.session.commit()
    click.echo(f"Imported {path}: {report.summary()}")


def _echo_unknown_themes(report, dry_run: bool) -> None:
    """List the theme names of a recommendations file engage's vocabulary does not know, and how to map them."""
    unknown = getattr(report, "unknown_themes", [])
    if not unknown:
        return
    click.echo(f"Themes engage does not know ({len(unknown)}), "
               f"{'to be added' if dry_run else 'added'} as new themes:")
    for name in unknown:
        click.echo(f"  {name}")
    click.echo("Map one to an engage theme (applied from the next import): "
               "flask --app wsgi engage themes map NAME THEME")


def _import(kind: str, path: str, dry_run: bool) -> None:
    def progress(done, total, phase):
        if total and (done == total or done % 500 == 0):
            click.echo(f"  {phase} {done}/{total} rows", err=True)

    report = import_csv_file(kind, path, actor=None, now=now_utc(), progress=progress)
    _finish_import(report, path, dry_run)


@import_cli.command("contacts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file without saving.")
def import_contacts_command(path, dry_run):
    """Import contacts from a CSV file (all-or-nothing)."""
    _import("contacts", path, dry_run)


@import_cli.command("organisations")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file without saving.")
def import_organisations_command(path, dry_run):
    """Import organisations from a CSV file (all-or-nothing)."""
    _import("organisations", path, dry_run)


@import_cli.command("recommendations")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file without saving.")
@click.option("--cycle", type=int, default=None,
              help="The UPR cycle of an OHCHR matrix that does not say it (other files give it on each row).")
def import_recommendations_command(path, dry_run, cycle):
    """Import UPR recommendations from engage's CSV, a UPR Info export or an OHCHR matrix (.docx)
    (all-or-nothing; re-importing updates)."""
    def progress(done, total, phase):
        click.echo(f"  {phase} {done}/{total} rows", err=True)

    report = import_recommendations_file(path, actor=None, now=now_utc(), progress=progress, cycle=cycle)
    _finish_import(report, path, dry_run)


def _parse_now(text: str | None):
    """The hidden --now option: an ISO time with an offset (tests move the clock with it)."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"--now must be an ISO 8601 time, got {text!r}.")
    if value.tzinfo is None:
        _fail("--now needs an offset, e.g. 2027-07-06T08:00:00+00:00.")
    return value


@engage_cli.command("dispatch")
@click.option("--once", is_flag=True, help="Send everything due now, then exit (default: keep running).")
@click.option("--batch", "batch_size", type=click.IntRange(1, 10_000), default=None,
              help="Messages per SMTP connection (default ENGAGE_OUTBOX_BATCH_SIZE or 100).")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              help="Seconds between passes when running continuously.")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this instant (tests).")
def dispatch_command(once, batch_size, interval, now_text):
    """Send due outbox messages over SMTP: once, or every few seconds until SIGTERM or Ctrl-C."""
    fixed_now = _parse_now(now_text)
    config = current_app.config
    batch_size = batch_size or int(config.get("ENGAGE_OUTBOX_BATCH_SIZE") or DEFAULT_BATCH_SIZE)
    worker_id = default_worker_id()
    stopping = threading.Event()

    def request_stop(_signum, _frame):
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if not config.get("MAIL_SERVER"):
        click.echo("MAIL_SERVER is not set: due messages are marked not sent and kept.", err=True)
    while True:
        result = drain_outbox(fixed_now or now_utc(), config, worker_id, batch_size, stop=stopping.is_set)
        if result.claimed or result.not_sent or result.released:
            click.echo(f"{worker_id}: {result}")
        if once or stopping.wait(interval):
            break


@engage_cli.command("ingest-replies")
@click.option("--source", default=None,
              help="imap(s)://user:pass@host/FOLDER, an mbox file or a Maildir folder "
                   "(default: ENGAGE_REPLIES_IMAP_URL).")
def ingest_replies_command(source):
    """Read the organiser mailbox and apply each calendar REPLY once; other mail is left alone."""
    source = source or current_app.config.get("ENGAGE_REPLIES_IMAP_URL")
    if not source:
        _fail("Say where replies arrive: --source or ENGAGE_REPLIES_IMAP_URL.")
    try:
        report = ingest_replies(source, now_utc(), timeout=float(current_app.config.get("MAIL_TIMEOUT") or 30))
    except (OSError, imaplib.IMAP4.error) as exc:
        _fail(f"Could not read {source.split('@')[-1]}: {exc}")
    db.session.commit()
    click.echo(report.summary())
    for line in report.rejected:
        click.echo(f"  rejected: {line}", err=True)
    for line in report.held:
        click.echo(f"  held for staff: {line}", err=True)
    for line in report.ignored:
        click.echo(f"  ignored: {line}", err=True)


@engage_cli.command("scheduler")
def scheduler_command():
    """Run the scheduler (outbox, reminders, digest) in this process until SIGTERM; one per site is enough."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_blocking(current_app._get_current_object())


@engage_cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="Serve pages only.")
def serve_command(host, port, no_scheduler):
    """Serve engage for one machine (`make run`): the development server plus one in-process scheduler."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # one line per job run is noise
    app = current_app._get_current_object()
    scheduler = None if no_scheduler else start_background(app)
    try:
        # werkzeug directly: Flask ignores app.run() inside a `flask` command. No reloader: it would
        # import the app twice and start a second scheduler.
        werkzeug.serving.run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@engage_cli.command("rotate-data-key")
def rotate_data_key_command():
    """Re-seal every restricted text with the first key of ENGAGE_DATA_KEY (then the old key can go)."""
    counts = rotate_all()
    db.session.commit()
    click.echo(f"{sum(counts.values())} sealed values re-sealed with the first key of ENGAGE_DATA_KEY "
               f"({', '.join(f'{k}: {v}' for k, v in counts.items() if v) or 'none found'}). "
               "The old key can now be removed.")


@engage_cli.command("retention")
@click.option("--now", "now_text", hidden=True, help="Pretend it is this instant (tests).")
def retention_command(now_text):
    """Run the retention pass now: remove old message bodies, count contacts due for review."""
    result = retention_pass(_parse_now(now_text) or now_utc())
    db.session.commit()
    click.echo(f"{result['bodies_purged']} message bodies removed; "
               f"{result['contacts_due_for_review']} contacts due for review (Data protection → Review).")


@engage_cli.group("themes")
def themes_cli():
    """engage's theme vocabulary and the mappings from other vocabularies."""


@themes_cli.command("sync")
def themes_sync_command():
    """Load engage's own themes, groups and shipped mappings, folding held themes into them."""
    counts = vocabulary.load_vocabulary()
    db.session.commit()
    click.echo(f"Themes: {counts['themes']} added, {counts['groups']} groups added, "
               f"{counts['mappings']} mappings added, {counts['folded']} held themes folded into engage's.")


@themes_cli.command("map")
@click.argument("name")
@click.argument("theme", required=False)
@click.option("--keep", is_flag=True, help="Keep NAME as a new theme of its own instead.")
def themes_map_command(name, theme, keep):
    """Make NAME (as files write it) stand for the engage theme THEME from the next import on."""
    if not keep and not theme:
        _fail("Give the engage theme NAME stands for, or --keep to keep it as a new theme.")
    target = vocabulary.save_theme_mapping(None, now_utc(), {"name": name, "theme": KEEP if keep else theme})
    db.session.commit()
    click.echo(f"{name} stands for {target.name}." if not keep else f"{target.name} is kept as a theme.")


@themes_cli.command("list")
def themes_list_command():
    """Print every mapping: name, vocabulary, engage theme."""
    for mapping in vocabulary.mappings():
        click.echo(f"{mapping.name}\t{mapping.vocabulary}\t{mapping.theme.name}")


@engage_cli.group("reminders")
def reminders_cli():
    """Look at reminders."""


@reminders_cli.command("due")
@click.option("--hours", default=24, show_default=True, type=click.IntRange(0, 24 * 60))
def reminders_due_command(hours):
    """List reminders due now or within the next HOURS."""
    now = now_utc()
    rows = due_reminders(now, timedelta(hours=hours))
    if not rows:
        click.echo(f"No reminders due in the next {hours} hours.")
    for r in rows:
        late = " (late)" if r.due_at <= now else ""
        click.echo(f"{r.due_at:%Y-%m-%d %H:%M}Z{late}  {r.status:<8} {describe(r)} <{r.attendee.email}>")



@engage_cli.command("seed")
@click.option("--scale", type=click.Choice(["large", "small"]), default="small", show_default=True,
              help="large: 2,000 organisations, 10,000 contacts, 1,000 recommendations, 20,000 meetings, "
                   "100,000 outcomes.")
def seed_command(scale):
    """Fill an empty database with synthetic data at scale, for benchmarks and trying the reports."""
    started = time.perf_counter()
    try:
        counts = seed(scale, now_utc(), echo=click.echo)
    except ValueError as exc:
        _fail(str(exc))
    db.session.commit()
    analyse()
    db.session.commit()
    click.echo(f"Seeded ({scale}) in {time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()))
