"""Reading directory pages the way a person does: the names listed, the errors beside a field."""
from __future__ import annotations

import re
from html import unescape


def text(response) -> str:
    """The page's HTML with entities decoded (so 'Ministry of Magic' reads as typed)."""
    return unescape(response.get_data(as_text=True))


def listed_names(response) -> list[str]:
    """The names in the first column of the page's table, top to bottom."""
    html = response.get_data(as_text=True)
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [unescape(name) for name in re.findall(r"<tr[^>]*>\s*<td><a href=\"[^\"]+\">([^<]*)</a>", body)]


def field_errors(response, field_id: str) -> list[str]:
    """The error messages shown beside the form field with that id."""
    html = response.get_data(as_text=True)
    start = html.index(f'id="{field_id}"')
    end = html.find('<div class="mb-3">', start)
    chunk = html[start:end if end != -1 else None]
    return [unescape(m) for m in re.findall(r'<div class="invalid-feedback d-block">(.*?)</div>', chunk, re.S)]
