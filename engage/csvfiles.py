"""Reading uploaded CSV files safely: encoding, headers and line numbers, shared by every import."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
from flask_babel import gettext as _, lazy_gettext as _l

from engage.errors import ValidationError
from engage.i18n import N_

MAX_FIELD = 100_000
# The 8-bit encodings a spreadsheet saves "CSV" in when not told UTF-8: Excel on Windows uses the
# system's code page (Western European almost everywhere engage is used), Excel for Mac uses Mac Roman.
ENCODING_LABELS = {"cp1252": N_("Windows-1252 (Western European)"), "cp1250": N_("Windows-1250 (Central European)"),
                   "cp1251": N_("Windows-1251 (Cyrillic)"), "mac_roman": "Mac Roman"}
# A well-formed UTF-8 sequence of two to four bytes: a file holding one was meant to be UTF-8.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_WORD = re.compile(r"[^\s,;\t\"'.()/-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    assumed_encoding: str | None = None  # the codec a file that was not UTF-8 was read with (cp1252…)
    # Recommendation files: theme names engage's vocabulary does not know (engage/recommendations/vocabulary.py).
    unknown_themes: list[str] = field(default_factory=list)
    # Recommendation files: lines that gave a held recommendation's text in another language.
    translated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def add_error(self, line: int, message: str) -> None:
        self.errors.append(ImportProblem(line, message))

    @property
    def encoding_label(self) -> str | None:
        """The assumed encoding as pages name it, in the page's language: "Windows-1252 (Western European)"."""
        label = ENCODING_LABELS.get(self.assumed_encoding, self.assumed_encoding)
        return _(label) if label else label

    def summary(self) -> str:
        """The counts in words, in the page's language (English outside a request: the command line)."""
        text = _("%(total)s rows: %(created)s created, %(updated)s updated, %(unchanged)s unchanged",
                 total=self.total, created=self.created, updated=self.updated, unchanged=self.unchanged)
        if self.merged:
            text += _(", %(merged)s matched by their text to recommendations already held", merged=self.merged)
        if self.conflicts:
            text += _(", %(count)s disagreeing with what is held", count=len(self.conflicts))
        if self.skipped:
            text += _("; %(skipped)s rows for other states under review skipped", skipped=self.skipped)
        if self.unattributed:
            text += _("; %(count)s rows without a recommending state (\"(Unknown)\" in the source) skipped",
                      count=self.unattributed)
        return text


def size_label(size: int) -> str:
    """An upload's size as pages write it: "1.9 MB", "420 KB", "12 bytes"."""
    # The numbers are written apart: the catalogues' extractor reads every argument of _().
    if size >= 1024 * 1024:
        megabytes = f"{size / (1024 * 1024):.1f}".removesuffix(".0")
        return _("%(size)s MB", size=megabytes)
    if size >= 1024:
        kilobytes = f"{size / 1024:.0f}"
        return _("%(size)s KB", size=kilobytes)
    return _("%(size)s bytes", size=size)


def _odd_words(text: str) -> int:
    """How many words a reading makes implausible: Latin and Cyrillic letters mixed in one word, or a
    symbol inside a word ("Zoл", "¯ó³æ"), as a wrong code page turns accented letters into."""
    odd = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        scripts = {unicodedata.name(c, "?").split()[0] for c in word if c.isalpha() and not c.isascii()}
        symbols = any(unicodedata.category(c)[0] in "SC" or unicodedata.category(c) == "No" for c in word)
        if len(scripts | ({"LATIN"} if any(c.isascii() and c.isalpha() for c in word) else set())) > 1 \
                or (symbols and any(c.isalpha() for c in word)):
            odd += 1
    return odd


def legacy_encoding(raw: bytes) -> str | None:
    """The 8-bit encoding (an ENCODING_LABELS key) a file that is not UTF-8 was saved in, or None when it
    is not such a file: it holds well-formed UTF-8 sequences (a UTF-8 file with damaged lines) or is binary.

    Each candidate reading is judged by the words it makes implausible, then by whether charset-normalizer
    keeps it at all; among equally good readings Mac Roman wins for a file whose lines end in CR alone,
    else Windows-1252 (what Excel saves in Western European settings), then charset-normalizer's "chaos". charset-normalizer alone is unsure on a few short names.
    """
    if b"\x00" in raw or _UTF8_MULTIBYTE.search(raw):
        return None
    # Lines ended by CR alone are the classic Mac "CSV (Macintosh)": Mac Roman, whatever else reads evenly.
    from_a_mac = b"\r" in raw and b"\n" not in raw
    chaos = {encoding: match.chaos for match in from_bytes(raw, cp_isolation=list(ENCODING_LABELS))
             for encoding in match.could_be_from_charset}
    readings = []
    for encoding in ENCODING_LABELS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not _CONTROL.search(text):
            # charset-normalizer leaves out a reading it finds too chaotic (Cyrillic read as Windows-1252).
            rejected = encoding not in chaos
            readings.append((_odd_words(text), from_a_mac and encoding != "mac_roman", rejected, encoding != "cp1252",
                             chaos.get(encoding, 1.0), encoding))
    return min(readings)[-1] if readings else None


