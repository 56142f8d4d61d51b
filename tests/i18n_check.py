"""`make i18n-check`: the catalogues are complete and compiled, and the templates declared translated
hold no unmarked words. Exits 1 naming each problem.

    python -m tests.i18n_check

- Every message the sources mark (babel.cfg, extracted afresh) is in the French catalogue, translated
  (every plural form) and not fuzzy; the same in the Spanish catalogue for the messages recipients read
  (those marked in RECIPIENT_SOURCES), since invitations go out in Spanish too.
- Each committed .mo is what its .po compiles to (run `make i18n-compile` after editing a .po).
- Every template prints no word outside `_()`: text between tags, and string
  constants printed as they are (`{{ x or "We" }}`), are refused; attributes (classes, links) are not
  text (docs/architecture.md, "Languages").
"""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path

from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "engage" / "translations"
TEMPLATES = ROOT / "engage" / "templates"

def all_templates() -> list[str]:
    """Every template's name under engage/templates."""
    return sorted(str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*")
                  if path.suffix in (".html", ".txt"))


# Every template must print no word outside a translation call: pages, mail, PDFs.
TRANSLATED_TEMPLATES = tuple(all_templates())
# The templates recipients read: their words must be in Spanish too.
RECIPIENT_TEMPLATES = (
    "email/_layout.html", "email/_answer.html", "email/_answer_page.html", "email/_mailto.html",
    "email/invitation.html", "email/update.html", "email/cancellation.html", "email/reminder.html",
    "email/_dear.txt", "email/_details.txt", "email/_why.txt", "email/_answer.txt", "email/_signature.txt",
    "email/invitation.txt", "email/update.txt", "email/cancellation.txt", "email/reminder.txt",
    "invitations/rsvp.html", "invitations/rsvp_invalid.html", "invitations/_organisation.html",
)
# Where the words recipients read are marked: these must be in Spanish too.
RECIPIENT_SOURCES = tuple(f"engage/templates/{name}" for name in RECIPIENT_TEMPLATES) + (
    "engage/templates/base.html",  # the answer pages' skip link and close button (its navigation is staff's)
    "engage/i18n.py", "engage/invitations/", "engage/meetings/calendar.py", "engage/meetings/titles.py",
    "engage/meetings/models.py",
)
# Flask-Babel's lazy forms (form labels, messages defined at import) are marked as _() is; the Makefile's
# `pybabel extract -k` says the same.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
LANGUAGES = {"fr": "every message", "es": "the messages recipients read"}
VISIBLE_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
_WORD = re.compile(r"[^\W\d_]")


def extracted() -> Catalog:
    """The messages the sources mark now, with where each is marked."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse(config)
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def catalogue_problems(source: Catalog) -> list[str]:
    """Missing, untranslated and fuzzy messages, and .mo files that are not their .po compiled."""
    problems = []
    for language, scope in LANGUAGES.items():
        po_path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
        if not po_path.exists():
            problems.append(f"{po_path.relative_to(ROOT)} is missing: run make i18n-update")
            continue
        with open(po_path, "rb") as po:
            held = read_po(po, locale=language)
        for message in source:
            if not message.id:
                continue
            if language != "fr" and not any(path.startswith(RECIPIENT_SOURCES) for path, _ in message.locations):
                continue
            where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            found = held.get(message.id, message.context)
            name = message.id if isinstance(message.id, str) else message.id[0]
            if found is None:
                problems.append(f"{language}: missing {name!r} ({where}): run make i18n-update, then translate it")
            elif found.fuzzy:
                problems.append(f"{language}: fuzzy {name!r} ({where}): check the translation, then drop the flag")
            elif not all(found.string) if isinstance(found.string, (tuple, list)) else not found.string:
                problems.append(f"{language}: untranslated {name!r} ({where}) ({scope} must be translated)")
        compiled = io.BytesIO()
        write_mo(compiled, held)
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.read_bytes() != compiled.getvalue():
            problems.append(f"{mo_path.relative_to(ROOT)} is not {po_path.name} compiled: run make i18n-compile")
    return problems


def _printed_constants(node):
    """String constants an output expression prints as they are (not those passed to _() or a filter)."""
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, nodes.CondExpr):
        yield from _printed_constants(node.expr1)
        if node.expr2 is not None:
            yield from _printed_constants(node.expr2)
    elif isinstance(node, (nodes.Or, nodes.And)):
        yield from _printed_constants(node.left)
        yield from _printed_constants(node.right)


def template_problems(env: Environment, name: str, source: str | None = None) -> list[str]:
    """Words in template `name` (or in `source`, read as that template) that are not marked for translation."""
    if source is None:
        source = (TEMPLATES / name).read_text(encoding="utf-8")
    tree = env.parse(source)
    pieces, constants = [], {}
    for output in tree.find_all(nodes.Output):
        for child in output.nodes:
            if isinstance(child, nodes.TemplateData):
                pieces.append((child.lineno, child.data))
            else:
                key = f"\x00{len(constants)}\x00"
                constants[key] = (child.lineno, list(_printed_constants(child)))
                pieces.append((child.lineno, key))
    text = "".join(piece for _, piece in pieces)
    problems = []
    html = name.endswith(".html")
    if html:
        for tag in re.findall(r"<[^>]*>", text):
            for attribute, value in re.findall(r'\b(%s)="([^"]*)"' % "|".join(VISIBLE_ATTRIBUTES), tag):
                if _WORD.search(re.sub(r"\x00\d+\x00", "", value)):
                    problems.append(f"{name}: unmarked {attribute}={value!r}")
        in_tags = set(re.findall(r"\x00\d+\x00", "".join(re.findall(r"<[^>]*>", text))))
        text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
        text = re.sub(r"<[^>]*>", " ", text)
        text = re.sub(r"&#?\w+;", " ", text)
    else:
        in_tags = set()
    for key, (line, values) in constants.items():
        if key in in_tags:
            continue  # an attribute's value: a class, a link, a state
        for value in values:
            if _WORD.search(value):
                problems.append(f"{name}:{line}: unmarked text printed {value!r}")
    for words in re.sub(r"\x00\d+\x00", " ", text).split("\n"):
        if _WORD.search(words):
            problems.append(f"{name}: unmarked text {words.strip()!r}")
    return problems


def problems() -> list[str]:
    """Every problem `make i18n-check` reports."""
    found = catalogue_problems(extracted())
    env = Environment(extensions=["jinja2.ext.i18n"])
    for name in TRANSLATED_TEMPLATES:
        found += template_problems(env, name)
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(problem)
    if found:
        print(f"i18n-check: {len(found)} problem(s)")
        return 1
    print(f"i18n-check: catalogues complete and compiled; {len(TRANSLATED_TEMPLATES)} templates wholly marked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
