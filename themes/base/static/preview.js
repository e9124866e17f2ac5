// In the builder's preview, links keep the preview token so that the merchant stays in the draft.
const token = new URLSearchParams(window.location.search).get("preview");
if (token) {
  for (const link of document.querySelectorAll("a[href]")) {
    const url = new URL(link.href, window.location.href);
    if (url.origin === window.location.origin) {
      url.searchParams.set("preview", token);
      link.href = url.toString();
    }
  }
  for (const form of document.querySelectorAll("form[method=get], form:not([method])")) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = "preview"; input.value = token;
    form.append(input);
  }
}
