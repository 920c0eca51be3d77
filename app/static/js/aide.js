/* Contextual help (app.operations.aides, manual §1.2). « En savoir plus » opens its
   modal dialog (showModal: the page behind is inert, so the focus stays in the
   dialog; Escape closes it), the focus goes back to the button on close.
   Escape also hides a tooltip shown by hover or focus (WCAG 1.4.13). */
(function () {
  document.addEventListener("click", function (event) {
    var ouvrir = event.target.closest("[data-ouvrir-dialogue]");
    if (ouvrir) {
      var dialogue = document.getElementById(ouvrir.getAttribute("data-ouvrir-dialogue"));
      dialogue.ouvreur = ouvrir;
      dialogue.showModal();
      dialogue.querySelector("[data-fermer-dialogue]").focus();
      return;
    }
    var fermer = event.target.closest("[data-fermer-dialogue]");
    if (fermer) { fermer.closest("dialog").close(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("dialog.aide-dialogue").forEach(function (dialogue) {
      dialogue.addEventListener("close", function () { if (dialogue.ouvreur) { dialogue.ouvreur.focus(); } });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      document.querySelectorAll(".aide").forEach(function (aide) { aide.classList.add("aide-masquee"); });
    }
  });
  ["mouseover", "focusin"].forEach(function (type) {
    document.addEventListener(type, function (event) {
      var aide = event.target.closest && event.target.closest(".aide");
      if (aide) { aide.classList.remove("aide-masquee"); }
    });
  });
})();
