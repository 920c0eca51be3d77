"""« Récupérer mes données »: the page's URL, the request, and a national export's support request."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models.referentiels import TypeDemandeSupport
from app.operations import support as operations_support
from tests.conftest import csrf_token_from

URL = "/mon-compte/recuperer-mes-donnees"


def recuperer(client):
    page = client.get(URL)
    return client.post(URL, data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})


def _demande(code: str, email: str):
    type_id = db.session.scalar(select(TypeDemandeSupport.id).where(TypeDemandeSupport.code == code))
    demande, _ = operations_support.creer(type_id=type_id, structure_id=None, nom="Durand", prenom="Camille",
                                          email=email, sujet="Mes données", descriptif="Envoyez-moi mes données.")
    operations_support.confirmer(demande)
    db.session.commit()
    return demande
