/* Reminders, made quicker where scripts run: a "Salin pesan" button that copies the message, and
   copying or opening WhatsApp records the reminder in the background. Without a script the page
   works as it is: select the text to copy it, and press "Tandai sudah diingatkan". */
(function () {
  "use strict";

  function record(form) {
    var status = form.closest("article").querySelector(".last-reminder");
    return fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                               headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data && status) { status.innerHTML = data.html; } })
      .catch(function () { /* the coordinator can still press "Tandai sudah diingatkan" */ });
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var done = document.execCommand("copy");
      document.body.removeChild(area);
      (done ? resolve : reject)();
    });
  }

  document.querySelectorAll("form.remind-form").forEach(function (form) {
    var button = form.querySelector("[data-copy]");
    var said = form.closest("article").querySelector(".copy-status");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var message = document.getElementById(button.getAttribute("data-copy"));
        copy(message.value).then(function () {
          said.textContent = button.getAttribute("data-done");
          record(form);
        }, function () {
          said.textContent = button.getAttribute("data-failed");
          message.select();
        });
      });
    }
    var whatsapp = form.querySelector("a[data-records]");
    if (whatsapp) {
      whatsapp.addEventListener("click", function () { record(form); });
    }
  });
}());
