"""The menu's badges: read from a page, with the statements the page ran."""

from __future__ import annotations

import re

from tests.conftest import page_text
from tests.outils.annonces import count_queries

PAGE = "/cvtheque/"


BADGE = re.compile(r'<span class="badge" aria-hidden="true">(\d+)</span><span class="sr-only"> \((.*?)\)</span>')


def badges(html: str) -> list[tuple[str, str]]:
    return BADGE.findall(html)


def requetes_badges(client, url: str = PAGE) -> tuple[str, list[str]]:
    """The page (as text) and its badge statements."""
    client.get(url)  # the menu's entries rendered and kept
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return page_text(response), [s for s in statements if "badge_" in s]
