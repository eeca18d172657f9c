/* digestgen theme: enhancements only. Every page reads and navigates without this file; it
   remembers the language display choice, keeps the reader's place when the UI language changes,
   runs the search box over the site's Pagefind index, and gives readers what is kept in their
   browser only: folded abstracts, papers new since the last visit, a reading list, and keys. */
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
    for (const box of document.querySelectorAll(".table-scroll")) {
      if (box.scrollWidth > box.clientWidth + 1) box.tabIndex = 0;  // and tables too
    }
  };
  scrollable();
  window.addEventListener("resize", scrollable);

  // The UI strings in the page's language: the script before this one sets them (a theme's
  // page may give them as the JSON of this script's data-ui attribute instead).
  const script = document.currentScript;
  const ui = globalThis.digestUI || JSON.parse(script?.dataset.ui || "{}");
  const make = (tag, props, ...children) => {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children);
    return node;
  };
  // The reader's home page ("/repo/en/" on an English page), as the page was served.
  const home = document.querySelector(".site-title").pathname;
  if (ui.search) search(searchBox(ui.search));
  reading();

  // The search box, first of the header's tools: made here, as it works only with this
  // script. It sends a query to the archive when the script cannot run a search itself.
  function searchBox(strings) {
    const input = make("input", { type: "search", id: "search-q", name: "q",
                                  placeholder: strings.placeholder, autocomplete: "off" });
    input.setAttribute("enterkeyhint", "search");
    const box = make("search", { className: "search" },
      make("form", { action: home + "archive/" },
        make("label", { htmlFor: "search-q", className: "visually-hidden" }, strings.label),
        input, make("button", { type: "submit" }, strings.label)),
      make("p", { className: "search-status" }),
      make("ol", { className: "search-results", hidden: true }));
    box.querySelector(".search-status").setAttribute("role", "status");
    box.querySelector(".search-status").setAttribute("aria-live", "polite");
    document.querySelector(".tools").prepend(box);
    return box;
  }

  function reading() {
    const read = (key, fallback) => {
      try { return JSON.parse(localStorage.getItem(key)) ?? fallback; } catch (e) { return fallback; }
    };
    const write = (key, value) => {
      try {
        if (value === null) localStorage.removeItem(key);
        else localStorage.setItem(key, JSON.stringify(value));
      } catch (e) { /* private browsing: the choice lasts for this page */ }
    };

    // 404.html answers every path: keep the parts in the language of the path asked for.
    const parts = [...document.querySelectorAll("[data-lang-home]")];
    const mine = parts.map((e) => e.dataset.langHome).filter((h) => location.pathname.startsWith(h))
      .sort((a, b) => b.length - a.length)[0];
    if (mine) {
      for (const part of parts) if (part.dataset.langHome !== mine) part.remove();
      root.lang = document.querySelector("[data-lang-home]").lang;
      document.querySelector(".site-title").href = mine;
      document.title = document.querySelector("h1").textContent.trim() + " · " +
        document.querySelector(".site-title").textContent;
    }

    // A paper as lists and pages show it: where its page is (below the language's home), its
    // title in the page's language, and the element that holds it.
    const textOf = (node) => {
      const copy = node.cloneNode(true);
      for (const badge of copy.querySelectorAll("[class^=badge]")) badge.remove();
      return copy.textContent.trim();
    };
    const paperOf = (element, link, title) => link && title &&
      { element, path: link.pathname.slice(home.length), title: textOf(title), lang: title.lang };
    const listed = [...document.querySelectorAll(".detail, .paper-item")].map((e) =>
      paperOf(e, e.querySelector(".detail-foot a, a.paper-title"), e.querySelector("h3 > [lang], .paper-title > [lang]")))
      .filter(Boolean);
    const own = document.querySelector("article.paper h1 > [lang]");
    const page = own && paperOf(own.closest("h1"), location, own);

    // Fold abstracts on an issue page, for every issue page after.
    const heading = document.getElementById("details-heading");
    if (heading && document.querySelector(".detail .abstracts")) {
      const fold = make("button", { type: "button", className: "fold" }, ui.fold);
      const show = () => fold.setAttribute("aria-pressed", "fold" in root.dataset);
      fold.addEventListener("click", () => {
        if ("fold" in root.dataset) delete root.dataset.fold; else root.dataset.fold = "";
        write("digest-fold", "fold" in root.dataset ? 1 : null);
        show();
      });
      show();
      heading.after(fold);
    }

    // Papers not listed on any page read since the first visit are marked new, once.
    const seen = read("digest-seen", null);
    if (listed.length) {
      const known = new Set(seen || []);
      for (const paper of listed) {
        if (seen && !known.has(paper.path)) {
          const badge = make("span", { className: "badge-new", lang: root.lang }, ui.new);
          const title = paper.element.querySelector("h3 .backref, .paper-title");
          if (title.matches(".backref")) title.after(" ", badge); else title.prepend(badge);
        }
        known.add(paper.path);
      }
      write("digest-seen", [...known]);
    }

    // The reading list: papers starred, kept in this browser, listed on its own page.
    const starred = () => read("digest-stars", []);
    const star = (paper) => {
      const button = make("button", { type: "button", className: "star" });
      const show = () => {
        const on = starred().some((p) => p.path === paper.path);
        button.setAttribute("aria-pressed", on);
        button.textContent = on ? "★" : "☆";
        button.title = on ? ui.unstar : ui.star;
      };
      button.setAttribute("aria-label", ui.star);
      button.addEventListener("click", () => {
        const others = starred().filter((p) => p.path !== paper.path);
        const on = others.length === starred().length;
        const { path, title, lang } = paper;
        write("digest-stars", on ? [...others, { path, title, lang }] : others);
        show();
        button.dispatchEvent(new CustomEvent("starred", { bubbles: true }));
      });
      show();
      return button;
    };
    for (const paper of listed) {
      const foot = paper.element.querySelector(".detail-foot");
      if (foot) foot.prepend(star(paper)); else paper.element.prepend(star(paper));
    }
    if (page) page.element.after(make("p", { className: "star-line" }, star(page)));

    const shelf = document.querySelector(".reading");
    if (shelf) {
      const list = shelf.querySelector(".reading-list");
      const fill = () => {
        const papers = starred();
        list.replaceChildren(...papers.map((paper) => {
          const link = make("a", { href: home + paper.path, className: "paper-title" }, paper.title);
          if (paper.lang) link.lang = paper.lang;
          return make("li", { className: "paper-item" }, star(paper), link);
        }));
        list.hidden = !papers.length;
        shelf.querySelector(".reading-empty").hidden = papers.length > 0;
      };
      list.addEventListener("starred", fill);
      document.querySelector(".reading-needs-js").hidden = true;
      shelf.hidden = false;
      fill();
    }

    // Keys: j and k to the next and previous paper (of the list, or of the paper's issue), s to
    // star it, / to search, ? for help.
    let help = null;
    const helpDialog = () => help ||= document.body.appendChild(make("dialog",
      { className: "keys-help" },
      make("h2", { id: "keys-help-title" }, ui.help),
      make("dl", {}, ...ui.keys.flatMap(([key, what]) => [make("dt", {}, make("kbd", {}, key)),
                                                         make("dd", {}, what)])),
      make("form", { method: "dialog" }, make("button", { type: "submit", className: "fold" }, ui.close))));
    const move = (step) => {
      const items = listed.map((p) => p.element);
      const neighbour = page && document.querySelector(`.pager a[rel=${step > 0 ? "next" : "prev"}]`);
      if (neighbour) neighbour.click();  // a paper's page: on to the next paper of its issue
      if (!items.length) return;
      let at = items.findIndex((e) => e.classList.contains("is-current"));
      if (at === -1) at = items.indexOf(document.querySelector(":target"));
      if (at === -1) at = step > 0 ? items.findIndex((e) => e.getBoundingClientRect().top > 1) - 1
        : items.findIndex((e) => e.getBoundingClientRect().bottom > 1) + 1;
      const next = items[Math.min(Math.max(at + step, 0), items.length - 1)];
      for (const e of items) e.classList.remove("is-current");
      next.classList.add("is-current");
      next.tabIndex = -1;
      next.focus({ preventScroll: true });
      next.scrollIntoView({ block: "start" });
    };
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
      if (event.target.closest?.("input, textarea, select, [contenteditable], dialog")) return;
      const search = document.getElementById("search-q");
      if (event.key === "j" || event.key === "k") move(event.key === "j" ? 1 : -1);
      else if (event.key === "s") {
        const current = document.querySelector(".is-current .star") || (page && document.querySelector(".star-line .star"));
        if (!current) return;
        current.click();
      } else if (event.key === "/" && search && search.offsetParent) search.focus();
      else if (event.key === "?") helpDialog().showModal();
      else return;
      event.preventDefault();
    });
  }

  function search(box) {
    const form = box.querySelector("form");
    const input = form.elements.q;
    const status = box.querySelector(".search-status");
    const list = box.querySelector(".search-results");
    const data = ui.search;
    // The site's root is where the assets are (this script is <root>/assets/digest.js), the
    // search index too; the reader's home is below it ("en/" on an English page).
    const base = new URL("../", script.src).pathname;
    const bundle = base + "pagefind/";
    const prefix = home.slice(base.length);
    let engine = null;
    let ticket = 0;
    let timer = 0;

    // The index is in shards (see shards.json): Pagefind comes from the first, the others
    // are merged into it. A site without papers has none, and every query finds nothing.
    const load = () => engine ||= fetch(bundle + "shards.json").then(async (response) => {
      if (!response.ok) throw new Error(`${response.status} ${response.url}`);
      const { bundles: [first, ...others] } = await response.json();
      if (!first) return { search: async () => ({ results: [] }) };
      const pagefind = await import(bundle + first + "pagefind.js");
      await pagefind.options({ baseUrl: base });
      await pagefind.init();
      await Promise.all(others.map((path) =>
        pagefind.mergeIndex(bundle + path, { baseUrl: base })));
      return pagefind;
    }).catch((error) => {
      engine = null;  // the next query tries again
      throw error;
    });

    // Each paper found is linked to its page in the reader's UI language: its anchor in the
    // index is the path of its page in the default language (papers/x/).
    const address = (path) => base + prefix + path;

    // The index holds each run of Han and kana characters as its overlapping pairs (理解为何 as
    // 理解 解为 为何), each written as a word of letters (等人 as qxhlejeolk): see pair_word in
    // digestgen/search.py, same ranges. A query is cut and written the same way.
    const CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
    const RUN = new RegExp(`[${CJK}]+`, "g");
    const PAIR = new RegExp(`^[${CJK}]{2}$`);
    const HEX = "0123456789abcdef";
    const word = (chars) => "qx" + [...chars].map((c) => c.charCodeAt(0).toString(16)
      .padStart(4, "0").replace(/./g, (d) => String.fromCharCode(97 + HEX.indexOf(d)))).join("");
    const unword = (token) => /^qx(?:[a-p]{4}){1,2}$/.test(token)
      ? token.slice(2).match(/.{4}/g).map((q) => String.fromCharCode(parseInt(
        q.replace(/./g, (c) => HEX[c.charCodeAt(0) - 97]), 16))).join("") : token;
    const pairs = (run) => run.length < 2 ? word(run)
      : Array.from({ length: run.length - 1 }, (_, i) => word(run.slice(i, i + 2))).join(" ");
    const indexed = (query) => query.replace(RUN, (run) => ` ${pairs(run)} `).trim();
    const words = (query) => indexed(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    // What a reader looks for in a text: each run of Han or kana whole, each other word as
    // the start of a word (calibrat for calibrate, as the index stems it).
    const terms = (query) => [
      ...(query.match(RUN) || []),
      ...query.replace(RUN, " ").split(/[^\p{L}\p{N}]+/u).filter(Boolean)
        .map((w) => w.toLowerCase().slice(0, Math.max(4, w.length - 3))),
    ];
    const contains = (text, term) => text.toLowerCase().includes(term);

    // A page's text as the index read it, with its runs of pairs joined back.
    const readable = (content) => {
      const out = [];
      for (const token of content.split(" ").map(unword)) {
        const last = out[out.length - 1];
        if (PAIR.test(token) && last && PAIR.test(last.slice(-2)) && last.slice(-1) === token[0]) {
          out[out.length - 1] = last + token[1];
        } else out.push(token);
      }
      return out.join(" ").replace(new RegExp(`(?<=[${CJK}\u3000-\u303f\uff00-\uffef]) (?=[${CJK}\u3000-\u303f\uff00-\uffef])`, "g"), "");
    };

    // An excerpt made here from the page's text, around the first term found, with every
    // term marked: text nodes and <mark> only, whatever the index holds.
    const excerpt = (text, found) => {
      const lower = text.toLowerCase();
      const at = Math.max(0, Math.min(...found.map((t) => lower.indexOf(t)).filter((i) => i >= 0)));
      const start = Math.max(0, at - 40);
      const part = (start ? "…" : "") + text.slice(start, at + 120) + (at + 120 < text.length ? "…" : "");
      const nodes = [];
      const pattern = new RegExp(found.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gi");
      let from = 0;
      for (const match of part.matchAll(pattern)) {
        if (!match[0]) continue;
        nodes.push(document.createTextNode(part.slice(from, match.index)));
        const mark = document.createElement("mark");
        mark.textContent = match[0];
        nodes.push(mark);
        from = match.index + match[0].length;
      }
      nodes.push(document.createTextNode(part.slice(from)));
      return nodes;
    };

    // A paper's title in the reader's language (else another), from the fields its page gave
    // the index, named after the paper (papers/x/title_zh).
    const title = (paper) => {
      const own = paper.path + "title_" + root.lang;
      const key = own in paper.meta ? own
        : Object.keys(paper.meta).find((k) => k.startsWith(paper.path + "title_"));
      return key ? [paper.meta[key], key.slice(paper.path.length + 6)] : [paper.path, ""];
    };
    const titles = (paper) => Object.entries(paper.meta)
      .filter(([k]) => k.startsWith(paper.path + "title")).map(([, v]) => v).join(" ");

    const item = (paper, found) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      const [label, lang] = title(paper);
      link.href = address(paper.path);
      link.textContent = label;
      if (lang) link.lang = lang;
      const p = document.createElement("p");
      p.append(...excerpt(paper.text, found));
      li.append(link, p);
      return li;
    };

    // The index is made of documents of a few papers each (digestgen/output/search_docs.py):
    // each paper starts at an anchor whose id is its page's path, and its words run to the
    // next anchor. A document found is cut into its papers; `at` tells where in its words
    // each word of the query was found.
    const papers = (doc, at) => {
      const all = doc.content.split(/[\r\n\s]+/g);
      const anchors = (doc.anchors || []).filter((a) => a.id)
        .sort((a, b) => a.location - b.location);
      return anchors.map((a, i) => {
        const from = a.location;
        const to = i + 1 < anchors.length ? anchors[i + 1].location : all.length;
        const inside = (spots) => spots.filter((n) => n >= from && n < to).length;
        return { path: a.id, meta: doc.meta, hits: at.map(inside),
                 words: () => readable(all.slice(from, to).join(" ")) };
      });
    };

    // Pagefind ignores a word of the query that a shard lacks, and finds a document for any of
    // its words: a paper is kept only when each word of the query is found in its own words,
    // and each run of Han or kana of the query is in its text in one piece (not only its pairs
    // somewhere). Those whose title has the query come first, then those whose title has
    // every term, then those with most matches.
    const MOST = 10;  // documents read (about 16 papers each), in the order Pagefind ranks them
    const matching = async (pagefind, query) => {
      const split = words(query);
      const looked = terms(query);
      const runs = query.match(RUN) || [];
      const found = (await pagefind.search(indexed(query))).results;
      const each = split.length < 2 ? [] : (await Promise.all(split.map((w) => pagefind.search(w))))
        .map((s) => new Map(s.results.map((r) => [r.id, r])));
      // Where each word was found is the result's `words` (what data() returns is one object
      // per document, shared by every search that found it).
      const read = found.slice(0, MOST);
      const cut = await Promise.all(read.map(async (result, rank) => {
        const at = each.length ? each.map((byId) => byId.get(result.id)?.words || [])
          : [result.words];
        return papers(await result.data(), at).map((paper) => ({ ...paper, rank }));
      }));
      const kept = [];
      for (const paper of cut.flat()) {
        if (!paper.hits.every((n) => n > 0)) continue;
        paper.text = paper.words();  // only for the papers that have every word: it costs
        if (runs.every((t) => contains(paper.text, t) || contains(titles(paper), t))) {
          kept.push(paper);
        }
      }
      const score = (paper) => paper.hits.reduce((a, b) => a + b, 0);
      const whole = query.toLowerCase();
      const first = (paper) => contains(titles(paper), whole) ? 0
        : looked.every((t) => contains(titles(paper), t)) ? 1 : 2;
      kept.sort((a, b) => first(a) - first(b) || score(b) - score(a) || a.rank - b.rank);
      // The documents not read are counted as holding as many papers found as those read.
      const unread = found.length - read.length;
      const count = kept.length + Math.round(unread * kept.length / Math.max(1, read.length));
      return [kept, looked, count];
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
        const [pages, looked, count] = await matching(pagefind, query);
        if (mine !== ticket) return;
        const results = pages.slice(0, 20);
        list.replaceChildren(...results.map((each) => item(each, looked)));
        list.hidden = !results.length;
        status.textContent = results.length ? data.count.replace("{n}", count) : data.none;
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
