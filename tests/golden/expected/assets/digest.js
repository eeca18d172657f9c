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
    let ticket = 0;
    let timer = 0;
    box.hidden = false;

    // The index is in shards (see shards.json): Pagefind comes from the first, the others
    // are merged into it. A site without papers has none, and every query finds nothing.
    const load = () => engine ||= fetch(data.bundle + "shards.json").then(async (response) => {
      if (!response.ok) throw new Error(`${response.status} ${response.url}`);
      const { bundles: [first, ...others] } = await response.json();
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

    const title = (meta) => {
      const own = "title_" + root.lang;
      const key = own in meta ? own : Object.keys(meta).find((k) => k.startsWith("title_"));
      return key ? [meta[key], key.slice(6)] : [meta.title || "", ""];
    };

    const item = ([result, text], found) => {
      const li = document.createElement("li");
      const link = document.createElement("a");
      const [label, lang] = title(result.meta);
      link.href = localize(result.url);
      link.textContent = label;
      if (lang) link.lang = lang;
      const p = document.createElement("p");
      p.append(...excerpt(text, found));
      li.append(link, p);
      return li;
    };

    // Pagefind ignores a word of the query that an index lacks, so a shard without it would
    // offer pages that match only the other words. A page is kept only when every word finds
    // it too.
    const matching = async (pagefind, query) => {
      const split = words(query);
      const found = (await pagefind.search(indexed(query))).results;
      if (split.length < 2) return found;
      const pages = (await Promise.all(split.map((word) => pagefind.search(word))))
        .map((each) => new Set(each.results.map((r) => r.id)));
      return found.filter((r) => pages.every((ids) => ids.has(r.id)));
    };

    // Of the pages found, those whose text has each run of Han or kana of the query in one
    // piece (not only its pairs somewhere); those whose title has every term first.
    const MOST = 60;  // pages read to check and rank; the rest keep Pagefind's order
    const ranked = async (found, query) => {
      const looked = terms(query);
      const runs = query.match(RUN) || [];
      const read = await Promise.all(found.slice(0, MOST).map(async (r) => {
        const data = await r.data();
        return [data, readable(data.content || "")];
      }));
      const titles = ([data]) => Object.entries(data.meta).filter(([k]) => k.startsWith("title"))
        .map(([, v]) => v).join(" ");
      const kept = read.filter(([data, text]) =>
        runs.every((t) => contains(text, t) || contains(titles([data]), t)));
      const inTitle = kept.filter((each) => looked.every((t) => contains(titles(each), t)));
      const rest = kept.filter((each) => !inTitle.includes(each));
      return [[...inTitle, ...rest], looked, kept.length + Math.max(0, found.length - MOST)];
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
        const [pages, looked, count] = await ranked(await matching(pagefind, query), query);
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
