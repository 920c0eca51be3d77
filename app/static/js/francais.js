/* The English messages FAB's scripts show in its alert dialog, in French
   (issue 25). Deferred: runs once FAB's ab.js has defined ab_alert. */
(function () {
  "use strict";
  var TEXTES = {
    "No row selected": "Aucune ligne sélectionnée : cochez au moins une ligne avant de choisir une action."
  };
  var alerte = window.ab_alert;
  if (typeof alerte !== "function" || alerte.francais) {
    return;
  }
  window.ab_alert = function (texte) {
    return alerte(Object.prototype.hasOwnProperty.call(TEXTES, texte) ? TEXTES[texte] : texte);
  };
  window.ab_alert.francais = true;
})();
