"""What every page a person uses must do, and small readers for what the SMTP server received."""
from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from tests.ical_readers import JS_DIR, ensure_js_packages

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
# The widths issue 16 walked engage at: a common laptop, and a current phone.
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
AXE = JS_DIR / "node_modules" / "axe-core" / "axe.min.js"
# What axe-core reports that fails a page: the two worst of its four impacts.
AXE_FAILS = ("serious", "critical")
PASSWORD = "correct horse battery staple"
# A form shown again with its problems answers 400, 409 (a clash) or 422; Chromium logs that as an error.
FORM_ANSWER = re.compile(r"^Failed to load resource: the server responded with a status of (400|409|422) ")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


class PageChecks:
    """Watches one page's console and checks each page a person lands on (see `check`)."""

    def __init__(self, page, journey: str):
        self.page = page
        self.journey = journey
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _console(self, msg) -> None:
        """Keep console errors, except Chromium's note that a re-shown form came back as 400/409/422 (by design)."""
        if msg.type != "error":
            return
        url = msg.location.get("url") or ""
        if url == self.page.url and FORM_ANSWER.match(msg.text):
            return
        self.errors.append(f"console: {msg.text} ({url})")

    def check(self, name: str, phone: bool = True) -> None:
        """No console error, a title, one h1, a label on every field, no serious or critical axe-core
        violation (at both widths); screenshots; no sideways scroll at 390 px."""
        page = self.page
        page.wait_for_load_state("load")
        assert not self.errors, f"{name} ({page.url}): {self.errors}"
        title = page.title().strip()
        own = title.rsplit(" · engage", 1)[0].strip()
        assert own and own != "engage", f"{name} ({page.url}) has no title of its own: {title!r}"
        assert page.locator("h1").count() >= 1, f"{name} ({page.url}) has no heading"
        assert page.locator("h1").first.inner_text().strip(), f"{name} ({page.url}) has an empty heading"
        assert_fields_labelled(page, name)
        assert_accessible(page, name)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = f"{self.journey}-{slug(name)}"
        page.screenshot(path=str(ARTIFACTS / f"{stem}-desktop.png"), full_page=True)
        if phone:
            page.set_viewport_size(PHONE)
            try:
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"] + 2, (
                    f"{name} ({page.url}) scrolls sideways at {PHONE['width']} px: {width} px wide; "
                    f"widest: {widest_elements(page)}")
                # A table in a sideways-scrolling box keeps its colours, names and structure at any width and
                # was checked at desktop width; leaving it out here spares checking a 5,000-cell matrix twice.
                assert_accessible(page, f"{name} at {PHONE['width']} px", exclude=(".table-responsive",))
                page.screenshot(path=str(ARTIFACTS / f"{stem}-phone.png"), full_page=True)
            finally:
                page.set_viewport_size(DESKTOP)
        assert not self.errors, f"{name} ({page.url}): {self.errors}"


UNLABELLED_FIELDS_JS = """
() => {
  const shown = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
                      && getComputedStyle(el).visibility !== "hidden";
  const skip = new Set(["hidden", "submit", "button", "reset", "image"]);
  const out = [];
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (el.tagName === "INPUT" && skip.has((el.type || "").toLowerCase())) continue;
    if (!shown(el)) continue;
    const byFor = el.id && [...document.querySelectorAll("label[for]")].some(
      l => l.htmlFor === el.id && l.textContent.trim());
    const wrapped = el.closest("label") && el.closest("label").textContent.trim();
    const aria = (el.getAttribute("aria-label") || "").trim();
    const byIds = (el.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
      .some(id => document.getElementById(id) && document.getElementById(id).textContent.trim());
    if (!(byFor || wrapped || aria || byIds)) out.push(el.outerHTML.slice(0, 160));
  }
  return out;
}
"""


def assert_fields_labelled(page, name: str = "page") -> None:
    """Every visible input, select and textarea has a label (for=, wrapping, aria-label or aria-labelledby)."""
    missing = page.evaluate(UNLABELLED_FIELDS_JS)
    assert not missing, f"{name} ({page.url}) has fields without a label: {missing}"


@cache
def axe_source() -> str:
    """axe-core's browser build, from tests/js's npm packages (installed on first use)."""
    ensure_js_packages()
    return AXE.read_text(encoding="utf-8")


