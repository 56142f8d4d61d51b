"""What a browser sends when a form on a page is submitted untouched: read from the page's HTML."""
from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, action: str):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.pairs = action, False, []
        self._select = self._textarea = None
        self._first_option = self._selected = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "") == self.action
        if not self.inside:
            return
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._first_option, self._selected = a["name"], None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = self._selected if self._selected is not None else self._first_option
            if chosen is not None:
                self.pairs.append((self._select, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self.pairs.append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def submitted_values(html: str, action: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the form posting to `action` sends as the page shows it (ticked boxes,
    selected options, typed text), in page order."""
    reader = _FormReader(action)
    reader.feed(html)
    return reader.pairs


class _ChosenReader(HTMLParser):
    def __init__(self, name: str):
        super().__init__(convert_charrefs=True)
        self.name, self.inside, self.current, self.chosen = name, False, None, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "select":
            self.inside = a.get("name") == self.name
        elif tag == "option" and self.inside and "selected" in a:
            self.current = a.get("value", "")
            self.chosen[self.current] = ""

    def handle_data(self, data):
        if self.current is not None:
            self.chosen[self.current] += data

    def handle_endtag(self, tag):
        if tag == "option":
            self.current = None
        elif tag == "select":
            self.inside = False


def chosen_options(html: str, name: str) -> dict[str, str]:
    """The selected options of the select named `name` on the page: {value: text}, in page order."""
    reader = _ChosenReader(name)
    reader.feed(html)
    return reader.chosen
