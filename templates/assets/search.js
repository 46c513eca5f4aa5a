// search.js: the site search on /search/ (templates/search.html). It reads
// the index the generator writes under search/data/ (package
// cmd/site/searchindex, whose rules this file mirrors): a query's words
// are normalised, the gram shards of up to MAX_GRAMS of their grams give
// the candidates, and the texts of the candidates decide: a result contains
// every word as typed (ignoring whitespace, full/half width and the case
// of Latin letters). Results are built from text nodes, never from markup.
(() => {
  'use strict';
  const MAX_GRAMS = 8; // searchindex.MaxGrams
  const PAGE = 10; // results shown before "显示更多结果" (searchindex.Page)
  const BLOCKS_AT_ONCE = 4, MAX_BLOCKS = 12; // searchindex.blocksAtOnce, MaxBlocks
  const EXCERPT_BEFORE = 30, EXCERPT_AFTER = 70; // characters around the first match

  const form = document.getElementById('search-form');
  if (!form) return;
  const input = form.elements.q;
  const status = document.getElementById('search-status');
  const list = document.getElementById('search-results');
  const more = document.getElementById('search-more');
  const help = document.getElementById('search-help');
  const base = form.dataset.index;

  // Normalisation (searchindex.Fold): whitespace as Go's unicode.IsSpace.
  const SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u;
  const LATIN = /^\p{Script=Latin}$/u;

  // fold returns the normalised form of the one-code-point string ch.
  function fold(ch) {
    const c = ch.codePointAt(0);
    if (c < 0x80) return SPACE.test(ch) ? '' : c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : ch;
    if (SPACE.test(ch)) return '';
    let out = '';
    for (const d of ch.normalize('NFKC')) {
      if (!SPACE.test(d)) out += LATIN.test(d) ? d.toLowerCase() : d;
    }
    return out;
  }

  // plain reports whether a code point is its own normalised form for
  // certain: CJK Unified Ideographs, ASCII letters in lower case, digits
  // and punctuation (the text of a Chinese page, mostly).
  function plain(c) {
    return (c >= 0x4e00 && c <= 0x9fff) || (c > 0x20 && c < 0x7f && !(c >= 65 && c <= 90));
  }

  // normalize returns the normalised text of s.
  function normalize(s) {
    let out = '';
    for (const ch of s) out += plain(ch.codePointAt(0)) ? ch : fold(ch);
    return out;
  }

  // normalizeMap is normalize that also returns, for each UTF-16 unit of
  // the normalised text, the index in s of the character it comes from.
  function normalizeMap(s) {
    let text = '';
    const from = [];
    let i = 0;
    for (const ch of s) {
      const f = plain(ch.codePointAt(0)) ? ch : fold(ch);
      text += f;
      for (let k = 0; k < f.length; k++) from.push(i);
      i += ch.length;
    }
    return { text, from };
  }

  // words returns the distinct normalised words of a query.
  function words(q) {
    const out = [];
    for (const w of q.split(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u)) {
      const n = normalize(w);
      if (n && !out.includes(n)) out.push(n);
    }
    return out;
  }

  // queryGrams is searchindex.QueryGrams.
  function queryGrams(ws) {
    const first = [], rest = [], middles = [];
    for (const w of ws) {
      const cs = Array.from(w);
      if (cs.length === 1) { first.push(w); continue; }
      const last = cs.length - 2;
      first.push(cs[0] + cs[1], cs[last] + cs[last + 1]);
      const mid = [];
      for (let i = 1; i < last; i++) mid.push(cs[i] + cs[i + 1]);
      middles.push(mid);
    }
    for (let i = 0; ; i++) { // the words' middles in turn: a short word's too
      const n = rest.length;
      for (const mid of middles) if (i < mid.length) rest.push(mid[i]);
      if (rest.length === n) break;
    }
    const out = [];
    for (const g of first.concat(rest)) {
      if (out.length === MAX_GRAMS) break;
      if (!out.includes(g)) out.push(g);
    }
    return out;
  }

  // shardOf is searchindex.ShardOf: FNV-1a over the code points.
  function shardOf(gram, n) {
    let h = 2166136261;
    for (const ch of gram) {
      h ^= ch.codePointAt(0);
      h = Math.imul(h, 16777619) >>> 0;
    }
    return h % n;
  }

  const files = new Map(); // URL → promise of its JSON
  function get(name) {
    const url = base + name;
    if (!files.has(url)) {
      const p = fetch(url).then((r) => {
        if (!r.ok) throw new Error(url + ': ' + r.status);
        return r.json();
      });
      p.catch(() => files.delete(url));
      files.set(url, p);
    }
    return files.get(url);
  }

  // candidates returns the blocks (document files) that hold every gram,
  // ascending; the one block of a small site, which needs no grams.
  async function candidates(meta, grams) {
    if (meta.grams === 0) return [0];
    const shards = await Promise.all(grams.map((g) => get('g/' + shardOf(g, meta.grams) + '.json')));
    let blocks = null;
    grams.forEach((g, i) => {
      const deltas = Object.hasOwn(shards[i], g) ? shards[i][g] : [];
      const mine = new Set();
      let b = 0;
      for (const d of deltas) { b += d; mine.add(b); }
      blocks = blocks === null ? Array.from(mine) : blocks.filter((x) => mine.has(x));
    });
    return blocks || [];
  }

  // A search in progress: its words, candidate blocks and the results so far.
  let current = null;

  async function search(q) {
    const s = { q, words: words(q), blocks: [], next: 0, results: [] };
    current = s;
    if (s.words.length === 0) { show(s); return; }
    const meta = await get('meta.json');
    s.blocks = await candidates(meta, queryGrams(s.words));
    if (current === s) await check(s);
  }

  // check reads the next candidate blocks, BLOCKS_AT_ONCE at a time, until
  // PAGE more results are found, or MAX_BLOCKS blocks are read, or no block
  // is left (searchindex.Search).
  async function check(s) {
    const want = s.results.length + PAGE, first = s.next;
    while (s.next < s.blocks.length && s.results.length < want && s.next - first < MAX_BLOCKS) {
      const batch = s.blocks.slice(s.next, s.next + BLOCKS_AT_ONCE);
      const rows = await Promise.all(batch.map((b) => get('d/' + b + '.json')));
      if (current !== s) return;
      s.next += batch.length;
      batch.forEach((b, k) => rows[k].forEach((row, i) => {
        const r = result(s.words, row, b, i);
        if (r) s.results.push(r);
      }));
    }
    rank(s.results);
    show(s);
  }

  // result returns the result of a document row when its text holds every word.
  const normTexts = new Map(); // "block/index" → normalised text, for the next query
  function result(ws, row, block, index) {
    const [url, title, section, date, text] = row;
    const key = block + '/' + index;
    if (!normTexts.has(key)) normTexts.set(key, normalize(text));
    const norm = normTexts.get(key);
    if (!ws.every((w) => norm.includes(w))) return null;
    const normTitle = normalize(title);
    let count = 0;
    for (const w of ws) count += norm.split(w).length - 1;
    return {
      order: block * 1e6 + index, url, title, section, date, text, count,
      inTitle: ws.every((w) => normTitle.includes(w)),
      article: url.includes('#article-'),
    };
  }

  // rank puts title matches first, then the charter's articles, then the
  // most occurrences, then the index's order (articles, then newest).
  function rank(rs) {
    rs.sort((a, b) => (b.inTitle - a.inTitle) || (b.article - a.article) || (b.count - a.count) || (a.order - b.order));
  }

  function show(s) {
    if (current !== s) return;
    list.replaceChildren(...s.results.map((r) => item(r, s.words)));
    const done = s.next >= s.blocks.length;
    more.hidden = done;
    help.hidden = s.results.length > 0;
    const q = s.q.length > 40 ? Array.from(s.q).slice(0, 40).join('') + '…' : s.q;
    if (s.words.length === 0) {
      status.textContent = s.q ? '请输入文字或数字作为关键词。' : '';
    } else if (s.results.length === 0 && done) {
      status.textContent = '没有找到包含“' + q + '”的页面。';
    } else if (s.results.length === 0) {
      status.textContent = '已查找部分页面，尚未找到包含“' + q + '”的结果；可以继续查找其余页面。';
    } else {
      status.textContent = (done ? '找到 ' : '已显示 ') + s.results.length + ' 个包含“' + q + '”的结果' + (done ? '。' : '，还有更多。');
    }
    more.textContent = s.results.length ? '显示更多结果' : '继续查找';
    form.dataset.query = s.q; // for tests: the query these results are for
    form.dataset.read = s.next; // and how many candidate blocks were read
  }

  function el(name, cls, text) {
    const e = document.createElement(name);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function item(r, ws) {
    const li = el('li', 'search-result');
    const h = el('h2');
    const a = el('a', '', r.title);
    a.href = r.url;
    h.append(a);
    const meta = el('p', 'search-meta', r.section);
    if (r.date) meta.append(' · ', el('span', '', r.date));
    li.append(h, meta, excerpt(r, ws));
    return li;
  }

  // excerpt returns the text around the first match with every match of
  // every word in it marked whole, in the page's own characters.
  function excerpt(r, ws) {
    const text = r.text, norm = normalizeMap(text);
    let first = -1;
    for (const w of ws) {
      const i = norm.text.indexOf(w);
      if (i >= 0 && (first < 0 || i < first)) first = i;
    }
    const at = norm.from[first];
    let start = Math.max(0, at - EXCERPT_BEFORE), end = Math.min(text.length, at + EXCERPT_AFTER);
    if (start > 0 && isLow(text, start)) start--;
    if (end < text.length && isLow(text, end)) end++;
    const marks = [];
    for (const w of ws) {
      for (let i = norm.text.indexOf(w); i >= 0; i = norm.text.indexOf(w, i + w.length)) {
        const s = norm.from[i], last = norm.from[i + w.length - 1];
        const e = last + (isHigh(text, last) ? 2 : 1);
        if (e > start && s < end) marks.push([Math.max(s, start), Math.min(e, end)]);
      }
    }
    marks.sort((x, y) => x[0] - y[0]);
    const p = el('p', 'search-excerpt');
    if (start > 0) p.append('…');
    let pos = start;
    for (const [s, e] of marks) {
      if (e <= pos) continue;
      if (s > pos) p.append(text.slice(pos, s));
      p.append(el('mark', '', text.slice(Math.max(s, pos), e)));
      pos = e;
    }
    p.append(text.slice(pos, end));
    if (end < text.length) p.append('…');
    return p;
  }

  function isLow(s, i) { const c = s.charCodeAt(i); return c >= 0xdc00 && c <= 0xdfff; }
  function isHigh(s, i) { const c = s.charCodeAt(i); return c >= 0xd800 && c <= 0xdbff; }

  function run() {
    const q = input.value;
    const url = new URL(location.href);
    if (q) url.searchParams.set('q', q); else url.searchParams.delete('q');
    history.replaceState(null, '', url);
    search(q).catch(() => {
      status.textContent = '搜索暂时无法使用，请稍后再试，或按下方栏目查找。';
      help.hidden = false;
    });
  }

  input.addEventListener('input', run);
  form.addEventListener('submit', (e) => { e.preventDefault(); run(); });
  more.addEventListener('click', () => {
    const s = current;
    if (s && s.words.length) check(s).catch(() => { status.textContent = '加载更多结果失败，请稍后再试。'; });
  });
  input.value = new URLSearchParams(location.search).get('q') || '';
  if (input.value) run();
  else get('meta.json').catch(() => {}); // while the reader types: one round trip less
})();
