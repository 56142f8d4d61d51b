"""CSV import of asks: all-or-nothing, every bad line reported with its field; a row with the `id` of
an ask changes that ask, any other row adds one. Each row goes through AskCreate or AskUpdate, as the
form and the API do."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from engage.csvfiles import ImportReport, decode_csv_lines, read_rows, template_text
from engage.errors import ValidationError
from engage.extensions import db

from .models import Ask
from .schemas import ask_values
from .services import create_ask, update_ask

REQUIRED = {"cycle", "text"}
COLUMNS = REQUIRED | {"id", "priority", "source", "themes", "target_states", "recommendation_ids", "owner_email"}
TEMPLATE_COLUMNS = ["cycle", "text", "priority", "source", "themes", "target_states", "recommendation_ids",
                    "owner_email"]
TEMPLATE_EXAMPLE = {"cycle": "4", "priority": "high", "source": "Example row, replace it: JSR 2025 §12",
                    "text": "Allocate at least 15% of the national budget to health, as pledged in Abuja",
                    "themes": "Right to health; Health financing", "target_states": "Germany; Sweden"}
# The file's own column names, for messages.
FILE_NAMES = {"owner": "owner_email"}


def template_csv() -> str:
    """The downloadable template: the header and one example row."""
    return template_text(TEMPLATE_COLUMNS, TEMPLATE_EXAMPLE)


def _row_data(row: dict) -> dict:
    """The fields a row gives; blank optional cells are left out, so they never wipe anything."""
    data = {"cycle": row.get("cycle"), "text": row.get("text")}
    for column, name in (("priority", "priority"), ("source", "source"), ("themes", "themes"),
                         ("target_states", "target_states"), ("recommendation_ids", "recommendation_ids"),
                         ("owner_email", "owner")):
        if (row.get(column) or "").strip():
            data[name] = row[column]
    return data


def _describe(exc: ValidationError) -> str:
    return "; ".join(f"{FILE_NAMES.get(f, f)}: {msgs[0].rstrip('.')}" for f, msgs in exc.fields.items()
                     if "." not in f) or exc.message


def import_asks_bytes(raw: bytes, actor, now) -> ImportReport:
    """Check every line of an uploaded CSV file of asks, then save them all or none (the caller
    rolls back when the report is not ok, or for a dry run)."""
    report = ImportReport()
    try:
        text, bad_lines, encoding = decode_csv_lines(raw)
        rows = read_rows(text, REQUIRED, COLUMNS)
    except ValidationError as exc:
        message = exc.fields.get("file", [exc.message])[0]
        head, sep, rest = message.partition(": ")
        line = int(head[5:]) if sep and head.startswith("Line ") and head[5:].isdigit() else 1
        report.add_error(line, rest if line != 1 or sep else message)
        return report
    report.assumed_encoding = encoding
    report.total = len(rows)
    ids = {int(r["id"]) for _line, r in rows if (r.get("id") or "").strip().isdigit() and len(r["id"].strip()) < 10}
    held = {a.id: a for a in db.session.scalars(select(Ask).where(Ask.id.in_(ids)))} if ids else {}
    planned = []
    for line, row in rows:
        if line in bad_lines:
            report.add_error(line, bad_lines[line])
            continue
        if "__error__" in row:
            report.add_error(line, row["__error__"])
            continue
        ask = None
        raw_id = (row.get("id") or "").strip()
        if raw_id:
            ask = held.get(int(raw_id)) if raw_id.isdigit() and len(raw_id) < 10 else None
            if ask is None:
                report.add_error(line, _("id: no ask with id %(id)s; leave it blank to add a new ask",
                                           id=repr(raw_id[:20])))
                continue
        data = _row_data(row)
        try:
            ask_values(data, partial=ask is not None)  # every line checked before anything is saved
        except ValidationError as exc:
            report.add_error(line, _describe(exc))
            continue
        planned.append((line, ask, data))
    if not report.ok:
        return report
    for _line, ask, data in planned:
        if ask is None:
            create_ask(actor, now, data)
            report.created += 1
        elif update_ask(actor, now, ask, data):
            report.updated += 1
        else:
            report.unchanged += 1
    return report
