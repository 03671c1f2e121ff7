// Save each answer as soon as it changes, and show the time left. Without script the form still
// submits everything at once; the server enforces the deadline either way.
(function () {
  "use strict";
  var form = document.querySelector("form.quiz-form");
  if (!form) return;
  var token = form.querySelector("input[name=csrf_token]").value;

  // Autosave is strictly ordered per question: at most one request is in flight for a question, and
  // changes made meanwhile are sent, as the question's latest values, once it has completed. Two quick
  // changes can then never reach the server out of order (the older answer winning). A queue in the
  // page is enough: only this page's requests can reorder each other, and the server applies them as
  // they arrive. After each save, the question's hidden "-saved" field records what the server holds, so
  // that submitting stores only the answers this page changed (see attempts.submit).
  var states = new WeakMap();

  function valuesOf(fieldset) {
    var name = fieldset.getAttribute("data-field");
    var values = [];
    Array.prototype.forEach.call(fieldset.querySelectorAll("[name='" + name + "']"), function (input) {
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) return;
      if (input.value !== "") values.push(input.value);
    });
    return values;
  }

  function savedField(fieldset) {
    return fieldset.querySelector("input[name='" + fieldset.getAttribute("data-field") + "-saved']");
  }

  function save(fieldset) {
    var state = states.get(fieldset);
    if (!state) { state = { busy: false, again: false }; states.set(fieldset, state); }
    var status = fieldset.querySelector(".save-status");
    status.textContent = form.getAttribute("data-saving") || "…";
    if (state.busy) { state.again = true; return; }  // sent when the request in flight completes
    state.busy = true;
    state.again = false;
    var values = valuesOf(fieldset);
    var data = new FormData();
    data.append("csrf_token", token);
    data.append("question", fieldset.getAttribute("data-question"));
    values.forEach(function (value) { data.append("value", value); });
    var done = function (ok) {
      state.busy = false;
      if (ok) savedField(fieldset).value = JSON.stringify(values);
      if (state.again && JSON.stringify(valuesOf(fieldset)) !== JSON.stringify(values)) { save(fieldset); return; }
      state.again = false;
      status.textContent = ok ? "✓" : "!";
    };
    fetch(form.getAttribute("data-save-url"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 409) { window.location.reload(); return; }
      done(response.ok);
    }).catch(function () { done(false); });
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
