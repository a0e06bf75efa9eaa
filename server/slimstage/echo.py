"""What slimstage may print: URLs without their credentials, text without the API key.

Every message that can carry a setting, a URL or an SDK error (CLI stderr, LSP
``window/showMessage`` and ``window/logMessage``, settings problems) passes through
``scrub``: the user:password part of any URL (``http://user:p@ss@proxy:8080`` included)
becomes ``***``, and so does every value passed in (the API key). ``display_url`` is the
form of ``claude.base_url`` used in messages. Linear time: no pattern nests quantifiers.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional
from urllib.parse import urlsplit

# scheme://userinfo@ : the userinfo runs to the last "@" before the first "/", "?", "#" or space.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{0,30}://)([^/?#\s\"'<>]*)@")
_MASK = "***"


def _strip_userinfo(m: "re.Match[str]") -> str:
    return f"{m.group(1)}{_MASK}@"


def scrub(text: str, secrets: Iterable[Optional[str]] = ()) -> str:
    """``text`` with URL credentials and each of ``secrets`` (4+ characters) replaced by ``***``."""
    if not isinstance(text, str):
        text = str(text)
    for value in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(value, _MASK)
    return _USERINFO.sub(_strip_userinfo, text)


def display_url(url: str) -> str:
    """``url`` as it may be shown: scheme, host, port and path; no user, password, query or fragment."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "the URL in claude.base_url"
    if not parts.scheme or not host:
        return "the URL in claude.base_url"
    if ":" in host:
        host = f"[{host}]"
    shown = f"{parts.scheme}://{host}{f':{port}' if port else ''}{parts.path}"
    return scrub(shown)
