"""The news body (issue 36 point 4): Markdown rendered by markdown-it-py,
then cleaned by nh3 — what an editor may write, and what never reaches the page."""

from __future__ import annotations

import re

import pytest

from app.models.contenus import markdown_sur, nettoyer


@pytest.mark.parametrize(
    ("source", "attendu"),
    [
        ("Un paragraphe.\n\nUn autre.", "<p>Un paragraphe.</p>\n<p>Un autre.</p>"),
        ("ligne 1\nligne 2", "<p>ligne 1<br>\nligne 2</p>"),
        ("**gras** et *italique*", "<p><strong>gras</strong> et <em>italique</em></p>"),
        ("- un\n- deux", "<ul>\n<li>un</li>\n<li>deux</li>\n</ul>"),
        ("1. un\n2. deux", "<ol>\n<li>un</li>\n<li>deux</li>\n</ol>"),
        ("## Intertitre", "<h3>Intertitre</h3>"),
        ("# Titre", "<h3>Titre</h3>"),
        ("### Sous-titre", "<h4>Sous-titre</h4>"),
        ("> citation", "<blockquote>\n<p>citation</p>\n</blockquote>"),
        ("`code`", "<p><code>code</code></p>"),
        ("[CNFPT](https://www.cnfpt.fr)", '<p><a href="https://www.cnfpt.fr" rel="noopener noreferrer">CNFPT</a></p>'),
        ('[t](https://a.fr "Titre")', '<p><a href="https://a.fr" title="Titre" rel="noopener noreferrer">t</a></p>'),
        ("[écrire](mailto:contact@cnfpt.fr)", '<p><a href="mailto:contact@cnfpt.fr" rel="noopener noreferrer">écrire</a></p>'),
        ("[annonces](/annonces/)", '<p><a href="/annonces/" rel="noopener noreferrer">annonces</a></p>'),
    ],
)
def test_what_an_editor_may_write(source, attendu):
    assert str(markdown_sur(source)) == attendu


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<a href="https://x.test" onclick="alert(1)">x</a>',
        '<iframe src="https://x.test"></iframe>',
        '<img src="x" onerror="alert(1)">',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '[a](https://x.test/" onmouseover="alert(1))',
        "![image](javascript:alert(1))",
    ],
)
def test_raw_html_and_dangerous_links_never_reach_the_page(source):
    """Raw HTML is shown as text (escaped), never as a tag or an attribute."""
    html = str(markdown_sur(source)).lower()
    assert "<script" not in html and "<iframe" not in html and "<img" not in html
    assert not re.search(r"<[^>]* on[a-z]+=", html)
    assert 'href="javascript' not in html and 'href="data' not in html


@pytest.mark.parametrize(
    ("html", "attendu"),
    [
        ("<p>a<script>alert(1)</script></p>", "<p>a</p>"),
        ('<p onclick="alert(1)">a</p>', "<p>a</p>"),
        ('<iframe src="https://x.test"></iframe>b', "b"),
        ('<a href="javascript:alert(1)">j</a>', '<a rel="noopener noreferrer">j</a>'),
        ('<a href="https://x.test" target="_blank" style="color:red">x</a>',
         '<a href="https://x.test" rel="noopener noreferrer">x</a>'),
        ("<table><tr><td>c</td></tr></table>", "c"),
    ],
)
def test_the_sanitiser_keeps_only_the_allowed_tags_and_attributes(html, attendu):
    """The second line of defence: whatever the parser emits is cut to the
    allow-list (a parser option turned on later cannot open a hole)."""
    assert nettoyer(html) == attendu


def test_a_body_is_rendered_once_per_process():
    markdown_sur.cache_clear()
    for _ in range(3):
        markdown_sur("Le même **corps**.")
    assert markdown_sur.cache_info().hits == 2
