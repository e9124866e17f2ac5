// The menu editor: move, nest and remove items in place (the same rules as the server applies to the
// buttons without JavaScript), drag items by their handle (pointer events, so fingers work too), and show
// the web-address box only for "Web address" links. Nothing is saved until "Save menu".

const form = document.querySelector("[data-menu-editor]");

if (form) {
  const list = form.querySelector("[data-menu-rows]");
  const status = form.querySelector("[data-menu-status]");
  const rows = () => [...list.querySelectorAll(":scope > [data-menu-row]")];
  const depth = (row) => Number(row.querySelector("[data-depth]").value);
  const setDepth = (row, value) => {
    row.querySelector("[data-depth]").value = String(value);
    row.classList.toggle("menu-row--nested", value === 1);
  };
  // A top-level item and the items nested under it move together.
  const block = (row) => {
    const items = [row];
    if (depth(row) === 1) return items;
    let next = row.nextElementSibling;
    while (next && depth(next) === 1) { items.push(next); next = next.nextElementSibling; }
    return items;
  };
  let dirty = false;

  const showUrl = (row) => {
    const select = row.querySelector("[data-link]");
    const field = row.querySelector("[data-url-field]");
    if (!select || !field) return;
    const isUrl = select.value === "url";
    field.hidden = !isUrl && !field.classList.contains("field--error");
    row.querySelector("[data-url-hint]")?.toggleAttribute("hidden", isUrl);
  };

  // Ids, labels and the buttons' states follow the rows' new places.
  const refresh = () => {
    const all = rows();
    all.forEach((row, index) => {
      row.id = `row-${index}`;
      for (const element of row.querySelectorAll("[id^=item-]")) {
        const old = element.id;
        element.id = old.replace(/^item-\d+-/, `item-${index}-`);
        row.querySelector(`label[for="${old}"]`)?.setAttribute("for", element.id);
      }
      for (const element of row.querySelectorAll("[aria-describedby]")) {
        element.setAttribute("aria-describedby", element.getAttribute("aria-describedby").replace(/item-\d+-/g, `item-${index}-`));
      }
      for (const button of row.querySelectorAll("[data-op]")) button.value = `${button.dataset.op}-${index}`;
      const nested = depth(row) === 1;
      const hasChildren = !nested && row.nextElementSibling && depth(row.nextElementSibling) === 1;
      const previousTop = all.slice(0, index).reverse().find((other) => depth(other) === 0);
      const nextTop = all.slice(index + 1).find((other) => depth(other) === 0);
      const op = (name) => row.querySelector(`[data-op=${name}]`);
      op("indent").disabled = nested || index === 0 || hasChildren;
      op("outdent").disabled = !nested;
      if (nested) {
        op("up").disabled = !(row.previousElementSibling && depth(row.previousElementSibling) === 1);
        op("down").disabled = !(row.nextElementSibling && depth(row.nextElementSibling) === 1);
      } else {
        op("up").disabled = !previousTop;
        op("down").disabled = !nextTop;
      }
    });
  };

  const changed = () => {
    refresh();
    dirty = true;
    if (status) status.textContent = form.dataset.unsaved;
    form.classList.add("is-dirty");
  };

  const apply = (row, action) => {
    const all = rows();
    const index = all.indexOf(row);
    if (action === "remove") {
      const items = block(row);
      if (items.length > 1 && !window.confirm(form.dataset.removeGroup)) return;
      items.slice(1).forEach((child) => setDepth(child, 0));
      const focusAfter = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      changed();
      (focusAfter?.querySelector("input[name=title]") || form.querySelector("[data-menu-add]"))?.focus();
      return;
    }
    if (action === "indent" && !(depth(row) === 1 || index === 0 || block(row).length > 1)) setDepth(row, 1);
    if (action === "outdent" && depth(row) === 1) {
      let last = row;
      while (last.nextElementSibling && depth(last.nextElementSibling) === 1) last = last.nextElementSibling;
      last.after(row);
      setDepth(row, 0);
    }
    if (action === "up" || action === "down") {
      if (depth(row) === 1) {
        const sibling = action === "up" ? row.previousElementSibling : row.nextElementSibling;
        if (sibling && depth(sibling) === 1) {
          if (action === "up") sibling.before(row); else sibling.after(row);
        }
      } else {
        const items = block(row);
        if (action === "up") {
          const previous = all.slice(0, index).reverse().find((other) => depth(other) === 0);
          if (previous) previous.before(...items);
        } else {
          const next = all.slice(index + 1).find((other) => depth(other) === 0);
          if (next) block(next).at(-1).after(...items);
        }
      }
    }
    changed();
    const again = row.querySelector(`[data-op=${action}]`);
    (again && !again.disabled ? again : row.querySelector("[data-op]:not(:disabled)"))?.focus();
  };

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-op]");
    if (!button) return;
    event.preventDefault();
    apply(button.closest("[data-menu-row]"), button.dataset.op);
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("[data-link]")) showUrl(event.target.closest("[data-menu-row]"));
    if (event.target.closest("[data-menu-rows]")) changed();
  });
  form.addEventListener("input", (event) => {
    if (event.target.closest("[data-menu-rows]")) changed();
  });

  // Dragging by the handle: the item (with its nested items) follows the pointer's row.
  let dragged = null;
  list.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest("[data-menu-handle]");
    if (!handle || event.button !== 0) return;
    event.preventDefault();
    const row = handle.closest("[data-menu-row]");
    dragged = block(row);
    dragged.forEach((item) => item.classList.add("is-dragging"));
    handle.setPointerCapture(event.pointerId);
  });
  list.addEventListener("pointermove", (event) => {
    if (!dragged) return;
    const over = document.elementsFromPoint(event.clientX, event.clientY)
      .map((element) => element.closest?.("[data-menu-rows] > [data-menu-row]"))
      .find((item) => item && !dragged.includes(item) && item.parentElement === list);
    if (over) {
      const box = over.getBoundingClientRect();
      const below = event.clientY > box.top + box.height / 2;
      if (below) {
        // A top-level item lands after the whole group it passes, not inside it.
        let anchor = over;
        if (depth(dragged[0]) === 0) while (anchor.nextElementSibling && depth(anchor.nextElementSibling) === 1 && !dragged.includes(anchor.nextElementSibling)) anchor = anchor.nextElementSibling;
        if (anchor.nextElementSibling !== dragged[0]) anchor.after(...dragged);
      } else {
        let anchor = over;
        if (depth(dragged[0]) === 0) while (anchor && depth(anchor) === 1) anchor = anchor.previousElementSibling;
        if (anchor && anchor.previousElementSibling !== dragged.at(-1)) anchor.before(...dragged);
      }
    }
    if (event.clientY < 60) window.scrollBy(0, -12);
    else if (event.clientY > window.innerHeight - 60) window.scrollBy(0, 12);
  });
  const drop = () => {
    if (!dragged) return;
    dragged.forEach((item) => item.classList.remove("is-dragging"));
    const first = rows()[0];
    if (first && depth(first) === 1) setDepth(first, 0);
    dragged = null;
    changed();
  };
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);
  list.addEventListener("keydown", (event) => {
    const handle = event.target.closest("[data-menu-handle]");
    if (!handle || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
    event.preventDefault();
    apply(handle.closest("[data-menu-row]"), event.key === "ArrowUp" ? "up" : "down");
    handle.focus();
  });

  window.addEventListener("beforeunload", (event) => {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  form.addEventListener("submit", () => { dirty = false; });

  document.querySelectorAll(".js-only").forEach((element) => { element.hidden = false; });
  list.querySelectorAll("[data-menu-handle]").forEach((handle) => { handle.hidden = false; });
  form.querySelectorAll("[data-menu-row]").forEach(showUrl);
  list.classList.add("is-sortable");
  refresh();
}
