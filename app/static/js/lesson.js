// Record a lesson as complete when the reader reaches its end; the button still works without script.
(function () {
  "use strict";
  var form = document.querySelector("form[data-auto-complete]");
  var end = document.getElementById("lesson-end");
  if (!form || !end || !("IntersectionObserver" in window)) return;
  var sent = false;
  var observer = new IntersectionObserver(function (entries) {
    if (sent || !entries.some(function (e) { return e.isIntersecting; })) return;
    sent = true;
    observer.disconnect();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { sent = false; return; }
      form.classList.add("d-none");
      var status = document.querySelector("[data-lesson-status]");
      if (status) status.classList.remove("d-none");
    });
  }, { threshold: 1.0 });
  // Wait a moment so that opening a short lesson is not counted as reading it.
  window.setTimeout(function () { observer.observe(end); }, 4000);
})();
