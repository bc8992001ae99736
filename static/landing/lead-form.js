// The landing's lead form with JavaScript: send the fields to /api/leads as JSON and show the result in place.
// Without JavaScript (or if this script fails) the form posts to /lead and the server answers with a page.
(function () {
  "use strict";
  var form = document.getElementById("lead-form");
  if (!form || !window.fetch || !window.FormData) return;
  var thanks = document.getElementById("lead-thanks");
  var button = form.querySelector("button[type=submit]");
  var formError = form.querySelector("[data-form-error]");

  function clearErrors() {
    form.querySelectorAll("[data-error-for]").forEach(function (el) { el.textContent = ""; });
    form.querySelectorAll(".field--bad").forEach(function (el) { el.classList.remove("field--bad"); });
    formError.hidden = true;
    formError.textContent = "";
  }

  function showErrors(errors) {
    var first = null;
    Object.keys(errors || {}).forEach(function (name) {
      var slot = form.querySelector('[data-error-for="' + name + '"]');
      var text = [].concat(errors[name]).join(" ");
      if (!slot) { showFormError(text); return; }
      slot.textContent = text;
      var box = slot.closest(".field, fieldset");
      if (box) box.classList.add("field--bad");
      first = first || box;
    });
    if (first) {
      var input = first.querySelector("input, textarea");
      if (input) input.focus();
    }
  }

  function showFormError(text) {
    formError.textContent = text;
    formError.hidden = false;
  }

  function payload() {
    var data = new FormData(form);
    var body = {};
    data.forEach(function (value, key) {
      if (key === "csrfmiddlewaretoken" || key === "marketplaces") return;
      body[key] = value;
    });
    body.marketplaces = data.getAll("marketplaces");
    body.consent = form.elements.consent.checked;
    return body;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    button.disabled = true;
    fetch(form.getAttribute("data-api"), {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      credentials: "omit",
      body: JSON.stringify(payload())
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 201) {
          thanks.querySelector("[data-thanks-text]").textContent = body.detail || thanks.textContent;
          form.hidden = true;
          thanks.hidden = false;
          thanks.focus();
          if (window.ym && form.dataset.metrika) window.ym(+form.dataset.metrika, "reachGoal", "lead");
          return;
        }
        if (response.status === 400 && body.errors) {
          showFormError("Проверьте поля, отмеченные красным.");
          showErrors(body.errors);
        } else {
          showFormError(body.detail || "Не удалось отправить заявку. Попробуйте ещё раз.");
        }
        button.disabled = false;
      });
    }).catch(function () {
      // The network or the API failed: fall back to the plain form post, which shows the server's page.
      form.submit();
    });
  });
})();