AXE_RUN_JS = """
async ([fails, exclude]) => {
  const context = exclude.length ? {include: [document], exclude: exclude.map(s => [s])} : document;
  const result = await axe.run(context, {resultTypes: ["violations"]});
  return result.violations.filter(v => fails.includes(v.impact)).map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => ({target: n.target.join(" "), html: n.html.slice(0, 160),
                                          why: (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 240)}))}));
}
"""


def assert_accessible(page, name: str = "page", exclude: tuple[str, ...] = ()) -> None:
    """axe-core finds no serious or critical violation outside `exclude` (CSS selectors); the message
    names each rule, element and the page.

    axe is evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
    govern, so the pages are checked under the very policy they are served with (no bypass_csp).
    """
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    violations = page.evaluate(AXE_RUN_JS, [list(AXE_FAILS), list(exclude)])
    assert not violations, f"{name} ({page.url}) fails axe-core:\n" + "\n".join(
        f"  {v['impact']} {v['rule']} ({v['help']}): " + "; ".join(
            f"{n['target']} {n['html']!r} — {n['why']}" for n in v["nodes"]) for v in violations)


def widest_elements(page) -> list[str]:
    """The outermost elements that stick out past the viewport, to say what makes a page scroll sideways
    (what sticks out inside a box that scrolls or clips sideways, such as .table-responsive, is left out)."""
    return page.evaluate("""() => {
      const w = document.documentElement.clientWidth, out = [];
      const contained = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        if (["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(p).overflowX)) return true; } return false; };
      for (const el of document.querySelectorAll("body *")) {
        const r = el.getBoundingClientRect();
        if (r.right > w + 1 && !contained(el) && !(el.parentElement && el.parentElement.getBoundingClientRect().right > w + 1))
          out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${[...el.classList].join(".")} right=${Math.round(r.right)}`);
      }
      return out.slice(0, 8);
    }""")


@cache
def _english_phrases(language: str) -> tuple[str, ...]:
    """The pages' English sentences the catalogue of `language` translates (three words or more, from
    templates): any of them on a page in that language is a word left untranslated."""
    from babel.messages.pofile import read_po

    path = Path(__file__).resolve().parents[2] / "engage" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with open(path, "rb") as po:
        catalogue = read_po(po, locale=language)
    # Theme names and their groups are data (UPR Info's vocabulary, in English): a page shows them as they are.
    themes = Path(__file__).resolve().parents[2] / "engage" / "recommendations" / "data" / "themes.csv"
    with open(themes, encoding="utf-8", newline="") as f:
        vocabulary = {word.strip() for row in csv.reader(f) for cell in row for word in cell.split(";")}
    return tuple(sorted({m.id for m in catalogue if isinstance(m.id, str) and m.string and m.string != m.id
                         and "%(" not in m.id and len(m.id.split()) >= 3 and m.id not in vocabulary
                         and any(path.startswith("engage/templates/") for path, _ in m.locations)}))


def assert_in_language(page, language: str, name: str) -> None:
    """The page says it is in `language` and shows none of the English sentences its catalogue translates."""
    assert page.evaluate("document.documentElement.lang") == language, f"{name} ({page.url}) is not in {language}"
    text = " ".join(page.locator("body").inner_text().split())
    left = [phrase for phrase in _english_phrases(language) if phrase in text]
    assert not left, f"{name} ({page.url}) shows English in a {language} page: {left}"


def sign_in_by_keyboard(page, live, role: str, checks=None) -> None:
    """Sign in as `role` with the keyboard only: Tab to the email field, type, Tab, type, Enter."""
    email, _ = live.users[role]
    page.goto(f"{live.url}/login")
    if checks is not None:
        checks.check("sign-in")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "email":
            break
    else:
        raise AssertionError("the email field cannot be reached with the Tab key")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password", "Tab from email does not reach the password"
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url, f"signing in as {role} failed: {page.locator('main').inner_text()[:300]}"


def ics_of(message):
    """The text/calendar part of a received message, parsed with icalendar, and its METHOD."""
    from icalendar import Calendar

    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            return Calendar.from_ical(part.get_payload(decode=True)), part.get_param("method")
    raise AssertionError(f"no text/calendar part in {message['Subject']!r}")


def text_of(message) -> str:
    """The plain-text body of a received message."""
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""
