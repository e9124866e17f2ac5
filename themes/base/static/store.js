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
// The mini-cart: a drawer over the page with the cart's lines, opened from the header and after adding.
// Without this script (or <dialog>), the header link simply goes to /cart.
const drawer = document.querySelector("[data-mini-cart]");
const miniCart = drawer && typeof drawer.showModal === "function" ? (() => {
  const list = drawer.querySelector("[data-mini-cart-lines]");
  const empty = drawer.querySelector("[data-mini-cart-empty]");
  const foot = drawer.querySelector("[data-mini-cart-foot]");
  const status = drawer.querySelector("[data-mini-cart-status]");
  const checkoutLink = drawer.querySelector("[data-mini-cart-checkout]");
  const words = drawer.dataset;
  const element = (tag, className, text) => {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text !== undefined) made.textContent = text;
    return made;
  };
  const button = (text, label, send) => {
    const made = element("button", "", text);
    made.type = "button";
    if (label) made.setAttribute("aria-label", label);
    made.addEventListener("click", send);
    return made;
  };
  const render = (cart) => {
    showCount(cart.count);
    list.replaceChildren(...cart.items.map((item) => {
      const row = element("li", "mini-cart__line");
      if (item.image) {
        const picture = element("img");
        Object.assign(picture, { src: item.image, alt: "", width: 64, height: 64, loading: "lazy" });
        row.append(picture);
      } else {
        row.append(element("span", "mini-cart__blank"));
      }
      const title = element(item.url ? "a" : "span", "mini-cart__title", item.title);
      if (item.url) title.href = item.url;
      row.append(title, element("span", "mini-cart__total", item.total));
      const controls = element("div", "mini-cart__controls");
      const quantity = element("output", "", String(item.quantity));
      const set = (n) => change({ [`quantity-${item.id}`]: String(n) });
      const less = button("−", `${words.less}: ${item.title}`, () => set(item.quantity - 1));
      const more = button("+", `${words.more}: ${item.title}`, () => set(item.quantity + 1));
      more.disabled = item.quantity >= item.max;
      controls.append(less, quantity, more,
        Object.assign(button(words.remove, `${words.remove}: ${item.title}`, () => change({ remove: item.id })),
          { className: "mini-cart__remove" }));
      row.append(controls);
      if (item.problem) row.append(element("p", "mini-cart__problem", item.problem));
      return row;
    }));
    empty.hidden = cart.items.length > 0;
    foot.hidden = cart.items.length === 0;
    drawer.querySelector("[data-mini-cart-subtotal]").textContent = cart.subtotal;
    checkoutLink.hidden = !cart.can_check_out;
  };
  const change = async (fields) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(fields)) body.append(name, value);
    try {
      const response = await fetch("/cart/change", {
        method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
      });
      const cart = await response.json();
      render(cart);
      status.textContent = cart.ok ? "" : cart.error;
    } catch {
      window.location.href = "/cart";
    }
  };
  const open = async () => {
    const response = await fetch("/cart.json", { headers: { Accept: "application/json" }, credentials: "same-origin" });
    render(await response.json());
    status.textContent = "";
    if (!drawer.open) drawer.showModal();
  };
  drawer.querySelector("[data-mini-cart-close]").addEventListener("click", () => drawer.close());
  drawer.addEventListener("click", (event) => { if (event.target === drawer) drawer.close(); });  // the backdrop
  for (const link of document.querySelectorAll("[data-mini-cart-open]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      open().catch(() => { window.location.href = link.href; });
    });
  }
  return { open };
})() : null;

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
        miniCart?.open().catch(() => {});
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

// Related products: the product page is built without them, and the section comes on its own (cached like any
// page) as it nears the screen. Without this script the page simply ends after the product.
const previewToken = new URLSearchParams(window.location.search).get("preview");
for (const slot of document.querySelectorAll("[data-recommendations]")) {
  const fill = async () => {
    const url = new URL(slot.dataset.recommendations, window.location.href);
    if (previewToken) url.searchParams.set("preview", previewToken);
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const section = document.createElement("template");
      section.innerHTML = await response.text();
      if (previewToken) {  // keep the merchant in the draft, as preview.js does for the rest of the page
        for (const link of section.content.querySelectorAll("a[href]")) {
          const target = new URL(link.href, window.location.href);
          if (target.origin === window.location.origin) {
            target.searchParams.set("preview", previewToken);
            link.href = target.toString();
          }
        }
      }
      slot.replaceWith(section.content);
    } catch {
      // the page is whole without them
    }
  };
  if ("IntersectionObserver" in window) {
    const watcher = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        watcher.disconnect();
        fill();
      }
    }, { rootMargin: "0px 0px 600px 0px" });
    watcher.observe(slot);
  } else {
    fill();
  }
}
