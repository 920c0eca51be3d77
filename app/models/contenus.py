"""Public content managed by national administrators: news and documents."""

from __future__ import annotations

import functools

import nh3
import sqlalchemy as sa
from flask_appbuilder import Model
from markdown_it import MarkdownIt
from markupsafe import Markup
from sqlalchemy.orm import relationship

from app.models.base import utcnow
from app.models.fichiers import Fichier


class Actualite(Model):
    """A news article of the box « Informations Espace Intervenants »."""

    __tablename__ = "actualite"
    id = sa.Column(sa.Integer, primary_key=True)
    titre = sa.Column(sa.String(255), nullable=False)
    resume = sa.Column(sa.Text, nullable=False)
    corps = sa.Column(sa.Text, nullable=False)
    date_publication = sa.Column(sa.Date, nullable=False, index=True)
    document_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id", ondelete="SET NULL"))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    document = relationship(Fichier)

    @property
    def corps_html(self) -> Markup:
        return markdown_sur(self.corps)

    def __str__(self) -> str:
        return self.titre


class DocumentPublic(Model):
    """A downloadable public document (charte, guide pratique, formulaires)."""

    __tablename__ = "document_public"
    id = sa.Column(sa.Integer, primary_key=True)
    titre = sa.Column(sa.String(255), nullable=False)
    description = sa.Column(sa.Text)
    fichier_id = sa.Column(sa.Integer, sa.ForeignKey("fichier.id"), nullable=False)
    ordre = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    actif = sa.Column(sa.Boolean, nullable=False, default=True, server_default=sa.true())
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)

    fichier = relationship(Fichier)

    def __str__(self) -> str:
        return self.titre


#: What an editor's Markdown may become once rendered (CommonMark without
#: raw HTML); anything else a future parser option would produce is dropped.
BALISES = frozenset({
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "h3", "h4", "blockquote", "code", "pre", "hr",
})
_SANITISEUR = nh3.Cleaner(
    tags=set(BALISES),
    attributes={"a": {"href", "title"}, "ol": {"start"}},
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener noreferrer",
)
#: ``breaks``: a line break typed in the body stays a line break on the page.
#: No images: ``![texte](adresse)`` stays a link to the picture.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")


def _sous_le_titre(state) -> None:
    """The article's title is an h2 of the page: the body's headings come
    below it, « # » and « ## » as h3, the deeper ones as h4."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h3" if token.tag in ("h1", "h2") else "h4"


_MARKDOWN.core.ruler.push("sous_le_titre", _sous_le_titre)


def nettoyer(html: str) -> str:
    """HTML kept to ``BALISES``: links with http(s), mailto or site addresses
    only, opened with ``rel="noopener noreferrer"``; other tags dropped, the
    content of scripts and styles with them."""
    return _SANITISEUR.clean(html)


@functools.lru_cache(maxsize=512)
def markdown_sur(source: str | None) -> Markup:
    """An article's body rendered by markdown-it-py (CommonMark, raw HTML
    shown as text) then cleaned by nh3 against ``BALISES``: no script, inline
    handler, frame or ``javascript:`` link reaches the page. Cached by source
    text: the news page renders each body once per process, not per hit."""
    html = nettoyer(_MARKDOWN.render((source or "").replace("\r\n", "\n")))
    return Markup(html.strip())  # noqa: S704 (sanitised by nh3 just above)
