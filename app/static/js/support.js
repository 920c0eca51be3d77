/* « Aide et contact » (issue 22), a static file (CSP: no inline script).
   - the live counter « N / 2000 caractères » of every textarea with
     data-compteur (the server checks the same limit);
   - the structure field hidden until a type is chosen; the national types
     (data-nationaux) select « Administrateur national » and the field reads
     « Destinataire de la demande » (manual §10), otherwise « Structure
     gestionnaire en charge de la demande » (§6.1).
   Without JavaScript the form works the same, the structure field shown. */
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-compteur]").forEach(function (zone) {
    var compteur = document.getElementById(zone.getAttribute("data-compteur"));
    var maximum = zone.getAttribute("maxlength");
    if (!compteur || !maximum) { return; }
    var majour = function () { compteur.textContent = zone.value.length + " / " + maximum + " caractères"; };
    zone.addEventListener("input", majour);
    majour();
  });

  var formulaire = document.getElementById("formulaire-support");
  if (!formulaire) { return; }
  var type = document.getElementById("type_demande");
  var structure = document.getElementById("structure");
  var groupe = document.getElementById("groupe-structure");
  if (!type || !structure || !groupe) { return; }
  var nationaux = (formulaire.getAttribute("data-nationaux") || "").split(",");
  var national = formulaire.getAttribute("data-national");
  var choixPrecedent = structure.value;
  var libelle = formulaire.querySelector('label[for="structure"]');
  var afficher = function () {
    groupe.hidden = !type.value;
    var estNational = nationaux.indexOf(type.value) >= 0;
    if (libelle) {
      libelle.textContent = formulaire.getAttribute(estNational ? "data-libelle-national" : "data-libelle-structure") + " *";
    }
    if (estNational) {
      if (structure.value !== national) { choixPrecedent = structure.value; }
      structure.value = national;
    } else if (structure.value === national && choixPrecedent !== national) {
      structure.value = choixPrecedent;
    }
  };
  type.addEventListener("change", afficher);
  afficher();
}());
