// Small behaviours shared by every page; no inline scripts (CSP forbids them).

// A form that htmx saves on every change and that its answer redraws (data-queue-changes:
// the ticket's side panel) keeps a change made while it is busy. htmx would lose it: a
// request queued on a form the answer then replaces is never sent (hx-sync's queues too),
// and the redrawn form listens only once it has settled. Such a change is carried onto the
// redrawn form and sent from there, on the version the answer carries, if that answer saved
// (2xx). Behind a refusal it is dropped: a 412 shows the incident as stored now and asks
// for the change again, a 400 the panel as it was sent and what was wrong with it.
const queuedChanges = new WeakMap(); // form -> {field name: value} changed while it was busy

function queuesChanges(elt) {
  return elt instanceof HTMLFormElement && elt.hasAttribute("data-queue-changes");
}

document.addEventListener("change", (event) => {
  const field = event.target;
  const form = field.form;
  if (!field.name || !queuesChanges(form)) return;
  const busy = [htmx.config.requestClass, htmx.config.addedClass];
  if (!busy.some((name) => form.classList.contains(name))) return; // htmx sends it now
  event.stopPropagation(); // in the capture phase: htmx never hears of it
  queuedChanges.set(form, { ...queuedChanges.get(form), [field.name]: field.value });
}, true);

document.addEventListener("htmx:afterSwap", (event) => {
  const redrawn = event.target;
  const before = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (!queuesChanges(redrawn) || !before || before === redrawn) return;
  const changes = queuedChanges.get(before);
  queuedChanges.delete(before);
  if (!changes || event.detail.xhr.status >= 300) return;
  // Every queued value must still be offered (a service retired meanwhile is not): a
  // select set to a value it lacks shows nothing and is left out of the form data. Then
  // nothing is sent and the panel shows the incident as stored, as after a refusal.
  const offered = (field, value) =>
    !(field instanceof HTMLSelectElement) || [...field.options].some((o) => o.value === value);
  const fields = Object.entries(changes).map(([name, value]) => [redrawn.elements[name], value]);
  if (fields.some(([field, value]) => !field || !offered(field, value))) return;
  let differs = false;
  for (const [field, value] of fields) {
    if (field.value !== value) [field.value, differs] = [value, true];
  }
  if (differs) queuedChanges.set(redrawn, changes);
});

// The redrawn form listens once settled: what was queued goes then, the whole form as shown.
document.addEventListener("htmx:load", (event) => {
  if (queuesChanges(event.target) && queuedChanges.delete(event.target)) {
    htmx.trigger(event.target, "change");
  }
});

document.addEventListener("DOMContentLoaded", () => {
  document.body.addEventListener("htmx:configRequest", (event) => {
    const token = document.querySelector("meta[name=csrf-token]");
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });
  document.querySelectorAll("[data-confirm]").forEach((el) => {
    el.addEventListener("click", (event) => {
      if (!window.confirm(el.dataset.confirm)) event.preventDefault();
    });
  });
  const selectAll = document.querySelector("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("change", () => {
      document.querySelectorAll("input[name=" + selectAll.dataset.selectAll + "]").forEach((box) => {
        box.checked = selectAll.checked;
      });
    });
  }
});
