"""The state FAB and flask-admin keep on their view objects, registered with
the per-process caches (``app.infra.caches``) so that ``vider_tout()`` resets
it with them.

A registered view is one object for the whole process, shared by every
request. Both libraries compute part of its state once, at registration
(FAB's ``_init_properties`` / ``_init_forms`` / ``_init_titles``: the
columns, ``add_form``, ``edit_form``, ``search_form``, the filters; flask-admin's
``_refresh_cache``: the form classes, columns, filters, rules), and FAB also
writes some at a request: a form view's ``_init_vars`` fixes
``form_columns`` / ``form_fieldsets`` at its first render from the form's
fields at that moment (``csrf_token`` included when CSRF was on: a later
render without CSRF failed, « UserInfoEdit object has no attribute
csrf_token »). A project view that keeps something of a request on ``self``
does the same. Such state outlives the request that wrote it: in the tests,
one test's settings (CSRF on or off, a monkeypatched column) would reach
the next one, and the suite would pass in one order only.

``init_app`` takes, once the application is built, a picture of every view's
attributes (each container's contents with it); ``restaurer`` puts it back:
attributes written since are removed (the class value shows again, FAB
recomputes it at the next request), replaced ones get their first object
back, containers changed in place their first contents. Registered as the
cache « vues.etat », it is reset between tests by ``caches.vider_tout()``.
In production nothing changes these attributes after start-up but FAB's
recomputation of the same values.
"""

from __future__ import annotations

import weakref
from operator import is_

from app.infra import caches

_CONTENEURS = (list, dict, set)

#: (view, its attributes after registration, the contents of its containers), per application built.
_photos: list[tuple[weakref.ref, dict, dict]] = []


def vues(app) -> list:
    """Every view object of ``app``: FAB's (pages, forms, APIs, security
    views) and the console's (flask-admin)."""
    objets = list(app.appbuilder.baseviews)
    for admin in app.extensions.get("admin", []):
        objets.extend(admin._views)
    return [vue for vue in objets if not isinstance(vue, type)]


def _contenu(valeur):
    return valeur.copy()


def _change(valeur, contenu) -> bool:
    """Compared by identity: the elements (SQLAlchemy columns, fields) may
    define ``==`` as something else than equality."""
    if len(valeur) != len(contenu):
        return True
    if not valeur:
        return False
    if isinstance(valeur, dict):
        return not (all(map(is_, valeur, contenu)) and all(map(is_, valeur.values(), contenu.values())))
    if isinstance(valeur, set):
        return not all(any(x is y for y in contenu) for x in valeur)
    return not all(map(is_, valeur, contenu))


def photographier(vue) -> None:
    attributs = dict(vars(vue))
    contenus = {nom: _contenu(valeur) for nom, valeur in attributs.items() if type(valeur) in _CONTENEURS}
    _photos.append((weakref.ref(vue), attributs, contenus))


def restaurer() -> None:
    """Every photographed view as it was once its application was built."""
    for reference, attributs, contenus in _photos:
        vue = reference()
        if vue is None:
            continue
        etat = vars(vue)
        if etat.keys() != attributs.keys() or not all(map(is_, etat.values(), attributs.values())):
            etat.clear()
            etat.update(attributs)
        for nom, contenu in contenus.items():
            valeur = attributs[nom]
            if _change(valeur, contenu):
                valeur.clear()
                valeur.update(contenu) if isinstance(valeur, (dict, set)) else valeur.extend(contenu)
    _photos[:] = [photo for photo in _photos if photo[0]() is not None]


def init_app(app) -> None:
    """Photograph ``app``'s views: called last by ``create_app``, once every
    view is registered and has computed what it computes at registration."""
    for vue in vues(app):
        photographier(vue)


caches.declarer("vues.etat", cle="objet vue (FAB, flask-admin) : ses attributs après l'enregistrement",
                duree="l'application", vide_par="vider_tout (tests) : rien ne le change en production",
                vider=restaurer)
