// The Cite boxes: a folded box (an issue's) fetches its entry from the paper's cite.bib when
// opened; the copy buttons are hidden without JavaScript (the .bib link still works).
(function () {
  "use strict";
  function entry(pre) {
    if (!pre.dataset.src || pre.dataset.loaded !== undefined) {
      return Promise.resolve(pre.textContent);
    }
    return fetch(pre.dataset.src).then(function (response) {
      if (!response.ok) throw new Error(response.statusText);
      return response.text();
    }).then(function (text) {
      var code = document.createElement("code");
      code.textContent = text;
      pre.replaceChildren(code);
      pre.dataset.loaded = "";
      pre.hidden = false;
      return text;
    });
  }
  document.querySelectorAll("details.cite").forEach(function (box) {
    box.addEventListener("toggle", function () {
      var pre = box.querySelector("pre[data-src]");
      if (box.open && pre) entry(pre).catch(function () {});
    });
  });
  if (!navigator.clipboard) return;
  document.querySelectorAll("button.copy-bib").forEach(function (button) {
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.dataset.copy);
      if (!source) return;
      entry(source).then(function (text) {
        return navigator.clipboard.writeText(text);
      }).then(function () {
        button.textContent = button.dataset.done;
        setTimeout(function () { button.textContent = label; }, 2000);
      }, function () {});
    });
  });
})();
