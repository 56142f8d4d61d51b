"""URL helpers."""
from typing import Callable
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

MAX_RECORD_ID = 2**31 - 1  # the largest value an INTEGER primary key holds on PostgreSQL


class RecordIdConverter(IntegerConverter):
    """`<int:…>` in every route: a record id. A number past 2³¹−1 names nothing, so it is a 404 for
    every method (before, PostgreSQL refused to compare it and pages answered 409)."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_RECORD_ID:
            # Not a ValidationError: werkzeug would then try the path's other rules and, finding one
            # for another method, answer 405 instead of 404.
            raise NotFound()
        return number


def absolute_url(endpoint: str, **values) -> str:
    """The address of `endpoint` under ENGAGE_BASE_URL, for links that leave the page: API answers,
    calendars, mail. Never `url_for(_external=True)`, which takes the host from the request's Host
    header, so anyone could make engage hand out links to their own site."""
    return current_app.config["ENGAGE_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def is_safe_redirect(target: str | None) -> bool:
    """True for a local path we may redirect to after login (no open redirects)."""
    if not target or not isinstance(target, str):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target


def id_url(endpoint: str, name: str) -> tuple[str, str]:
    """The URL of `endpoint` for any `name` (an id) as the parts before and after the id: one url_for
    for a whole list instead of one per row (each costs more than the rest of a row)."""
    marker = 987654321
    before, after = url_for(endpoint, **{name: marker}).split(str(marker))
    return before, after


def page_urls() -> Callable[[int], str]:
    """For a pager: the current page's URL, its other arguments kept, with `page` set to any number
    (as `web.url_with(page=…)` writes it), from one url_for for all the pager's links."""
    marker = "987654321"
    args = {**request.args.to_dict(), "page": marker}
    parts = url_for(request.endpoint, **(request.view_args or {}), **args).split(marker)
    if len(parts) != 2:  # another argument holds the marker too: a url_for per link
        return lambda page: url_for(request.endpoint, **(request.view_args or {}), **{**args, "page": page})
    before, after = parts
    return lambda page: f"{before}{page}{after}"
