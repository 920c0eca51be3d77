/* What the select2 widgets (FAB's 4.x, flask-admin's 3.x) leave out for
   assistive technologies (issue 25, 27): a label on their search field, no
   stray element in their list, no role their element may not have. Run
   after the widgets are built and after each change (they re-render). */
(function () {
  function libelleDe(select) {
    var id = select && select.id;
    var label = id && document.querySelector('label[for="' + id + '"]');
    return (label && label.textContent.trim()) || (select && select.getAttribute("name")) || "Recherche";
  }
  function corriger() {
    document.querySelectorAll(".select2-container").forEach(function (conteneur) {
      var select = conteneur.previousElementSibling;
      if (!select || select.tagName !== "SELECT") {
        select = conteneur.parentElement && conteneur.parentElement.querySelector("select, input[type=hidden]");
      }
      conteneur.querySelectorAll("input.select2-search__field, input.select2-input, input.select2-focusser").forEach(function (champ) {
        if (!champ.getAttribute("aria-label")) { champ.setAttribute("aria-label", libelleDe(select)); }
        if (champ.getAttribute("role") === "button") { champ.removeAttribute("role"); }
      });
      conteneur.querySelectorAll("ul.select2-selection__rendered > span.select2-selection__clear").forEach(function (effacer) {
        effacer.closest(".select2-selection").insertBefore(effacer, effacer.parentElement);
      });
    });
  }
  function planifier() { window.setTimeout(corriger, 0); }
  document.addEventListener("DOMContentLoaded", planifier);
  window.addEventListener("load", planifier);
  document.addEventListener("change", planifier, true);
  if (window.jQuery) { window.jQuery(document).on("select2:select select2:unselect select2:open", planifier); }
})();
