/* The lesson editor, made quicker where scripts run: "Sisipkan" puts a course file's Markdown where the
   cursor is in the lesson text. Without a script the same Markdown is shown to copy. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-insert]").forEach(function (button) {
    var area = document.getElementById(button.getAttribute("data-into"));
    if (!area) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-insert");
      var start = area.selectionStart, end = area.selectionEnd;
      var before = area.value.slice(0, start), after = area.value.slice(end);
      // An image is a paragraph of its own: blank lines around it unless they are there already.
      var lead = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
      var tail = after === "" || /^\n\n/.test(after) ? "" : (/^\n/.test(after) ? "\n" : "\n\n");
      area.value = before + lead + text + tail + after;
      var caret = (before + lead + text).length;
      area.focus();
      area.setSelectionRange(caret, caret);
    });
  });
}());
