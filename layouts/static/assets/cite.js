// The Cite boxes: a folded box (an issue's) fetches its entry from the paper's cite.bib (the
// box's link) when opened, and every box gets a copy button, named by this script's tag. No
// button without JavaScript or a clipboard: the .bib link still works.
(function () {
  "use strict";
  var words = document.currentScript.dataset;
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
  // A folded box's entry, empty and hidden until it is fetched.
  function fetched(box, link) {
    var pre = document.createElement("pre");
    pre.className = "bibtex";
    pre.translate = false;
    pre.tabIndex = 0;
    pre.hidden = true;
    pre.dataset.src = link.getAttribute("href");
    box.querySelector(".cite-actions").before(pre);
    box.addEventListener("toggle", function () {
      if (box.open) entry(pre).catch(function () {});
    });
    return pre;
  }
  function copyButton(pre) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-bib";
    button.textContent = words.copy;
    button.addEventListener("click", function () {
      entry(pre).then(function (text) {
        return navigator.clipboard.writeText(text);
      }).then(function () {
        button.textContent = words.done;
        setTimeout(function () { button.textContent = words.copy; }, 2000);
      }, function () {});
    });
    return button;
  }
  document.querySelectorAll(".cite").forEach(function (box) {
    var link = box.querySelector(".cite-actions a[type='application/x-bibtex']");
    var pre = box.querySelector("pre.bibtex") || (link && fetched(box, link));
    if (pre && navigator.clipboard) box.querySelector(".cite-actions").prepend(copyButton(pre), " ");
  });
})();
