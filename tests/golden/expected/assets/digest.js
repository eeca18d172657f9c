/* digestgen theme: enhancements only. Every page reads and navigates without this file; it
   remembers the language display choice, keeps the reader's place when the UI language changes,
   and runs the search box over the site's Pagefind index. */
(() => {
  "use strict";
  const root = document.documentElement;
  const KEY = "digest-show";
  const stored = () => { try { return localStorage.getItem(KEY); } catch (e) { return null; } };
  const store = (value) => { try { localStorage.setItem(KEY, value); } catch (e) { /* private */ } };

  // Language display: <html data-show> drives the CSS; the radio buttons mirror it.
  const syncShow = () => {
    const radio = document.getElementById("show-" + (stored() || "both")) ||
                  document.getElementById("show-both");
    if (!radio) return;
    radio.checked = true;
    root.dataset.show = radio.value;
  };
  document.addEventListener("change", (event) => {
    const input = event.target;
    if (input.name === "show") {
      root.dataset.show = input.value;
      store(input.value);
    }
  });
  window.addEventListener("pageshow", syncShow);
  syncShow();

  // The UI language switch leads to the same page; keep the place in it too.
  for (const link of document.querySelectorAll(".lang-switch a")) {
    link.addEventListener("click", () => { if (location.hash && !link.hash) link.hash = location.hash; });
  }

  // A formula wider than its line scrolls sideways: let the keyboard scroll it too.
  const scrollable = () => {
    for (const math of document.querySelectorAll("math")) {
      const box = math.getAttribute("display") === "block" ? math
        : math.closest("p, li, dd, td, h1, h3");
      if (box && box.scrollWidth > box.clientWidth + 1) box.tabIndex = 0;
    }
  };
  scrollable();
  window.addEventListener("resize", scrollable);

  const box = document.querySelector("search.search");
  if (box) search(box);

  function search(box) {
    const form = box.querySelector("form");
    const input = form.elements.q;
    const status = box.querySelector(".search-status");
    const list = box.querySelector(".search-results");
    const data = form.dataset;
    const prefix = data.home.slice(data.base.length);  // "en/" on an English page
    let engine = null;
    let segmenter = null;  // splits a query into words as the index language does
    let ticket = 0;
    let timer = 0;
    box.hidden = false;

    // The index is in shards (see shards.json): Pagefind comes from the first, the others
    // are merged into it. A site without papers has none, and every query finds nothing.
    const load = () => engine ||= fetch(data.bundle + "shards.json").then(async (response) => {
      if (!response.ok) throw new Error(`${response.status} ${response.url}`);
      const { bundles: [first, ...others], language } = await response.json();
      segmenter = new Intl.Segmenter(language, { granularity: "word" });
      if (!first) return { search: async () => ({ results: [] }) };
      const pagefind = await import(data.bundle + first + "pagefind.js");
      await pagefind.options({ baseUrl: data.base });
      await pagefind.init();
      await Promise.all(others.map((path) =>
        pagefind.mergeIndex(data.bundle + path, { baseUrl: data.base })));
      return pagefind;
    }).catch((error) => {
      engine = null;  // the next query tries again
      throw error;
    });

    // Results come from the default language's pages: send the reader to their UI language.
    const localize = (url) =>
      prefix && url.startsWith(data.base) ? data.base + prefix + url.slice(data.base.length) : url;

    // Only text and <mark> of an excerpt are kept, whatever the index holds.
    const excerpt = (html) => {
      const template = document.createElement("template");
      template.innerHTML = html;
      return [...template.content.childNodes].map((node) => {
        if (node.nodeName !== "MARK") return document.createTextNode(node.textContent);
        const mark = document.createElement("mark");
        mark.textContent = node.textContent;
        return mark;
      });
    };

    const title = (meta) => {
      const own = "title_" + root.lang;
      const key = own in meta ? own : Object.keys(meta).find((k) => k.startsWith("title_"));
      return key ? [meta[key], key.slice(6)] : [meta.title || "", ""];
    };

    const item = (result) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      const [text, lang] = title(result.meta);
      link.href = localize(result.url);
      link.textContent = text;
      if (lang) link.lang = lang;
      const p = document.createElement("p");
      p.append(...excerpt(result.excerpt));
      li.append(link, p);
      return li;
    };

    // Pagefind ignores a word of the query that an index lacks, so a shard without it would
    // offer pages that match only the other words. A page is kept only when every word that
    // some page has finds it too (words split as Pagefind splits Chinese and Japanese).
    const matching = async (pagefind, query) => {
      const found = (await pagefind.search(query)).results;
      const words = [...segmenter.segment(query)].filter((s) => s.isWordLike).map((s) => s.segment);
      if (words.length < 2) return found;
      const pages = (await Promise.all(words.map((word) => pagefind.search(word))))
        .map((each) => new Set(each.results.map((r) => r.id))).filter((ids) => ids.size);
      return found.filter((r) => pages.every((ids) => ids.has(r.id)));
    };

    const run = async (query) => {
      const mine = ++ticket;
      query = query.trim();
      if (!query) {
        list.replaceChildren();
        list.hidden = true;
        status.textContent = "";
        return;
      }
      status.textContent = data.wait;
      try {
        const pagefind = await load();
        const found = await matching(pagefind, query);
        const results = await Promise.all(found.slice(0, 20).map((r) => r.data()));
        if (mine !== ticket) return;
        list.replaceChildren(...results.map(item));
        list.hidden = !results.length;
        status.textContent = results.length ? data.count.replace("{n}", found.length) : data.none;
      } catch (error) {
        if (mine === ticket) status.textContent = data.failed;
      }
    };

    // Pagefind and every shard's entry load while the reader types the first query.
    input.addEventListener("focus", () => load().catch(() => {}), { once: true });
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => run(input.value), 200);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { input.value = ""; run(""); }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      const url = new URL(location.href);
      url.searchParams.set("q", input.value);
      history.replaceState(null, "", url);
      run(input.value);
    });
    const query = new URLSearchParams(location.search).get("q");
    if (query) {
      input.value = query;
      run(query);
    }
  }
})();
