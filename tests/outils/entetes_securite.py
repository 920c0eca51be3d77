"""The security headers every response must carry (issue 19, point 5),
checked on every route × actor of the permission matrix
(tests/securite/test_permission_matrix.py) and by tests/securite/test_entetes_securite.py."""

from __future__ import annotations

import re

_SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
_GESTIONNAIRE_EN_LIGNE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def directives(csp: str) -> dict[str, str]:
    parties = (p.strip().split(" ", 1) for p in csp.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parties}


def verifier(response, connecte: bool, quoi: str = "") -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    politique = directives(csp)
    assert politique.get("frame-ancestors") == "'none'", (quoi, csp)
    scripts = politique.get("script-src", politique.get("default-src", ""))
    assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, (quoi, csp)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", quoi
    assert response.headers.get("Referrer-Policy") == "same-origin", quoi
    if connecte:
        assert "no-store" in response.headers.get("Cache-Control", ""), (quoi, response.headers.get("Cache-Control"))
    if response.mimetype == "text/html" and scripts != "'none'":  # 'none': no script runs at all
        html = response.get_data(as_text=True)
        nonce = re.search(r"'nonce-([^']+)'", scripts)
        for balise in _SCRIPT.findall(html):  # inline or not, a script runs only with the nonce
            assert nonce and f'nonce="{nonce.group(1)}"' in balise, (quoi, balise)
        assert not _GESTIONNAIRE_EN_LIGNE.search(html), (quoi, _GESTIONNAIRE_EN_LIGNE.search(html).group(0))
