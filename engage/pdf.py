"""PDF documents drawn from engage's own HTML by WeasyPrint (the printable summary, the uptake report,
the mid-term report): one place that knows whether it can, and that it never fetches anything."""
from __future__ import annotations


def pdf_available() -> bool:
    """True when WeasyPrint and the system libraries it draws with (Pango) are installed."""
    try:
        # Imported when asked: WeasyPrint is optional (it needs Pango) and heavy to load.
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def _no_fetch(url, *args, **kwargs):
    # The documents are self-contained (styles inlined): the renderer never reaches out, not even to
    # engage itself, so a link in a user's text cannot make the server fetch it.
    raise ValueError(f"engage does not fetch {url[:80]} while making a PDF")


def html_to_pdf(html: str) -> bytes:
    """The PDF of one self-contained HTML page (callers check pdf_available first)."""
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
