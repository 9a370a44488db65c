// The Team page: a refused change (409, 422; 403 when the shared pool refuses a skill level)
// answers with the editable part and the message next to its field; swap it in as a saved one
// is. A 403 that is not that part (an error page) is left alone.
document.addEventListener("htmx:beforeSwap", (event) => {
  const xhr = event.detail.xhr;
  const part = xhr.responseText.trimStart().startsWith('<div id="team-editable">');
  if ([409, 422].includes(xhr.status) || (xhr.status === 403 && part)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
