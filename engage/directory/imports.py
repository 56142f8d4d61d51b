"""CSV import of organisations and contacts: all-or-nothing, every bad line reported, re-runnable."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from flask_babel import gettext as _
from sqlalchemy import select

from engage.access.services import hidden_contact_emails, select_visible
from engage.clock import timezone_for_city
from engage.csvfiles import ImportReport, decode_csv_lines, read_rows, template_text
from engage.errors import ValidationError
from engage.extensions import db
from engage.members.services import member_id_of
from engage.history import diff_fields, record_change
from engage.i18n import N_

from .models import ORGANISATION_KINDS, Contact, Organisation
from .schemas import contact_values, organisation_values

ORGANISATION_COLUMNS = {"name", "kind", "country", "city", "timezone", "email", "phone", "website", "notes",
                        "source"}
CONTACT_COLUMNS = {"full_name", "name", "email", "organisation", "organisation_id", "organisation_city",
                   "position", "phone", "language", "timezone", "notes", "source"}
KIND_BY_LABEL = {label.lower(): key for key, label in ORGANISATION_KINDS.items()} | {
    k.replace("_", " "): k for k in ORGANISATION_KINDS}

# (rows done, rows in the phase, phase): "checked" while reading the file, then "saved".
Progress = Callable[[int, int, str], None] | None
# The one reason given for an address held by a contact the importer may not see: it says nothing
# about that contact (not its name, not that it is restricted, not even that it exists).
UNUSABLE_EMAIL = N_("email: this email address cannot be used here")
_CHUNK = 500


def _org_key(name, country, city):
    return ((name or "").strip().lower(), country or None, (city or "").strip().lower() or None)


def _describe(exc: ValidationError) -> str:
    # The column keeps its (English) name, as the file has it; the problem is in the reader's language.
    return "; ".join(_("%(column)s: %(problem)s", column=field, problem=msgs[0])
                     for field, msgs in exc.fields.items()) or exc.message


def _add_bad_lines(report: ImportReport, bad_lines: dict[int, str] | None) -> None:
    """Report undecodable lines not already reported as rows (e.g. inside a quoted multi-line cell)."""
    reported = {e.line for e in report.errors}
    for line, message in (bad_lines or {}).items():
        if line not in reported:
            report.add_error(line, message)
    report.errors.sort(key=lambda e: e.line)


def import_organisations(text: str, actor, now, progress: Progress = None, *,
                         bad_lines: dict[int, str] | None = None) -> ImportReport:
    """Import organisations matched by name + country + city; nothing is saved if any row is bad."""
    rows = read_rows(text, {"name", "kind"}, ORGANISATION_COLUMNS, "organisations")
    report = ImportReport(total=len(rows))
    live = {_org_key(o.name, o.country, o.city): o for o in db.session.scalars(
        select(Organisation).where(Organisation.is_archived.is_(False)))}
    seen: dict[tuple, int] = {}
    planned = []
    for done, (line, row) in enumerate(rows, 1):
        if "__error__" in row:
            report.add_error(line, row["__error__"])
            continue
        if bad_lines and line in bad_lines:
            report.add_error(line, bad_lines[line])
            continue
        data = {k: v for k, v in row.items() if k in ORGANISATION_COLUMNS}
        kind = (data.get("kind") or "").strip().lower()
        data["kind"] = KIND_BY_LABEL.get(kind, kind)
        try:
            values = organisation_values(data)
        except ValidationError as exc:
            report.add_error(line, _describe(exc))
            continue
        if values.get("timezone") is None:
            values["timezone"] = timezone_for_city(values.get("city"))
        key = _org_key(values["name"], values.get("country"), values.get("city"))
        if key in seen:
            report.add_error(line, _("name: the same organisation as line %(line)s", line=seen[key]))
            continue
        seen[key] = line
        planned.append((values, live.get(key)))
        if progress:
            progress(done, len(rows), "checked")
    _add_bad_lines(report, bad_lines)
    if report.errors:
        return report
    for saved, (values, existing) in enumerate(planned, 1):
        if progress:
            progress(saved, len(planned), "saved")
        if existing is None:
            org = Organisation(**values, is_archived=False, created_at=now, updated_at=now)
            db.session.add(org)
            db.session.flush()
            record_change(actor, now, org, "imported")
            report.created += 1
            continue
        # Blank cells do not wipe what is already known.
        changed = diff_fields(existing, {k: v for k, v in values.items() if v is not None})
        if changed:
            existing.updated_at = now
            record_change(actor, now, existing, "updated_by_import", changed)
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    return report


def import_contacts(text: str, actor, now, progress: Progress = None, *,
                    bad_lines: dict[int, str] | None = None) -> ImportReport:
    """Import contacts matched by email; organisations named must exist; nothing saved if any row is bad."""
    rows = read_rows(text, {"email"}, CONTACT_COLUMNS, "contacts")
    first = next((r for _line, r in rows if "__error__" not in r), None)
    if first is not None and "full_name" not in first and "name" not in first:
        raise ValidationError.for_fields({"file": "Line 1: " + _("missing column: %(column)s.", column="full_name")})
    report = ImportReport(total=len(rows))
    orgs_by_name: dict[str, list[Organisation]] = {}
    for org in db.session.scalars(select(Organisation).where(Organisation.is_archived.is_(False))):
        orgs_by_name.setdefault(org.name.strip().lower(), []).append(org)
    seen: dict[str, int] = {}
    planned = []
    for done, (line, row) in enumerate(rows, 1):
        if progress:
            progress(done, len(rows), "checked")
        if "__error__" in row:
            report.add_error(line, row["__error__"])
            continue
        if bad_lines and line in bad_lines:
            report.add_error(line, bad_lines[line])
            continue
        data = {k: row.get(k) for k in ("email", "position", "phone", "language", "timezone", "notes", "source")}
        data["full_name"] = row.get("full_name") or row.get("name") or ""
        problems = []
        org_name = (row.get("organisation") or "").strip()
        org_id_text = (row.get("organisation_id") or "").strip()
        if org_id_text:
            data["organisation_id"] = int(org_id_text) if org_id_text.isascii() and org_id_text.isdigit() else -1
        elif org_name:
            matches = orgs_by_name.get(org_name.lower(), [])
            city = (row.get("organisation_city") or "").strip().lower()
            if city:
                matches = [o for o in matches if (o.city or "").lower() == city]
            if not matches:
                problems.append(_("organisation: unknown organisation %(name)s; add it to the directory first",
                                  name=repr(org_name[:80])))
            elif len(matches) > 1:
                problems.append(_("organisation: %(name)s matches %(count)s organisations; add an organisation_city "
                                  "column", name=repr(org_name[:80]), count=len(matches)))
            else:
                data["organisation_id"] = matches[0].id
        if not data.get("language"):
            data.pop("language")
        try:
            values = contact_values(data)
        except ValidationError as exc:
            problems.insert(0, _describe(exc))
            values = None
        if values and values["email"] in seen:
            problems.append(_("email: %(email)s is already on line %(line)s", email=values["email"],
                              line=seen[values["email"]]))
        if problems:
            report.add_error(line, "; ".join(problems))
            continue
        seen[values["email"]] = line
        planned.append((line, values))
    live, unusable = _live_contacts_by_email(actor, [values["email"] for _line, values in planned])
    for line, values in planned:
        if values["email"] in unusable:
            report.add_error(line, _(UNUSABLE_EMAIL))
    _add_bad_lines(report, bad_lines)
    if report.errors:
        return report
    for saved, (_line, values) in enumerate(planned, 1):
        if progress:
            progress(saved, len(planned), "saved")
        existing = live.get(values["email"])
        if existing is None:
            contact = Contact(**values, is_archived=False, created_at=now, updated_at=now,
                              member_id=member_id_of(actor))  # whoever adds it owns its private details
            db.session.add(contact)
            db.session.flush()
            record_change(actor, now, contact, "imported")
            report.created += 1
            continue
        changed = diff_fields(existing, {k: v for k, v in values.items() if v is not None})
        if changed:
            existing.updated_at = now
            record_change(actor, now, existing, "updated_by_import", changed)
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    return report


def _live_contacts_by_email(actor, emails: list[str]) -> tuple[dict[str, Contact], set[str]]:
    """The live contacts with these addresses that `actor` may see, by address; and the addresses
    among them held by live contacts the actor may not see (of those only the address is read).

    `actor` None is the command line: the server's operator, who holds the database, matches every contact.
    """
    live: dict[str, Contact] = {}
    unusable: set[str] = set()
    table = Contact.__table__
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start:start + _CHUNK]
        if actor is None:
            query = select(Contact).execution_options(all_sensitivities=True)
        else:
            query = select_visible(actor, Contact)
            # An address stays unique whoever can see its owner: a hidden holder blocks the line.
            unusable.update(db.session.scalars(hidden_contact_emails(actor).where(
                table.c.is_archived.is_(False), table.c.email.in_(chunk))))
        live.update((c.email, c) for c in db.session.scalars(
            query.where(Contact.is_archived.is_(False), Contact.email.in_(chunk))))
    return live, unusable


IMPORTERS = {"organisations": import_organisations, "contacts": import_contacts}

# What each column means, in the order of the downloadable template: (column, required, explanation).
# The explanations are translated where shown, the kind's with %(kinds)s filled from KIND_NAMES.
COLUMN_GUIDE = {
    "organisations": [
        ("name", True, N_("The organisation's name, e.g. Embassy of the Federal Republic of Germany.")),
        ("kind", True, N_("One of: %(kinds)s (or its label, e.g. High commission).")),
        ("country", False, N_("ISO code or English name (KE, Germany); for a mission, the state it represents.")),
        ("city", False, N_("Where it sits, e.g. Nairobi or Geneva.")),
        ("timezone", False, N_("IANA name such as Africa/Nairobi; left blank, it follows the city "
                               "(Nairobi → Africa/Nairobi, Geneva → Europe/Zurich).")),
        ("email", False, N_("A general address.")),
        ("phone", False, N_("+CC… or a Kenyan number (0722…); stored as +254….")),
        ("website", False, N_("A web address.")),
        ("notes", False, N_("Anything worth knowing.")),
        ("source", False, N_("Where the details came from.")),
    ],
    "contacts": [
        ("full_name", True, N_("The person's full name (a column called name also works).")),
        ("email", True, N_("Their address; contacts are matched by it, so it must be unique in the file.")),
        ("organisation", False, N_("The exact name of an organisation already in the directory.")),
        ("organisation_city", False, N_("The organisation's city, when two share a name.")),
        ("position", False, N_("Their job title.")),
        ("phone", False, N_("+CC… or a Kenyan number (0722…); stored as +254….")),
        ("language", False, N_("A language tag such as en, fr or sw (default en).")),
        ("timezone", False, N_("IANA name; leave blank to use the organisation's.")),
        ("notes", False, N_("Anything worth knowing.")),
        ("source", False, N_("Where the details came from.")),
    ],
}


KIND_NAMES = ", ".join(ORGANISATION_KINDS)


# The one example row of each downloadable template, named as an example so that importing a template
# unchanged adds a row to delete rather than overwriting a real one.
TEMPLATE_EXAMPLES = {
    "organisations": {"name": "Ministry of Health (example row: replace it)", "kind": "ministry", "country": "KE", "city": "Nairobi",
                      "email": "info@health.go.ke", "phone": "+254 20 2717077", "website": "https://www.health.go.ke",
                      "source": "Ministry website"},
    "contacts": {"full_name": "Amina Odhiambo", "email": "amina.odhiambo@example.org",
                 "organisation": "Ministry of Health", "organisation_city": "Nairobi", "position": "Head of Legal",
                 "phone": "0722 000 111", "language": "en", "notes": "Example row: replace it with your own",
                 "source": "Met at the 2025 consultation"},
}


# The example file the import page shows: columns and cells as a file holds them, untranslated.
EXAMPLE_CONTACTS_FILE = (
    "full_name,email,organisation,position,phone\n"
    "Amina Odhiambo,amina.odhiambo@example.org,Ministry of Health,Head of Legal,0722 000 111\n"
    "Jean Dupont,j.dupont@example.org,Permanent Mission of France,First Secretary,+41 22 758 91 11")


def template_csv(kind: str) -> str:
    """An import file for `kind`: the columns of COLUMN_GUIDE and one example row."""
    return template_text([column for column, _required, _help in COLUMN_GUIDE[kind]], TEMPLATE_EXAMPLES[kind])


def import_csv_bytes(kind: str, raw: bytes, actor, now, progress: Progress = None) -> ImportReport:
    """Decode and import an uploaded file; a file-level problem is reported as line errors too."""
    try:
        text, bad_lines, encoding = decode_csv_lines(raw)
        report = IMPORTERS[kind](text, actor, now, progress, bad_lines=bad_lines)
        report.assumed_encoding = encoding
        return report
    except ValidationError as exc:
        report = ImportReport()
        message = exc.fields.get("file", [exc.message])[0]
        line = 1
        if message.startswith("Line "):
            head, _sep, message = message.partition(": ")
            line = int(head.split()[1]) if head.split()[1].isdigit() else 1
        report.add_error(line, message)
        return report


def import_csv_file(kind: str, path: str | Path, actor, now, progress: Progress = None) -> ImportReport:
    """Import a CSV file from disk (the CLI)."""
    return import_csv_bytes(kind, Path(path).read_bytes(), actor, now, progress)
