/* digestgen theme: enhancements only. Every page reads and navigates without this file; it
   remembers the language display choice, keeps the reader's place when the UI language changes,
   runs the search box over the site's search index, and gives readers what is kept in their
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
    const folder = base + "search/";
    const prefix = home.slice(base.length);
    let listing = null;
    const files = new Map();  // what was fetched, by address: each file once
    let ticket = 0;
    let timer = 0;

    const fetched = (url, read) => {
      if (!files.has(url)) {
        files.set(url, fetch(url).then((response) => {
          if (!response.ok) throw new Error(`${response.status} ${response.url}`);
          return read(response);
        }).catch((error) => {
          files.delete(url);  // the next query tries again
          throw error;
        }));
      }
      return files.get(url);
    };
    // The index (digestgen/search/): segments of the archive, oldest first, each with its
    // terms spread over a power of two of bucket files, and its papers' pages and titles in
    // files of a few dozen papers each.
    const load = () => listing ||= fetched(folder + "index.json", (r) => r.json())
      .catch((error) => { listing = null; throw error; });

    // Each paper found is linked to its page in the reader's UI language: the index names
    // the page of the default language (papers/x/).
    const address = (path) => base + prefix + path;

    // A query's terms, as digestgen/search/terms.py makes a text's: runs of Han or kana as
    // their overlapping pairs, other words by their stem (calibrate and calibration share
    // calibrat).
    const CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff";
    const RUNS = new RegExp(`[${CJK}]+|(?:(?![${CJK}])[\\p{L}\\p{N}])+`, "gu");
    const HAN = new RegExp(`^[${CJK}]+$`, "u");
    const ENDINGS = [["sses", "ss"], ["ies", "i"], ["ions", ""], ["ings", ""], ["ing", ""],
      ["ion", ""], ["ed", ""], ["es", ""], ["ss", "ss"], ["s", ""], ["e", ""], ["y", "i"]];
    const stem = (word) => {
      if (!/^[a-z]+$/.test(word)) return word;
      for (const [ending, instead] of ENDINGS) {
        if (word.endsWith(ending) && word.length - ending.length + instead.length >= 3) {
          if (ending === "y" && "aeiou".includes(word[word.length - 2])) continue;
          return word.slice(0, word.length - ending.length) + instead;
        }
      }
      return word;
    };
    const runs = (text) => text.normalize("NFKC").toLowerCase().match(RUNS) || [];
    const pairs = (run) => run.length < 2 ? [run]
      : Array.from({ length: run.length - 1 }, (_, i) => run.slice(i, i + 2));
    const termsOf = (query) => [...new Set(runs(query).flatMap((run) =>
      HAN.test(run) ? pairs(run) : [stem(run)]))];
    // A title's terms are indexed a second time, marked, in the same bucket.
    const TITLE_MARK = "^";

    // Where a term is: the bucket its FNV-1a hash names (as digestgen/search/segments.py).
    const encoder = new TextEncoder();
    const bucketOf = (term, count) => {
      let hash = 0x811c9dc5;
      for (const byte of encoder.encode(term)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
      return hash & (count - 1);
    };
    // A bucket's terms, each with its papers' numbers (digestgen/search/postings.py).
    const decoder = new TextDecoder();
    const numbersIn = (bytes, wanted) => {
      let at = 0;
      const varint = () => {
        let number = 0;
        let shift = 0;
        for (;;) {
          const byte = bytes[at++];
          number += (byte & 0x7f) * 2 ** shift;
          if (byte < 0x80) return number;
          shift += 7;
        }
      };
      const name = encoder.encode(wanted);
      while (at < bytes.length) {
        const length = varint();
        const same = length === name.length && name.every((b, i) => bytes[at + i] === b);
        at += length;
        const count = varint();
        if (same) {
          const numbers = [];
          let last = -1;
          for (let i = 0; i < count; i++) numbers.push(last += varint() + 1);
          return numbers;
        }
        for (let i = 0; i < count; i++) varint();
      }
      return [];
    };
    const bucket = (segment, number) => fetched(
      `${folder}${segment}/${number.toString(16)}.bin`,
      async (r) => new Uint8Array(await r.arrayBuffer()));
    // A paper's page and titles, from the file that holds them.
    const listed = async (paper) => {
      const { titles: each } = await load();
      const file = Math.floor(paper.n / each);
      const entries = await fetched(`${folder}${paper.segment}/titles-${file.toString(16)}.json`,
        (r) => r.json());
      [paper.path, paper.titles] = entries[paper.n - file * each];
      return paper;
    };

    // The numbers of the papers of a segment that have every term, and of those whose title
    // has every term. The terms' buckets are fetched at once: a round trip, not one a term.
    const inSegment = async (segment, terms) => {
      const buckets = await Promise.all(terms.map((term) =>
        bucket(segment.name, bucketOf(term, segment.buckets))));
      let found = null;
      let titled = null;
      for (const [k, term] of terms.entries()) {
        const bytes = buckets[k];
        const numbers = numbersIn(bytes, term);
        const has = new Set(numbers);
        found = found === null ? numbers : found.filter((n) => has.has(n));
        if (!found.length) return [[], new Set()];
        const inTitle = new Set(numbersIn(bytes, TITLE_MARK + term));
        titled = (titled || found).filter((n) => inTitle.has(n));
      }
      return [found || [], new Set(titled || [])];
    };

    // A paper's text as its page shows it, without what the index skips (its links, facts):
    // the page the index read (the full record, in the default language's tree).
    const pageText = (path) => fetched(base + path, async (r) => {
      const page = new DOMParser().parseFromString(await r.text(), "text/html");
      const body = page.querySelector("[data-search-body]") || page.body;
      body.querySelectorAll("[data-search-ignore], nav, script, style, template, form, noscript, svg")
        .forEach((node) => node.remove());
      return body.textContent.replace(/\s+/g, " ").trim();
    });
    const contains = (text, term) => text.toLowerCase().includes(term.toLowerCase());

    // An excerpt made here from the page's text, around the first term found, with every
    // term marked: text nodes and <mark> only.
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

    // A paper's title in the reader's language, else another.
    const title = (paper) => {
      const lang = root.lang in paper.titles ? root.lang : Object.keys(paper.titles)[0];
      return lang ? [paper.titles[lang], lang] : [paper.path, ""];
    };
    const titles = (paper) => Object.values(paper.titles).join(" ");

    const item = (paper, looked) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      const [label, lang] = title(paper);
      link.href = address(paper.path);
      link.textContent = label;
      if (lang) link.lang = lang;
      const p = document.createElement("p");
      p.append(...excerpt(paper.text, looked));
      li.append(link, p);
      return li;
    };

    // The papers that have every term of the query (each run of Han or kana in one piece),
    // best first: the paper whose title is the query, then those whose title has it, then
    // those whose title has every word, then the others; newest first within each. Titles
    // are read for the papers shown, and to tell the first two groups from the third only
    // when the papers whose title has every term are in a few files (a title typed whole):
    // both at once, then the pages shown at once (a round trip each, whatever their number).
    const SHOWN = 20;
    const TITLE_FILES_READ = 8;
    const matching = async (query) => {
      const { segments } = await load();
      const terms = termsOf(query);
      const han = runs(query).filter((run) => HAN.test(run));
      // What a reader looks for in a text: each run of Han or kana whole, each other word as
      // the start of a word (calibrat for calibrate, as the index stems it).
      const looked = [...han, ...runs(query).filter((run) => !HAN.test(run))
        .map((w) => w.slice(0, Math.max(4, w.length - 3)))];
      if (!terms.length) return [[], looked, 0];
      const found = await Promise.all(segments.map(async (segment, order) => {
        const [numbers, titled] = await inSegment(segment, terms);
        return numbers.map((n) => ({ segment: segment.name, n, order, first: titled.has(n) ? 2 : 3 }));
      }));
      const whole = query.trim().toLowerCase();
      const first = (paper) => titles(paper).toLowerCase().split(" ").includes(whole)
        || Object.values(paper.titles).some((t) => t.toLowerCase() === whole) ? 0
        : contains(titles(paper), whole) ? 1
          : looked.every((t) => contains(titles(paper), t)) ? 2 : 3;
      const order = (a, b) => a.first - b.first || b.order - a.order || b.n - a.n;
      const papers = found.flat().sort(order);
      const titled = papers.filter((paper) => paper.first === 2);
      const { titles: each } = await load();
      const ranking = new Set(titled.map((p) => `${p.segment}/${Math.floor(p.n / each)}`))
        .size <= TITLE_FILES_READ;
      await Promise.all([...new Set([...(ranking ? titled : []), ...papers.slice(0, SHOWN)])]
        .map(listed));
      if (ranking) titled.forEach((paper) => { paper.first = first(paper); });
      const ranked = papers.sort(order);
      // A run of three or more Han or kana is found by its pairs: the page is read to check
      // that it has the run in one piece (those read are shown; the rest are counted as
      // holding it as often).
      const kept = [];
      let read = 0;
      for (let i = 0; i < ranked.length && kept.length < SHOWN; i += i ? 8 : SHOWN) {
        const batch = ranked.slice(i, i + (i ? 8 : SHOWN));
        await Promise.all(batch.map((paper) => paper.path || listed(paper)));
        const texts = await Promise.all(batch.map((paper) => pageText(paper.path)));
        read += batch.length;
        batch.forEach((paper, k) => {
          paper.text = texts[k];
          if (han.every((run) => contains(paper.text, run) || contains(titles(paper), run))) {
            kept.push(paper);
          }
        });
      }
      const count = read >= ranked.length ? kept.length
        : kept.length + Math.round((ranked.length - read) * kept.length / Math.max(1, read));
      return [kept.slice(0, SHOWN), looked, count];
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
        const [pages, looked, count] = await matching(query);
        if (mine !== ticket) return;
        const results = pages.slice(0, SHOWN);
        list.replaceChildren(...results.map((each) => item(each, looked)));
        list.hidden = !results.length;
        status.textContent = results.length ? data.count.replace("{n}", count) : data.none;
      } catch (error) {
        if (mine === ticket) status.textContent = data.failed;
      }
    };

    // The index's listing loads while the reader types the first query.
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
