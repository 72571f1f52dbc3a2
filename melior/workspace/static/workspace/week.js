// The week's entry grid by keyboard: Enter moves to the next figure (and from the last one to
// the save button) instead of sending the form half filled; the page opens on the first empty
// figure, or on the message after a save. A measure's figures are checked when focus leaves
// that measure (not each figure): the row comes back with its messages, and a row swapped
// while someone types in it would lose what they typed.
(function () {
  "use strict";
  function inputs() {
    return Array.prototype.slice.call(document.querySelectorAll(".week-form .week-input"));
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.key !== "Enter" || !target.classList || !target.classList.contains("week-input")) return;
    event.preventDefault();
    var all = inputs();
    var next = all[all.indexOf(target) + 1];
    (next || document.getElementById("week-save")).focus();
  });
  document.addEventListener("focusout", function (event) {
    var row = event.target.closest && event.target.closest(".week-row");
    if (!row || (event.relatedTarget && row.contains(event.relatedTarget))) return;
    if (window.htmx) window.htmx.trigger(row, "row-left");
  });
  document.addEventListener("DOMContentLoaded", function () {
    var message = document.getElementById("week-saved");
    var failed = document.getElementById("week-failed");
    if (failed) {
      var wrong = document.querySelector('.week-form [aria-invalid="true"]');
      (wrong || failed).focus();
    } else if (message) {
      message.focus();
    } else {
      var empty = inputs().filter(function (input) { return !input.value; })[0];
      if (empty) empty.focus();
    }
  });
})();
