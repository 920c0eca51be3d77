/* Tables on narrow screens (issue 40): a data table wider than the screen
   scrolls sideways inside its own block, never the whole page (RGAA 10.11
   allows two-way scrolling for data tables only). A block that does scroll
   and holds nothing focusable gets the focus itself (tabindex) with the
   table's caption as its name, so the keyboard can scroll it too. */
(function () {
  function envelopper(table, rang) {
    if (table.parentElement.classList.contains("tableau-defilant")) { return; }
    var bloc = document.createElement("div");
    bloc.className = "tableau-defilant";
    table.parentNode.insertBefore(bloc, table);
    bloc.appendChild(table);
    if (bloc.scrollWidth > bloc.clientWidth + 1 && !table.querySelector("a[href], button, input, select, textarea, [tabindex]")) {
      var legende = table.querySelector("caption");
      bloc.setAttribute("tabindex", "0");
      bloc.setAttribute("role", "region");
      bloc.setAttribute("aria-label", (legende && legende.textContent.trim()) || "Tableau " + (rang + 1));
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("main table").forEach(envelopper);
  });
})();
