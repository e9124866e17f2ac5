// The discount editor: show only the groups of fields that fit the chosen method, type, scope and "gets", and
// disable the hidden ones' inputs so the form sends only what the merchant sees. Without this script every group
// shows and the server ignores the ones that don't apply.

const form = document.querySelector("[data-discount-form]");

if (form) {
  const groups = [...form.querySelectorAll("[data-show]")];
  const chosen = (name) => form.querySelector(`input[type="radio"][name="${name}"]:checked`)?.value ?? "";

  const update = () => {
    for (const group of groups) {
      const [name, values] = group.dataset.show.split(":");
      group.hidden = !values.split(" ").includes(chosen(name));
    }
    for (const control of form.elements) {
      // Controls that belong to the side forms (the `form` attribute) are left alone.
      if (control.form !== form || control.type === "submit") continue;
      control.disabled = control.closest("[hidden]") !== null;
    }
  };

  form.addEventListener("change", (event) => {
    if (event.target.matches('input[type="radio"]')) update();
  });

  // Enter in a picker's search box searches that picker, as its button does, instead of saving.
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !event.target.matches("[data-picker-q]")) return;
    event.preventDefault();
    event.target.closest("[data-picker]")?.querySelector("[data-picker-search]")?.click();
  });

  update();
  form.classList.add("is-enhanced");
}
