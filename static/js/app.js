// Small behaviours shared by every page; no inline scripts (CSP forbids them).
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
