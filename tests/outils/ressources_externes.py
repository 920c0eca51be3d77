"""No page loads anything from another host (issue 27, point 6): fonts,
scripts, styles, images and frames are served by the project. Checked on
every route × actor of the permission matrix (tests/securite/test_permission_matrix.py)."""

from __future__ import annotations

import re

#: A resource a browser fetches by itself (links <a href> are not fetched).
_RESSOURCE = re.compile(
    r"<(?:script|img|iframe|source|video|audio|embed|object|input)\b[^>]*\s(?:src|data|srcset)\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|<link\b[^>]*\shref\s*=\s*[\"']?\s*(?:https?:)?//"
    r"|url\(\s*[\"']?\s*(?:https?:)?//"
    r"|@import\s+[\"'](?:https?:)?//",
    re.IGNORECASE,
)


def externes(html: str) -> list[str]:
    """The tags (or CSS rules) of ``html`` that fetch from another host."""
    return [html[m.start():m.start() + 160] for m in _RESSOURCE.finditer(html)]


def verifier(response, quoi: str = "") -> None:
    if response.mimetype in ("text/html", "text/css"):
        trouvees = externes(response.get_data(as_text=True))
        assert not trouvees, (quoi, trouvees)
