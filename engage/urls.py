"""URL helpers."""
from urllib.parse import urlsplit


def is_safe_redirect(target: str | None) -> bool:
    """True for a local path we may redirect to after login (no open redirects)."""
    if not target or not isinstance(target, str):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
        and "\\" not in target
