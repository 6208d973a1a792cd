// Adds a "Print this sheet" button to the appointment sheet. Optional: the page works fully
// without it (the browser's own Print command does the same). An external file, not inline
// script, so a strict Content-Security-Policy still holds.
(function () {
  "use strict";
  var slot = document.querySelector("[data-print-label]");
  if (!slot || typeof window.print !== "function") {
    return;
  }
  var button = document.createElement("button");
  button.type = "button";
  button.className = "sheet__print-button";
  button.textContent = slot.getAttribute("data-print-label");
  button.addEventListener("click", function () {
    window.print();
  });
  slot.appendChild(button);
  slot.hidden = false;
})();
