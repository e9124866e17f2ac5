// The theme editor: a change to a setting is saved to the draft and the preview reloads, within a second,
// without reloading the editor. Without this script every form posts and the page comes back.
const preview = document.querySelector("[data-preview]");
const status = document.querySelector("[data-editor-status]");
// The preview is on the store's own host (another origin), so it is reloaded by setting its address again.
const reloadPreview = () => {
  if (!preview) return;
  const url = new URL(preview.src);
  url.searchParams.set("_", Date.now().toString());
  preview.src = url.toString();
};

const save = async (form) => {
  if (status) status.textContent = "…";
  const body = new FormData(form);
  body.set("action", form.querySelector("input[name=action]").value);
  // form.action would be the input named "action", not the URL
  const response = await fetch(form.getAttribute("action"), { method: "POST", body, headers: { Accept: "application/json" } });
  const answer = await response.json();
  if (status) status.textContent = answer.ok ? answer.message : answer.error;
  if (answer.ok) reloadPreview();
  for (const input of form.querySelectorAll("input[type=file]")) input.value = "";
};

for (const form of document.querySelectorAll("form[data-live-form]")) {
  let timer;
  const soon = () => { clearTimeout(timer); timer = setTimeout(() => save(form), 350); };
  form.addEventListener("input", (event) => { if (event.target.type !== "file") soon(); });
  form.addEventListener("change", (event) => { if (event.target.type === "file" || event.target.tagName === "SELECT") soon(); });
  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (button && button.name === "action") return;  // structure changes (blocks, removal) post normally
    event.preventDefault();
    clearTimeout(timer);
    save(form);
  });
}

for (const list of document.querySelectorAll("[data-sortable]")) {
  list.addEventListener("sortable:saved", reloadPreview);
}

for (const button of document.querySelectorAll("[data-confirm-click]")) {
  button.addEventListener("click", (event) => { if (!window.confirm(button.dataset.confirmClick)) event.preventDefault(); });
}
