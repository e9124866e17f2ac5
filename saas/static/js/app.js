// Progressive enhancement for platform pages; every form works without it.
const slugify = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
  .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 63).replace(/-+$/, "");

for (const form of document.querySelectorAll("form[data-signup]")) {
  const name = form.querySelector("[data-store-name]");
  const subdomain = form.querySelector("[data-subdomain]");
  const status = form.querySelector("#subdomain-status") || null;
  if (!name || !subdomain) continue;
  let edited = subdomain.value.trim() !== "";
  let timer;
  const check = () => {
    clearTimeout(timer);
    if (!status || !subdomain.value) return;
    timer = setTimeout(async () => {
      const url = `${form.dataset.checkUrl}?subdomain=${encodeURIComponent(subdomain.value)}`;
      try {
        const answer = await (await fetch(url, { headers: { Accept: "application/json" } })).json();
        status.textContent = answer.message;
        status.dataset.state = answer.available ? "ok" : "taken";
      } catch { status.textContent = ""; }
    }, 250);
  };
  name.addEventListener("input", () => { if (!edited) { subdomain.value = slugify(name.value); check(); } });
  subdomain.addEventListener("input", () => { edited = subdomain.value !== ""; check(); });
}

for (const select of document.querySelectorAll("select[data-autosubmit]")) {
  select.addEventListener("change", () => select.form.submit());
  select.form.querySelector(".js-hide")?.setAttribute("hidden", "");
}

for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
}
