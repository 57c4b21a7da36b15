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
  if (!busy.some((name) => form.classList.contains(name))) {
    unsavedNote(form)?.remove(); // htmx sends it now, and its answer is what the panel says
    return;
  }
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

// A save whose answer is not swapped in (403, 404, 5xx: htmx-config in base.html; or no
// answer at all) saved nothing the page knows of, and htmx says nothing. The agent is told
// beside the panel, which fields were not saved and why, and those fields show the values
// stored again (the panel's defaults, as the server last drew it): left as chosen, they
// would look saved, and the next change (the whole form) would send them unseen. A change
// queued behind it was made on the version the page still holds, so it is sent now, unless
// the refusal is about the agent or the incident (403, 404), which it would meet as well;
// then it is undone and named too. If the failed save did go through after all (no answer
// is not no save), the queued one meets a 412, which redraws the incident as stored.
const FAILED_SAVE = ["htmx:responseError", "htmx:sendError", "htmx:timeout", "htmx:sendAbort"];

function unsavedNote(form) {
  const before = form.previousElementSibling;
  return before && before.hasAttribute("data-panel-unsaved") ? before : null;
}

function storedValue(field) {
  if (field instanceof HTMLSelectElement) {
    const stored = [...field.options].find((o) => o.defaultSelected) || field.options[0];
    return stored ? stored.value : "";
  }
  return field.defaultValue;
}

function whyNotSaved(type, xhr) {
  if (type === "htmx:timeout") return "the server took too long to answer";
  if (type !== "htmx:responseError" || !xhr.status) {
    return "no answer from the server (is the network down?)";
  }
  const code = `${xhr.status}${xhr.statusText ? " " + xhr.statusText : ""}`;
  if (xhr.status === 403) return `you may not change this incident (${code})`;
  if (xhr.status === 404) return `the incident was not found (${code})`;
  if (xhr.status >= 500) return `the server failed (${code})`;
  return `the server answered ${code}`;
}

function fieldNames(fields) {
  const names = fields.map((field) => (field.labels[0] || field).textContent.trim() || field.name);
  return names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0];
}

FAILED_SAVE.forEach((type) => document.addEventListener(type, (event) => {
  const form = event.detail.elt;
  if (!queuesChanges(form) || !form.isConnected) return;
  const status = event.detail.xhr ? event.detail.xhr.status : 0;
  const queued = queuedChanges.get(form) || {};
  queuedChanges.delete(form);
  const resend = status === 403 || status === 404 ? {} : queued;
  const undone = [];
  for (const field of form.elements) {
    if (!field.name || field.type === "hidden" || field.name in resend) continue;
    const stored = storedValue(field);
    if (field.value === stored) continue;
    field.value = stored;
    undone.push(field);
  }
  // Once htmx has finished with the failed request (it clears the busy classes after this).
  if (Object.keys(resend).length) setTimeout(() => htmx.trigger(form, "change"));
  if (!undone.length && Object.keys(resend).length) return; // all it held goes again
  const note = unsavedNote(form) || document.createElement("ul");
  note.className = "messages";
  note.setAttribute("data-panel-unsaved", "");
  note.setAttribute("data-testid", "panel-unsaved");
  note.setAttribute("role", "alert");
  const line = document.createElement("li");
  line.className = "error";
  const what = undone.length ? `${fieldNames(undone)} not saved` : "Not saved";
  line.textContent = `${what}: ${whyNotSaved(type, event.detail.xhr || {})}. ` +
    "Reload to see the incident as stored.";
  note.replaceChildren(line);
  if (!note.isConnected) form.before(note);
}));

// A part of a form that applies only while one of its fields has one value
// (data-shown-for="approval=named_user": the catalog item's approver, its box and saved
// name) is hidden otherwise, and its fields disabled, so they are not sent either. The
// server draws it so (and reads no approver for another kind of approval).
function showPartsFor(form) {
  form.querySelectorAll("[data-shown-for]").forEach((part) => {
    const [name, value] = part.dataset.shownFor.split("=");
    const field = form.elements[name];
    if (!field) return;
    part.hidden = field.value !== value;
    part.querySelectorAll("input, select, textarea").forEach((input) => {
      input.disabled = part.hidden;
    });
  });
}

document.addEventListener("change", (event) => {
  if (event.target.form) showPartsFor(event.target.form);
});

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-shown-for]").forEach((part) => {
    if (part.closest("form")) showPartsFor(part.closest("form"));
  });
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
