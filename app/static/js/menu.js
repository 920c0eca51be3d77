/* The main menu on small screens (issue 40): the « Menu » button folds and
   unfolds it. Not Bootstrap's collapse plugin: it also sets aria-expanded on
   the folded block, an attribute a plain <div> may not carry. The button's
   aria-expanded tells screen readers the state; Escape inside the open menu
   folds it and gives the focus back to the button. Wide screens show the
   menu whatever its state (Bootstrap's .navbar-collapse). */
(function () {
  function basculer(bouton, ouvrir) {
    var menu = document.getElementById(bouton.getAttribute("aria-controls"));
    menu.classList.toggle("in", ouvrir);
    bouton.classList.toggle("collapsed", !ouvrir);
    bouton.setAttribute("aria-expanded", ouvrir ? "true" : "false");
  }
  document.addEventListener("click", function (event) {
    var bouton = event.target.closest && event.target.closest("[data-menu-bouton]");
    if (bouton) { basculer(bouton, bouton.getAttribute("aria-expanded") !== "true"); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) { return; }
    var menu = event.target.closest(".navbar-collapse.in");
    var bouton = menu && document.querySelector('[data-menu-bouton][aria-controls="' + menu.id + '"]');
    if (bouton && !event.target.closest(".dropdown.open")) {
      basculer(bouton, false);
      bouton.focus();
    }
  });
})();
