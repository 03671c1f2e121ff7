// Save each answer as soon as it changes, and show the time left. Without script the form still
// submits everything at once; the server enforces the deadline either way.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz-form");
  if (!form) return;
  var token = form.querySelector("input[name=csrf_token]").value;

  function save(fieldset) {
    var name = fieldset.getAttribute("data-field");
    var status = fieldset.querySelector(".save-status");
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("question", fieldset.getAttribute("data-question"));
    Array.prototype.forEach.call(fieldset.querySelectorAll("[name='" + name + "']"), function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value !== "") data.append("value", input.value);
    });
    status.textContent = form.getAttribute("data-saving") || "…";
    fetch(form.getAttribute("data-save-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      status.textContent = response.ok ? "✓" : "!";
      if (response.status === 409) window.location.reload();
    }).catch(function () { status.textContent = "!"; });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question]");
    if (fieldset) save(fieldset);
  });

  var timer = document.querySelector(".quiz-timer");
  if (timer) {
    var deadline = Date.parse(timer.getAttribute("data-deadline"));
    var remaining = timer.querySelector(".quiz-remaining");
    var tick = function () {
      var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      remaining.textContent = "(" + Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0") + ")";
      if (seconds === 0) { form.submit(); return; }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
})();
