"""Reading uploaded CSV files safely: encoding, headers and line numbers, shared by every import."""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from charset_normalizer import from_bytes

from engage.errors import ValidationError

MAX_FIELD = 100_000
# The 8-bit encodings a spreadsheet saves "CSV" in when not told UTF-8: Excel on Windows uses the
# system's code page (Western European almost everywhere engage is used), Excel for Mac uses Mac Roman.
ENCODING_LABELS = {"cp1252": "Windows-1252 (Western European)", "cp1250": "Windows-1250 (Central European)",
                   "cp1251": "Windows-1251 (Cyrillic)", "mac_roman": "Mac Roman"}
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
        """The assumed encoding as pages name it: "Windows-1252 (Western European)"."""
        return ENCODING_LABELS.get(self.assumed_encoding, self.assumed_encoding)

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


def decode_csv_lines(raw: bytes) -> tuple[str, dict[int, str], str | None]:
    """The file's text, {line number: problem} for lines that are not UTF-8 (so every bad line is
    reported), and the codec of the 8-bit encoding it was read in when it was not UTF-8 at all.

    A file from Excel's plain "CSV" (Windows-1252 and the like: no well-formed UTF-8 in it) is read in
    that encoding. In a UTF-8 file with damaged lines, bad lines are decoded with replacement characters:
    a byte that is not UTF-8 is never a comma, quote or newline, so the CSV structure and line numbers
    stay intact. A bad header is fatal.
    """
    if not raw or not raw.strip():
        raise ValidationError.for_fields({"file": "The file is empty."})
    try:
        return raw.decode("utf-8-sig"), {}, None
    except UnicodeDecodeError:
        pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationError.for_fields({"file": (
            "Line 1: the file is UTF-16 text. Save it as 'CSV UTF-8' and try again.")})
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
            if number == 1:
                raise ValidationError.for_fields({"file": (
                    f"Line 1: the header is not UTF-8 text (byte 0x{chunk[exc.start]:02x}). "
                    "Save the file as 'CSV UTF-8' and try again.")}) from None
            bad[number] = (f"not UTF-8 text (byte 0x{chunk[exc.start]:02x} at byte {exc.start + 1} of the line); "
                           "save the file as 'CSV UTF-8'")
            lines.append(chunk.decode("utf-8", errors="replace"))
    return "\n".join(lines), bad, None


# Columns only one kind of import file has: a file with some of one kind's and none of another's is that kind.
KIND_SIGNS = {"contacts": {"full_name", "organisation", "organisation_id", "organisation_city", "position"},
              "organisations": {"kind"},
              "recommendations": {"recommending_state", "paragraph", "recommendation_text"}}
# Where each kind is imported, as the pages name it.
KIND_PLACES = {"contacts": "Contacts", "organisations": "Organisations", "recommendations": "Recommendations → Import"}


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
        where = KIND_PLACES[other] + (", on the Directory's Import page" if kind == "recommendations" else "")
        raise ValidationError.for_fields({"file": (
            f"Line 1: this looks like {'an' if other[0] in 'aeiou' else 'a'} {other} file — "
            f"import it under {where}.")})


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
        raise ValidationError.for_fields({"file": "Line 1: no header row."}) from None
    columns = [h.strip().lower().replace(" ", "_") for h in header]
    if kind:
        refuse_other_kind(columns, kind)
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
