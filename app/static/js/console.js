/* Console (flask-admin): what its templates did with inline event handlers,
   which the Content-Security-Policy refuses (app/security/headers.py). */
document.addEventListener("click", function (event) {
  var action = event.target.closest("[data-action-console]");
  if (action) {
    event.preventDefault();
    modelActions.execute(action.getAttribute("data-action-console"));
    return;
  }
  var confirmation = event.target.closest("[data-confirmation-console]");
  if (confirmation && !window.confirm(confirmation.getAttribute("data-confirmation-console"))) {
    event.preventDefault();
  }
});
