"""Reading uploaded CSV files safely: encoding, headers and line numbers, shared by every import."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from engage.errors import ValidationError

MAX_FIELD = 100_000


@dataclass
class ImportProblem:
    line: int
    message: str


@dataclass
class ImportReport:
    """What an import did, or every reason it did nothing."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[ImportProblem] = field(default_factory=list)
    # Recommendation files from other sources (engage/upr/formats.py): rows matched to held records
    # by their text, rows for other states under review, and where the sources disagree.
    merged: int = 0
    skipped: int = 0
    unattributed: int = 0
    conflicts: list[ImportProblem] = field(default_factory=list)
    layout: str | None = None  # what the file was recognised as, for the preview
    assumed_encoding: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, line: int, message: str) -> None:
        self.errors.append(ImportProblem(line, message))

    def summary(self) -> str:
        text = f"{self.total} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged"
        if self.merged:
            text += f", {self.merged} matched by their text to recommendations already held"
        if self.conflicts:
            text += f", {len(self.conflicts)} disagreeing with what is held"
        if self.skipped:
            text += f"; {self.skipped} rows for other states under review skipped"
        if self.unattributed:
            text += f"; {self.unattributed} rows without a recommending state (\"(Unknown)\" in the source) skipped"
        return text


def size_label(size: int) -> str:
    """An upload's size as pages write it: "1.9 MB", "420 KB", "12 bytes"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


def decode_csv_lines(raw: bytes) -> tuple[str, dict[int, str]]:
    """The file's text plus {line number: problem} for lines that are not UTF-8, so every bad line is reported.

    Bad lines are decoded with replacement characters: a byte that is not UTF-8 is never a comma,
    quote or newline, so the CSV structure and line numbers stay intact. A bad header is fatal.
    """
    if not raw or not raw.strip():
        raise ValidationError.for_fields({"file": "The file is empty."})
    try:
        return raw.decode("utf-8-sig"), {}
    except UnicodeDecodeError:
        pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError.for_fields({"file": (
            "Line 1: the file is UTF-16 text. Save it as 'CSV UTF-8' and try again.")})
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    bad: dict[int, str] = {}
    lines = []
    for number, chunk in enumerate(raw.split(b"\n"), 1):
        try:
            lines.append(chunk.decode("utf-8"))
        except UnicodeDecodeError as exc:
            if number == 1:
                raise ValidationError.for_fields({"file": (
                    f"Line 1: the header is not UTF-8 text (byte 0x{chunk[exc.start]:02x}). "
                    "Save the file as 'CSV UTF-8' and try again.")}) from None
            bad[number] = (f"not UTF-8 text (byte 0x{chunk[exc.start]:02x} at byte {exc.start + 1} of the line); "
                           "save the file as 'CSV UTF-8'")
            lines.append(chunk.decode("utf-8", errors="replace"))
    return "\n".join(lines), bad


def read_rows(text: str, required: set[str], known: set[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs with lower-cased headers; a ValidationError for bad headers or quoting."""
    csv.field_size_limit(MAX_FIELD)
    sample = text[:4096]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # Only the delimiter is sniffed: a sample without a doubled quote makes the sniffer turn
    # doublequote off, which would split every later cell holding "" into extra values.
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise ValidationError.for_fields({"file": "Line 1: no header row."}) from None
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    missing = sorted(required - set(columns))
    if missing:
        raise ValidationError.for_fields({"file": f"Line 1: missing column(s): {', '.join(missing)}."})
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        raise ValidationError.for_fields({"file": f"Line 1: column(s) appear twice: {', '.join(duplicated)}."})
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                extra = values[len(columns):]
                if any(v.strip() for v in extra):
                    rows.append((line, {"__error__": f"has {len(values)} values but the header has {len(columns)}"}))
                    continue
            row = {col: (values[i] if i < len(values) else "") for i, col in enumerate(columns)
                   if col in known}
            rows.append((line, row))
    except csv.Error as exc:
        raise ValidationError.for_fields({"file": f"Line {reader.line_num}: {exc}."}) from None
    return rows
