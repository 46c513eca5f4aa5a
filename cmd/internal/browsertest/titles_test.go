package browsertest

import (
	"strings"
	"testing"
)

// titleLines is how the browser laid out one title made by the phrases template function.
type titleLines struct {
	Text  string   `json:"text"`
	Lines []string `json:"lines"` // the title's text, line by line
	Bad   []string `json:"bad"`   // line breaks between two characters with no <wbr> or space there
}

// layTitles returns the line boxes of every .phrases title on the current page: the
// characters are measured one by one (Range.getClientRects), a new line starts where a
// character sits lower than the one before, and each break is checked against the places
// a break is allowed (a <wbr> or a space).
func layTitles(tb *tab) []titleLines {
	tb.t.Helper()
	return eval[[]titleLines](tb, `[...document.querySelectorAll('.phrases')].filter(e => e.getClientRects().length > 0).map(el => {
		const chars = []; // {ch, top, allowed: a break before it is allowed}
		let allowNext = false;
		const walk = n => {
			for (const c of n.childNodes) {
				if (c.nodeType === Node.ELEMENT_NODE && c.tagName === 'WBR') { allowNext = true; continue; }
				if (c.nodeType === Node.ELEMENT_NODE) { walk(c); continue; }
				if (c.nodeType !== Node.TEXT_NODE) continue;
				const s = c.data;
				for (let i = 0; i < s.length; i++) {
					const r = document.createRange(); r.setStart(c, i); r.setEnd(c, i + 1);
					const rect = r.getClientRects()[0];
					const prevSpace = chars.length > 0 && /\s/.test(chars[chars.length - 1].ch);
					chars.push({ch: s[i], top: rect ? rect.top : NaN, allowed: allowNext || prevSpace || /\s/.test(s[i])});
					allowNext = false;
				}
			}
		};
		walk(el);
		const lines = [], bad = [];
		let line = '';
		chars.forEach((c, i) => {
			if (i > 0 && !isNaN(c.top) && c.top > chars[i - 1].top + 2) {
				lines.push(line); line = '';
				if (!c.allowed) bad.push(chars.slice(Math.max(0, i - 4), i).map(x => x.ch).join('') + ' / ' + chars.slice(i, i + 4).map(x => x.ch).join(''));
			}
			line += c.ch;
		});
		lines.push(line);
		return {text: el.textContent, lines, bad};
	})`)
}

// TestTitlesKeepWords lays out the titles of the site on a phone (390 px) and checks that
// each breaks only between phrases, never inside a word: in particular the two titles a
// visitor found broken, 杭州衡信股权投 / 资管理有限公司 and 2026 年 / 度理事大会, now wrap
// onto two lines at a phrase boundary.
func TestTitlesKeepWords(t *testing.T) {
	tb := openTab(t, phone)
	examples := map[string]string{
		"/members/hengxin/":           "投资",
		"/events/2026-assembly/":      "年度",
		"/news/2026-assembly-notice/": "年度",
	}
	pages := []string{"/", "/events/", "/members/", "/news/", firstPage(t, "events"), "/members/hengxin/", "/events/2026-assembly/", "/news/2026-assembly-notice/"}
	titles := 0
	for _, p := range pages {
		tb.load(p)
		for _, tl := range layTitles(tb) {
			titles++
			for _, b := range tl.Bad {
				t.Errorf("%s: title %q breaks inside a word: %s (lines %q)", p, tl.Text, b, tl.Lines)
			}
		}
		word, ok := examples[p]
		if !ok {
			continue
		}
		h1 := layTitles(tb)
		var lines []string
		for _, tl := range h1 {
			if strings.Contains(tl.Text, word) && len(tl.Lines) > len(lines) {
				lines = tl.Lines
			}
		}
		if len(lines) < 2 {
			t.Errorf("%s: the title holding %s is on %d line(s) (%q) at 390 px, want it wrapped (else this proves nothing)", p, word, len(lines), lines)
		}
		for _, l := range lines {
			if strings.HasSuffix(l, word[:3]) { // the first character of the word ends a line
				t.Errorf("%s: line %q ends inside %s", p, l, word)
			}
		}
		t.Logf("%s at 390 px: %q", p, lines)
	}
	if titles < 20 {
		t.Errorf("checked %d titles, want the titles of every page type (>= 20)", titles)
	}
	tb.clean(nil)
}
