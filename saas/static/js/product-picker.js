// Product pickers: a list of products to link to (a menu item, a theme section) starts with a few hundred of
// them; the search box beside it, shown by this script, fetches the store's matches however many it has.
// The box has no name, so forms never post it, and its typing doesn't count as a change to the form.
const timers = new WeakMap();

const optionsFor = (select, prefix) => {
  // A menu's list groups products under their own heading; a section's list is all products.
  return prefix ? select.querySelector("optgroup[data-products]") : select;
};

const fill = (box, products) => {
  const select = box.parentElement.querySelector("select");
  const prefix = box.dataset.prefix || "";
  let holder = optionsFor(select, prefix);
  if (!holder) {
    holder = document.createElement("optgroup");
    holder.label = box.dataset.groupLabel || "";
    holder.dataset.products = "";
    select.append(holder);
  }
  for (const option of [...holder.querySelectorAll("option")]) {
    if (option.value.startsWith(prefix) && option.value !== prefix && !option.selected && option.value !== "") option.remove();
  }
  const kept = new Set([...holder.querySelectorAll("option")].map((option) => option.value));
  for (const product of products) {
    const value = prefix + product.id;
    if (kept.has(value)) continue;
    holder.append(new Option(product.title, value));
  }
  const status = box.parentElement.querySelector("[data-product-search-status]");
  if (status) status.textContent = box.dataset.found.replace("{n}", products.length);
};

const search = async (box) => {
  const url = new URL(box.dataset.lookup, window.location.href);
  url.searchParams.set("q", box.value.trim());
  if (box.dataset.activeOnly) url.searchParams.set("active", "1");
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) return;
  const answer = await response.json();
  if (box.value.trim() === url.searchParams.get("q")) fill(box, answer.products);
};

// A menu item's box shows while it links to a product or to nothing yet; a section's product box always shows.
const showFor = (box) => {
  const select = box.parentElement.querySelector("select");
  const prefix = box.dataset.prefix || "";
  box.hidden = Boolean(prefix) && select.value !== "" && !select.value.startsWith(prefix);
};

for (const box of document.querySelectorAll("[data-product-search]")) showFor(box);

document.addEventListener("change", (event) => {
  if (event.target.tagName !== "SELECT") return;
  const box = event.target.parentElement.querySelector("[data-product-search]");
  if (box) showFor(box);
});

document.addEventListener("input", (event) => {
  const box = event.target.closest ? event.target.closest("[data-product-search]") : null;
  if (!box) return;
  event.stopPropagation();  // the theme editor saves a form on its input events; searching changes nothing
  clearTimeout(timers.get(box));
  timers.set(box, setTimeout(() => search(box), 250));
}, true);