# A file-level refusal's message starts "Line N: " in English whatever the page's language: the importers
# read the line number back from it (directory/imports.py, upr, asks) and show the rest, which is translated.


def decode_csv_lines(raw: bytes) -> tuple[str, dict[int, str], str | None]:
    """The file's text, {line number: problem} for lines that are not UTF-8 (so every bad line is
    reported), and the codec of the 8-bit encoding it was read in when it was not UTF-8 at all.

    A file from Excel's plain "CSV" (Windows-1252 and the like: no well-formed UTF-8 in it) is read in
    that encoding. In a UTF-8 file with damaged lines, bad lines are decoded with replacement characters:
    a byte that is not UTF-8 is never a comma, quote or newline, so the CSV structure and line numbers
    stay intact. A bad header is fatal.
    """
    if not raw or not raw.strip():
        raise ValidationError.for_fields({"file": _("The file is empty.")})
    try:
        return raw.decode("utf-8-sig"), {}, None
    except UnicodeDecodeError:
        pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError.for_fields({"file": (
            "Line 1: " + _("the file is UTF-16 text. Save it as 'CSV UTF-8' and try again."))})
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif encoding := legacy_encoding(raw):
        return raw.decode(encoding), {}, encoding
    bad: dict[int, str] = {}
    lines = []
    for number, chunk in enumerate(raw.split(b"\n"), 1):
        try:
            lines.append(chunk.decode("utf-8"))
        except UnicodeDecodeError as exc:
            byte = f"{chunk[exc.start]:02x}"
            if number == 1:
                raise ValidationError.for_fields({"file": "Line 1: " + _(
                    "the header is not UTF-8 text (byte 0x%(byte)s). Save the file as 'CSV UTF-8' and try again.",
                    byte=byte)}) from None
            bad[number] = _("not UTF-8 text (byte 0x%(byte)s at byte %(position)s of the line); "
                            "save the file as 'CSV UTF-8'", byte=byte, position=exc.start + 1)
            lines.append(chunk.decode("utf-8", errors="replace"))
    return "\n".join(lines), bad, None


# Columns only one kind of import file has: a file with some of one kind's and none of another's is that kind.
KIND_SIGNS = {"contacts": {"full_name", "organisation", "organisation_id", "organisation_city", "position"},
              "organisations": {"kind"},
              "recommendations": {"recommending_state", "paragraph", "recommendation_text"}}
# Where each kind is imported, as the pages name it.
KIND_PLACES = {"contacts": N_("Contacts"), "organisations": N_("Organisations"),
               "recommendations": N_("Recommendations → Import")}
# The kinds of file as a refusal names them ("this looks like a contacts file").
KIND_FILES = {"contacts": _l("a contacts file"), "organisations": _l("an organisations file"),
              "recommendations": _l("a recommendations file")}


def file_kind(columns) -> str | None:
    """The kind of import file a header belongs to ('contacts', 'organisations', 'recommendations'),
    when its columns point to exactly one."""
    kinds = [kind for kind, signs in KIND_SIGNS.items() if signs & set(columns)]
    return kinds[0] if len(kinds) == 1 else None


def template_text(columns, example: dict[str, str]) -> str:
    """An import template: the header row and one example row (blank where `example` says nothing)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerow([example.get(column, "") for column in columns])
    return out.getvalue()


def refuse_other_kind(columns, kind: str) -> None:
    """A ValidationError naming the kind of file these columns belong to, when it is not `kind`."""
    other = file_kind(columns)
    if other and other != kind:
        if kind == "recommendations":
            where = _("%(place)s, on the Directory's Import page", place=_(KIND_PLACES[other]))
        else:
            where = _(KIND_PLACES[other])
        raise ValidationError.for_fields({"file": "Line 1: " + _(
            "this looks like %(file)s — import it under %(place)s.", file=KIND_FILES[other], place=where)})


def read_rows(text: str, required: set[str], known: set[str],
              kind: str | None = None) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs with lower-cased headers; a ValidationError for bad headers or quoting,
    or for a file of another `kind` (a contacts file imported as organisations)."""
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
        raise ValidationError.for_fields({"file": "Line 1: " + _("no header row.")}) from None
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    if kind:
        refuse_other_kind(columns, kind)
    missing = sorted(required - set(columns))
    if missing:
        raise ValidationError.for_fields({"file": "Line 1: " + _("missing column(s): %(columns)s.",
                                                                 columns=", ".join(missing))})
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        raise ValidationError.for_fields({"file": "Line 1: " + _("column(s) appear twice: %(columns)s.",
                                                                 columns=", ".join(duplicated))})
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(columns):
                extra = values[len(columns):]
                if any(v.strip() for v in extra):
                    rows.append((line, {"__error__": _("has %(values)s values but the header has %(columns)s",
                                                       values=len(values), columns=len(columns))}))
                    continue
            row = {col: (values[i] if i < len(values) else "") for i, col in enumerate(columns)
                   if col in known}
            rows.append((line, row))
    except csv.Error as exc:
        raise ValidationError.for_fields({"file": f"Line {reader.line_num}: {exc}."}) from None
    return rows
