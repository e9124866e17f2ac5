// Reorder a list by dragging its handles (mouse, pen or finger: pointer events, not HTML5 drag and drop,
// which phones don't support), by the arrow keys on a handle, or by the up/down buttons. The new order is
// posted as {"ids": [...]} to data-order-url. Without this script the up/down buttons post their own form.

const post = async (list, ids) => {
  const response = await fetch(list.dataset.orderUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": list.dataset.csrf },
    body: JSON.stringify({ ids }),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
};

for (const list of document.querySelectorAll("[data-sortable]")) {
  const items = () => [...list.querySelectorAll(":scope > li")];
  const status = list.parentElement.querySelector("[data-sortable-status]");
  let saved = items().map((item) => item.dataset.id).join();

  document.querySelectorAll(".js-only").forEach((element) => { element.hidden = false; });
  list.querySelectorAll("[data-sortable-handle]").forEach((handle) => { handle.hidden = false; });
  list.classList.add("is-sortable");

  const refresh = () => {
    items().forEach((item, index, all) => {
      const position = item.querySelector(".member__position");
      if (position) position.textContent = index + 1;
      const up = item.querySelector("[data-move=up]");
      const down = item.querySelector("[data-move=down]");
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === all.length - 1;
    });
  };

  const save = async () => {
    refresh();
    const ids = items().map((item) => item.dataset.id);
    if (ids.join() === saved) return;
    list.setAttribute("aria-busy", "true");
    try {
      const answer = await post(list, ids);
      saved = ids.join();
      if (status) status.textContent = answer.message || list.dataset.saved;
      list.dataset.state = "saved";
      list.dispatchEvent(new CustomEvent("sortable:saved", { detail: { ids } }));
    } catch {
      if (status) status.textContent = list.dataset.failed;
      list.dataset.state = "failed";
      window.alert(list.dataset.failed);
    } finally {
      list.removeAttribute("aria-busy");
    }
  };

  // Dragging by the handle: the item follows the pointer's row, and the order is saved on release.
  let dragged = null;
  list.addEventListener("pointerdown", (event) => {
    const handle = event.target.closest("[data-sortable-handle]");
    if (!handle || event.button !== 0) return;
    event.preventDefault();
    dragged = handle.closest("li");
    dragged.classList.add("is-dragging");
    handle.setPointerCapture(event.pointerId);
  });
  list.addEventListener("pointermove", (event) => {
    if (!dragged) return;
    const over = document.elementsFromPoint(event.clientX, event.clientY)
      .map((element) => element.closest?.("[data-sortable] > li"))
      .find((item) => item && item !== dragged && item.parentElement === list);
    if (!over) return;
    const box = over.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    if (after && over.nextElementSibling !== dragged) over.after(dragged);
    else if (!after && over.previousElementSibling !== dragged) over.before(dragged);
    // Near the window's edges, scroll so a long list can be dragged end to end on a phone.
    if (event.clientY < 60) window.scrollBy(0, -12);
    else if (event.clientY > window.innerHeight - 60) window.scrollBy(0, 12);
  });
  const drop = () => {
    if (!dragged) return;
    dragged.classList.remove("is-dragging");
    dragged = null;
    save();
  };
  list.addEventListener("pointerup", drop);
  list.addEventListener("pointercancel", drop);

  // The keyboard: arrow keys on a focused handle move its item.
  list.addEventListener("keydown", (event) => {
    const handle = event.target.closest("[data-sortable-handle]");
    if (!handle || !["ArrowUp", "ArrowDown"].includes(event.key)) return;
    event.preventDefault();
    const item = handle.closest("li");
    const sibling = event.key === "ArrowUp" ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    if (event.key === "ArrowUp") sibling.before(item);
    else sibling.after(item);
    handle.focus();
    save();
  });

  // The up/down buttons move the item in place instead of reloading the page.
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    event.preventDefault();
    const item = button.closest("li");
    const up = button.dataset.move === "up";
    const sibling = up ? item.previousElementSibling : item.nextElementSibling;
    if (!sibling) return;
    if (up) sibling.before(item);
    else sibling.after(item);
    save();
    const again = item.querySelector(`[data-move=${button.dataset.move}]`);
    (again.disabled ? item.querySelector("[data-move]:not(:disabled)") : again)?.focus();
  });
}
