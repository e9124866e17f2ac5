// Product pages: bulk selection, saving one variant row without a reload, image drag and drop, rich text.
// Every form here also works without this script.

const csrfToken = () => document.querySelector("input[name=csrf_token]")?.value || "";

// Bulk actions on the product list
for (const form of document.querySelectorAll("form[data-bulk]")) {
  const all = form.querySelector("[data-select-all]");
  const boxes = () => [...form.querySelectorAll("input[name=product_ids]")];
  const count = form.querySelector("[data-bulk-count]");
  const total = count?.textContent;
  const update = () => {
    const chosen = boxes().filter((box) => box.checked).length;
    if (count) count.textContent = chosen ? `${chosen} ✓` : total;
    if (all) all.checked = chosen > 0 && chosen === boxes().length;
  };
  all?.addEventListener("change", () => { boxes().forEach((box) => { box.checked = all.checked; }); update(); });
  form.addEventListener("change", (event) => { if (event.target.name === "product_ids") update(); });
  const action = form.querySelector("[data-bulk-action]");
  const showFor = () => {
    for (const extra of form.querySelectorAll("[data-bulk-for]")) {
      extra.hidden = !extra.dataset.bulkFor.split(" ").includes(action.value);
    }
  };
  action?.addEventListener("change", showFor);
  if (action) showFor();
}

// One variant row saves on its own, and only that row changes on the page
for (const form of document.querySelectorAll("form[data-variant-form]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const row = document.querySelector(`[data-variant-row="${form.id}"]`);
    const status = row?.querySelector("[data-row-status]");
    const button = row?.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    if (status) status.textContent = "…";
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: { Accept: "application/json" },
      });
      const answer = await response.json();
      // Error messages sit under their input; they are made here when first needed (the page ships none).
      row.querySelectorAll("[data-error-for]").forEach((slot) => slot.remove());
      for (const [name, message] of Object.entries(answer.errors || {})) {
        const input = row.querySelector(`[name$="-${name}"]`);
        if (!input) continue;
        const slot = document.createElement("p");
        slot.className = "field__error";
        slot.dataset.errorFor = name;
        slot.setAttribute("role", "alert");
        slot.textContent = message;
        input.after(slot);
      }
      for (const input of row.querySelectorAll("input, select")) {
        const name = input.name.split("-").pop();
        if (answer.errors?.[name]) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
      row.classList.toggle("variant-table__row--error", !answer.ok);
      if (answer.ok) {
        for (const [name, value] of Object.entries(answer.variant)) {
          const input = row.querySelector(`input[name$="-${name}"]`);
          if (input && typeof value !== "object") input.value = value;
        }
        if (status) status.textContent = answer.message;
      } else if (status) {
        status.textContent = "";
      }
    } catch {
      form.submit();  // fall back to a normal post if the request itself failed
    } finally {
      if (button) button.disabled = false;
    }
  });
}

// Images: drag to reorder (the arrow buttons remain the keyboard and no-script way)
for (const list of document.querySelectorAll("[data-image-list]")) {
  document.querySelectorAll(".js-only").forEach((el) => { el.hidden = false; });
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("li");
    dragged?.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
  });
  list.addEventListener("dragover", (event) => {
    event.preventDefault();
    const over = event.target.closest("li");
    if (!dragged || !over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = (event.clientY - box.top) / box.height > 0.5 || (event.clientX - box.left) / box.width > 0.5;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("dragend", async () => {
    dragged?.classList.remove("is-dragging");
    dragged = null;
    const ids = [...list.querySelectorAll("li")].map((item) => item.dataset.id);
    const response = await fetch(list.dataset.orderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": list.dataset.csrf },
      body: JSON.stringify({ ids }),
    });
    if (response.ok) {
      list.querySelectorAll("li").forEach((item, index, items) => {
        item.querySelector("button[value=up]").disabled = index === 0;
        item.querySelector("button[value=down]").disabled = index === items.length - 1;
      });
    }
  });
}

for (const button of document.querySelectorAll("[data-confirm-click]")) {
  button.addEventListener("click", (event) => { if (!window.confirm(button.dataset.confirmClick)) event.preventDefault(); });
}

// A small rich-text editor over the description's textarea; the textarea keeps the HTML that is posted
for (const textarea of document.querySelectorAll("textarea[data-richtext]")) {
  const editor = document.createElement("div");
  editor.className = "richtext__area field__input";
  editor.contentEditable = "true";
  editor.setAttribute("role", "textbox");
  editor.setAttribute("aria-multiline", "true");
  editor.setAttribute("aria-labelledby", `${textarea.id}-label`);
  textarea.labels?.[0]?.setAttribute("id", `${textarea.id}-label`);
  editor.innerHTML = textarea.value;
  const toolbar = document.createElement("div");
  toolbar.className = "richtext__toolbar";
  toolbar.setAttribute("role", "toolbar");
  const buttons = [
    ["bold", "B", textarea.dataset.labelBold || "Bold"],
    ["italic", "I", textarea.dataset.labelItalic || "Italic"],
    ["insertUnorderedList", "•", textarea.dataset.labelList || "List"],
    ["formatBlock", "H", textarea.dataset.labelHeading || "Heading"],
    ["createLink", textarea.dataset.labelLink || "Link", textarea.dataset.labelLink || "Link"],
  ];
  for (const [command, text, label] of buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn--small btn--ghost";
    button.textContent = text;
    button.setAttribute("aria-label", label);
    button.addEventListener("click", () => {
      editor.focus();
      if (command === "createLink") {
        const url = window.prompt(label, "https://");
        if (url) document.execCommand(command, false, url);
      } else {
        document.execCommand(command, false, command === "formatBlock" ? "h3" : null);
      }
      textarea.value = editor.innerHTML;
    });
    toolbar.append(button);
  }
  const wrapper = document.createElement("div");
  wrapper.className = "richtext";
  wrapper.append(toolbar, editor);
  textarea.hidden = true;
  textarea.after(wrapper);
  editor.addEventListener("input", () => { textarea.value = editor.innerHTML; });
}
