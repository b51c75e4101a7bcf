/* Kelas KIM quiz page: save the answers on the server whenever one changes, so that leaving the
   page or losing the connection keeps them. Without this script the "Simpan jawaban" button does
   the same; the page works either way. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var status = document.getElementById("status-simpan");
  var timer = null;
  var saving = true;

  function save() {
    fetch(form.getAttribute("data-autosave"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (reply) {
        status.textContent = reply.message;
      });
    }).catch(function () {
      status.textContent = status.getAttribute("data-failed");
    });
  }

  function later(delay) {
    window.clearTimeout(timer);
    if (!saving) {
      return;
    }
    timer = window.setTimeout(save, delay);
  }

  form.addEventListener("submit", function () {
    // The page is leaving with every answer in the request: a save landing after it would only race it.
    window.clearTimeout(timer);
    saving = false;
  });
  form.addEventListener("change", function () { later(300); });
  form.addEventListener("input", function (event) {
    if (event.target.type === "text") {
      later(1500);  // typing: wait for a pause rather than send every letter
    }
  });
})();
