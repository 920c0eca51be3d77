/* « Aide et contact » (issue 22), a static file (CSP: no inline script).
   - the live counter « N / 2000 caractères » of every textarea with
     data-compteur (the server checks the same limit);
   - the structure field hidden until a type is chosen; the national types
     (data-nationaux) select « Administrateur national ».
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
  var afficher = function () {
    groupe.hidden = !type.value;
    if (nationaux.indexOf(type.value) >= 0) {
      if (structure.value !== national) { choixPrecedent = structure.value; }
      structure.value = national;
    } else if (structure.value === national && choixPrecedent !== national) {
      structure.value = choixPrecedent;
    }
  };
  type.addEventListener("change", afficher);
  afficher();
}());
