// The collection form's conditions: add and remove rows, offer only the relations that suit the chosen field,
// and show the value control that fits it. Without this script the form keeps its fixed empty rows, and
// CSS (:has) still shows the right value control.

for (const rules of document.querySelectorAll("[data-rules]")) {
  const rows = rules.querySelector("[data-rule-rows]");
  const add = rules.querySelector("[data-rule-add]");
  const relations = JSON.parse(rules.dataset.relations || "{}");
  const max = Number(rules.dataset.max || 20);
  const placeholders = {
    tag: rules.dataset.placeholderTag, vendor: rules.dataset.placeholderVendor, price: rules.dataset.placeholderPrice,
  };
  let next = Math.max(-1, ...[...rows.querySelectorAll("[data-rule-field]")].map(
    (select) => Number(select.name.match(/-(\d+)-/)?.[1] ?? -1))) + 1;

  // Only the relations that make sense for the field ("is greater than" for a price, not for a tag).
  const fit = (row) => {
    const field = row.querySelector("[data-rule-field]").value;
    const relation = row.querySelector("[data-rule-relation]");
    const allowed = relations[field];
    for (const option of relation.options) {
      const ok = !allowed || allowed.includes(option.value);
      option.hidden = !ok;
      option.disabled = !ok;
    }
    if (allowed && !allowed.includes(relation.value)) relation.value = allowed[0];
    const value = row.querySelector("[data-rule-value]");
    value.placeholder = placeholders[field] || placeholders.tag;
    value.inputMode = field === "price" ? "decimal" : "text";
  };

  const renumber = () => {
    const all = [...rows.querySelectorAll("[data-rule-row]")];
    all.forEach((row, index) => {
      const legend = row.querySelector("[data-rule-legend]");
      if (legend) legend.textContent = rules.dataset.legend.replace("{n}", index + 1);
      const remove = row.querySelector("[data-rule-remove]");
      remove.hidden = false;
      remove.setAttribute("aria-label", `${remove.textContent.trim()}: ${legend?.textContent || ""}`);
    });
    add.hidden = all.length >= max;
  };

  const clear = (row) => {
    for (const control of row.querySelectorAll("input, select")) {
      control.value = control.tagName === "SELECT" ? control.options[0].value : "";
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
    }
    row.classList.remove("rule-row--error");
    row.querySelector(".field__error")?.remove();
  };

  rows.addEventListener("change", (event) => {
    if (event.target.matches("[data-rule-field]")) fit(event.target.closest("[data-rule-row]"));
  });
  rows.addEventListener("click", (event) => {
    const button = event.target.closest("[data-rule-remove]");
    if (!button) return;
    const row = button.closest("[data-rule-row]");
    const all = rows.querySelectorAll("[data-rule-row]");
    if (all.length === 1) clear(row);
    else {
      const neighbour = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      neighbour?.querySelector("[data-rule-field]")?.focus();
    }
    renumber();
  });
  add.addEventListener("click", () => {
    const template = rows.querySelector("[data-rule-row]:last-of-type");
    const row = template.cloneNode(true);
    const index = next++;
    for (const control of row.querySelectorAll("[name], [id], label[for]")) {
      for (const attribute of ["name", "id", "for"]) {
        const value = control.getAttribute(attribute);
        if (value) control.setAttribute(attribute, value.replace(/^rules-\d+-/, `rules-${index}-`));
      }
    }
    clear(row);
    rows.append(row);
    fit(row);
    renumber();
    row.querySelector("[data-rule-field]").focus();
  });

  rows.querySelectorAll("[data-rule-row]").forEach(fit);
  renumber();
  add.hidden = rows.querySelectorAll("[data-rule-row]").length >= max;
}
