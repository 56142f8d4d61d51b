"""Exports are produced in full, then audited, then sent: a file that failed is never "Data exported".

An export's chunks are written to a temporary file (in memory while small, on disk beyond
`SPOOL_IN_MEMORY`) inside the view, while the request's database session and signed-in user are
alive. Only a complete file gets a response; the "Data exported" row is committed with it (see
`engage.auth.permissions.export_confirmed`), before its first byte leaves. So:

- an export that fails while being produced answers 500 and leaves no audit row, instead of a
  200 with a cut-off body and a row claiming the data left;
- no export leaves without its audit row (writing the row after the last chunk could fail, or
  never run when the client hangs up, after the data had gone);
- nothing reads the database once the view has returned. A real server sends the body after the
  request's session is removed; a generator that queried then (through the request guard, as the
  signed-in user) failed with DetachedInstanceError on every export.

The cost is the time to the first byte (the whole file is made first: about 3 s for 100,000 log
rows as CSV); memory stays flat, as the file spills to disk.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from typing import BinaryIO

from flask import Response, request
from werkzeug.wsgi import wrap_file

SPOOL_IN_MEMORY = 1024 * 1024
SEND_CHUNK = 64 * 1024


class ProducedDownload(Response):
    """A response whose body is a complete file made before the view returned."""


def produce(chunks: Iterable[str | bytes]) -> BinaryIO:
    """Every chunk of an export written to a temporary file, rewound; what producing raises propagates."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, prefix="engage-export-")
    try:
        for chunk in chunks:
            spool.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # a generator's own clean-up (a temporary workbook) runs now, not at garbage collection
    return spool


def send(produced: BinaryIO, mimetype: str, filename: str, headers: dict | None = None) -> ProducedDownload:
    """A download of a produced file, sent in chunks and closed after; its length is known, so a cut-off shows."""
    size = produced.seek(0, os.SEEK_END)
    produced.seek(0)
    response = ProducedDownload(wrap_file(request.environ, produced, SEND_CHUNK), mimetype=mimetype,
                                direct_passthrough=True,
                                headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                         **(headers or {})})
    response.content_length = size
    return response


def calendar_file(body: bytes, filename: str) -> Response:
    """One meeting's .ics as a download. METHOD:PUBLISH in the type too: a calendar adds the event
    rather than reading it as an invitation to answer."""
    return Response(body, headers={"Content-Type": "text/calendar; charset=utf-8; method=PUBLISH",
                                   "Content-Disposition": f"attachment; filename={filename}"})
