// The Team page: a refused RACI change (409, 422) answers with the grid and the message next
// to the cell; swap it in as a saved one is.
document.addEventListener("htmx:beforeSwap", (event) => {
  if ([409, 422].includes(event.detail.xhr.status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
