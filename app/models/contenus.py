"""Public content managed by national administrators: news and documents."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_appbuilder import Model
from markupsafe import Markup, escape
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


_LINK = re.compile(r"\[([^\]]+)\]\(((?:https?://|/)[^\s)]*)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<!\*)\*(?!\*)(.+?)(?<!\*)\*(?!\*)")


def _inline(text: str) -> str:
    """Inline Markdown on already escaped text: links (http(s) or site
    paths only, never ``javascript:``), bold, italic."""
    text = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


def markdown_sur(source: str | None) -> Markup:
    """A small, safe Markdown subset: paragraphs, "- " lists, "## " titles,
    **gras**, *italique*, [lien](https://...). Everything is HTML-escaped
    first, so no tag or attribute written by the author reaches the page."""
    blocks = re.split(r"\n\s*\n", (source or "").replace("\r\n", "\n").strip())
    html = []
    for block in blocks:
        if not block.strip():
            continue
        lines = [str(escape(line.strip())) for line in block.split("\n")]
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        elif len(lines) == 1 and lines[0].startswith("## "):
            html.append(f"<h3>{_inline(lines[0][3:])}</h3>")
        else:
            html.append(f"<p>{'<br>'.join(_inline(line) for line in lines)}</p>")
    return Markup("\n".join(html))  # noqa: S704 (built from escaped text only)
