// A rich-text editor over textarea[data-richtext]: headings, bold, italic, links, lists and images by address.
// The textarea stays the form's field and receives the HTML on every change, so the form posts as before;
// the server sanitizes it (nh3) when it is saved. Without this script the textarea takes HTML as typed.

const SAFE_URL = /^(https?:\/\/|mailto:|tel:|\/(?!\/)|#)/i;

const makeButton = (text, label, handler, extraClass = "") => {
  const button = document.createElement("button");
  button.type = "button";
  button.className = `richtext__button ${extraClass}`.trim();
  button.textContent = text;
  button.title = label;
  button.setAttribute("aria-label", label);
  button.addEventListener("mousedown", (event) => event.preventDefault());  // keep the selection in the editor
  button.addEventListener("click", handler);
  return button;
};

const enhance = (textarea) => {
  if (textarea.dataset.richtextReady) return;
  textarea.dataset.richtextReady = "1";
  const d = textarea.dataset;
  const label = (name, fallback) => d[`label${name}`] || fallback;

  const editor = document.createElement("div");
  editor.className = "richtext__area field__input";
  editor.contentEditable = "true";
  editor.setAttribute("role", "textbox");
  editor.setAttribute("aria-multiline", "true");
  const labelElement = textarea.labels?.[0];
  if (labelElement) {
    labelElement.id ||= `${textarea.id}-label`;
    editor.setAttribute("aria-labelledby", labelElement.id);
    labelElement.addEventListener("click", () => editor.focus());
  }
  const describedBy = textarea.getAttribute("aria-describedby");
  if (describedBy) editor.setAttribute("aria-describedby", describedBy);
  editor.innerHTML = textarea.value;

  const sync = () => { textarea.value = editor.innerHTML; };
  const run = (command, value = null) => {
    editor.focus();
    document.execCommand(command, false, value);
    sync();
    refresh();
  };

  const toolbar = document.createElement("div");
  toolbar.className = "richtext__toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", label("Toolbar", "Formatting"));

  const block = document.createElement("select");
  block.className = "richtext__block";
  block.setAttribute("aria-label", label("Toolbar", "Formatting"));
  for (const [value, text] of [["p", label("Paragraph", "Paragraph")], ["h2", label("Heading", "Heading")],
    ["h3", label("Subheading", "Subheading")]]) {
    block.append(new Option(text, value));
  }
  block.addEventListener("change", () => run("formatBlock", `<${block.value}>`));

  const link = () => {
    const url = window.prompt(label("Link", "Link") + "\n" + (d.promptLink || ""), "https://");
    if (!url || url === "https://") return;
    if (!SAFE_URL.test(url.trim())) { window.alert(d.promptLink || "https://…"); return; }
    if (window.getSelection()?.isCollapsed) {
      const anchor = document.createElement("a");
      anchor.href = url.trim();
      anchor.textContent = url.trim();
      run("insertHTML", anchor.outerHTML);
    } else {
      run("createLink", url.trim());
    }
  };
  const image = () => {
    const url = window.prompt(d.promptImage || "Image address", "https://");
    if (!url || url === "https://") return;
    if (!/^(https?:\/\/|\/(?!\/))/i.test(url.trim())) { window.alert(d.promptImage || "https://…"); return; }
    const img = document.createElement("img");
    img.src = url.trim();
    img.alt = window.prompt(d.promptAlt || "Alt text", "") || "";
    run("insertHTML", img.outerHTML);
  };

  const buttons = {
    bold: makeButton("B", label("Bold", "Bold"), () => run("bold"), "richtext__button--bold"),
    italic: makeButton("I", label("Italic", "Italic"), () => run("italic"), "richtext__button--italic"),
    insertUnorderedList: makeButton("• —", label("List", "Bulleted list"), () => run("insertUnorderedList")),
    insertOrderedList: makeButton("1. —", label("Numbered", "Numbered list"), () => run("insertOrderedList")),
  };
  const linkButton = makeButton(label("Link", "Link"), label("Link", "Link"), link);
  const unlinkButton = makeButton("×", label("Unlink", "Remove link"), () => run("unlink"));
  const imageButton = makeButton(`+ ${label("Image", "Image")}`, label("Image", "Image"), image);
  const group = (...items) => {
    const span = document.createElement("span");
    span.className = "richtext__group";
    span.append(...items);
    return span;
  };
  toolbar.append(group(block), group(buttons.bold, buttons.italic), group(linkButton, unlinkButton),
    group(buttons.insertUnorderedList, buttons.insertOrderedList), group(imageButton));

  // The toolbar shows what the cursor is in: bold pressed inside bold text, the heading level in the list.
  const refresh = () => {
    if (!editor.contains(document.getSelection()?.anchorNode)) return;
    for (const [command, button] of Object.entries(buttons)) {
      button.setAttribute("aria-pressed", document.queryCommandState(command) ? "true" : "false");
    }
    const value = (document.queryCommandValue("formatBlock") || "p").toLowerCase().replace(/[<>]/g, "");
    block.value = ["h2", "h3"].includes(value) ? value : "p";
  };
  document.addEventListener("selectionchange", refresh);

  editor.addEventListener("input", sync);
  editor.addEventListener("keydown", (event) => {
    if (!(event.ctrlKey || event.metaKey)) return;
    const key = event.key.toLowerCase();
    if (key === "b" || key === "i") { event.preventDefault(); run(key === "b" ? "bold" : "italic"); }
    if (key === "k") { event.preventDefault(); link(); }
  });
  textarea.form?.addEventListener("submit", sync);
  document.execCommand("defaultParagraphSeparator", false, "p");

  const wrapper = document.createElement("div");
  wrapper.className = "richtext richtext--full";
  wrapper.append(toolbar, editor);
  textarea.hidden = true;
  textarea.after(wrapper);
};

document.querySelectorAll("textarea[data-richtext]").forEach(enhance);
