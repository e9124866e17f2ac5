// Progress of a CSV import or export: polls the transfer's JSON and moves the bar; reloads when it stops.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) and has a Refresh link.
for (const box of document.querySelectorAll("[data-transfer-progress]")) {
  const bar = box.querySelector("progress");
  const count = box.querySelector("[data-transfer-count]");
  const label = box.querySelector("[data-transfer-label]");
  let delay = 1000;
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const state = await response.json();
      if (!state.running) { window.location.reload(); return; }
      if (bar) { bar.value = state.percent; bar.textContent = `${state.percent}%`; }
      if (count && state.total) {
        const text = (count.dataset.template || "{done} / {total}").replace("{done}", state.processed).replace("{total}", state.total);
        count.textContent = `${text} · ${state.percent}%`;
      }
      if (label) label.textContent = state.label;
      delay = 1000;
    } catch {
      delay = Math.min(delay * 2, 15000); // back off while the server is unreachable
    }
    setTimeout(poll, delay);
  };
  setTimeout(poll, delay);
}
