// Storefront enhancements; every page works without them.
const picker = document.querySelector("[data-variant-picker]");
const data = document.querySelector("[data-variants]");
if (picker && data) {
  const { variants, sold_out: soldOut, add } = JSON.parse(data.textContent);
  const price = document.querySelector("[data-price-now]");
  const was = document.querySelector("[data-price-was]");
  const sale = document.querySelector("[data-sale]");
  const stock = document.querySelector("[data-stock]");
  const idField = document.querySelector("[data-variant-id]");
  const addButton = document.querySelector("[data-add]");
  const sku = document.querySelector("[data-sku]");
  const chosenValues = () => [...picker.querySelectorAll("[data-option]")].map((group) => {
    const control = group.matches("select") ? group : group.querySelector("input:checked");
    return control ? control.value : "";
  });
  // Mark the values that no variant offers together with the other chosen values.
  const markUnavailable = () => {
    const chosen = chosenValues();
    picker.querySelectorAll("[data-option]").forEach((group, index) => {
      group.querySelectorAll("input[type=radio]").forEach((input) => {
        const wanted = chosen.slice(); wanted[index] = input.value;
        const match = variants.find((v) => v.options.every((value, i) => value === wanted[i]));
        input.closest(".chip")?.classList.toggle("is-unavailable", !match || !match.available);
      });
    });
  };
  picker.addEventListener("change", () => {
    const chosen = chosenValues();
    const variant = variants.find((v) => v.options.every((value, i) => value === chosen[i]));
    markUnavailable();
    if (!variant) return;
    price.textContent = variant.price;
    was.textContent = variant.compare_at;
    was.hidden = sale.hidden = !variant.compare_at;
    stock.textContent = variant.availability;
    stock.classList.toggle("stock--out", !variant.available);
    idField.value = variant.id;
    if (sku) sku.textContent = variant.sku;
    addButton.disabled = !variant.available;
    addButton.textContent = variant.available ? add : soldOut;
    if (variant.image) {
      document.querySelectorAll("[data-image-id]").forEach((figure) => {
        const current = figure.dataset.imageId === variant.image;
        figure.classList.toggle("is-current", current);
        if (current && figure.parentElement.scrollWidth > figure.parentElement.clientWidth) {
          figure.parentElement.scrollTo({ left: figure.offsetLeft - figure.parentElement.offsetLeft, behavior: "smooth" });
        }
      });
    }
    const url = new URL(window.location.href);
    url.searchParams.delete("option1"); url.searchParams.delete("option2"); url.searchParams.delete("option3");
    url.searchParams.set("variant", variant.id);
    history.replaceState(null, "", url);
  });
  markUnavailable();
}

for (const form of document.querySelectorAll("[data-autosubmit-form]")) {
  form.querySelector("select[name=sort]")?.addEventListener("change", () => form.submit());
}

// Close the phone menu with Escape, returning focus to its toggle.
for (const menu of document.querySelectorAll("details.site-nav--narrow")) {
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
}

// The cart count and "Add to cart" without a page load. Pages are cached for everyone, so what is the
// visitor's own comes from /cart.json after the page has loaded.
const cartCount = document.querySelectorAll("[data-cart-count]");
const showCount = (count) => cartCount.forEach((badge) => { badge.textContent = count; badge.hidden = !count; });
if (cartCount.length) {
  fetch("/cart.json", { headers: { Accept: "application/json" }, credentials: "same-origin" })
    .then((response) => (response.ok ? response.json() : null))
    .then((cart) => cart && showCount(cart.count))
    .catch(() => {});
}
for (const form of document.querySelectorAll("[data-add-to-cart]")) {
  const status = document.createElement("p");
  status.className = "add-to-cart__status";
  status.setAttribute("role", "status");
  form.append(status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("[data-add]");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST", body: new FormData(form), headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const answer = await response.json();
      status.classList.toggle("is-error", !answer.ok);
      if (answer.ok) {
        showCount(answer.count);
        status.innerHTML = "";
        const link = document.createElement("a");
        link.href = "/cart";
        link.textContent = answer.message;
        status.append(link);
      } else {
        status.textContent = answer.error;
      }
    } catch {
      form.submit();  // the network failed: let the browser post the form as it would without this script
    } finally {
      button.disabled = false;
    }
  });
}

// Checkout: the shipping options and the order summary follow the address and the chosen option without a
// page load. Without this script the "Update shipping options" button does the same with a round trip.
const checkout = document.querySelector("[data-checkout]");
if (checkout) {
  const options = checkout.querySelector("[data-shipping-options]");
  const summary = document.querySelector("[data-checkout-summary]");
  const province = checkout.querySelector("[data-province]");
  const status = document.querySelector("[data-checkout-status]");
  checkout.querySelector("[data-refresh-shipping]")?.setAttribute("hidden", "");
  const watched = ["country", "province", "city", "district", "postal_code", "shipping_option"];
  let timer;
  let latest = 0;
  const refresh = async () => {
    const asked = ++latest;
    const data = new FormData(checkout);
    const params = new URLSearchParams();
    for (const name of [...watched, "email"]) params.set(name, data.get(name) || "");
    try {
      const response = await fetch(`${checkout.dataset.summaryUrl}?${params}`, {
        headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const answer = await response.json();
      if (asked !== latest || !answer.ok) return;
      options.innerHTML = answer.shipping;
      summary.innerHTML = answer.summary;
      if (status) status.textContent = status.dataset.updated;
    } catch {
      // keep what is shown: placing the order prices it again on the server anyway
    }
  };
  checkout.addEventListener("input", (event) => {
    if (["city", "district", "postal_code"].includes(event.target.name)) {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    }
  });
  checkout.addEventListener("change", (event) => {
    if (event.target.name === "country" && province) province.hidden = event.target.value !== "ID";
    if (watched.includes(event.target.name)) refresh();
  });
}
