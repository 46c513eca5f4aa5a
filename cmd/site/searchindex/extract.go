package searchindex

import (
	"bytes"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html/atom"
)

// Part is the text of a rendered page that a search shows as a result of
// its own: the page itself (ID "") or an article of it (ID "article-16").
type Part struct {
	ID    string // the anchor of an article, "" for the page
	Title string // the article's heading ("" for the page)
	Text  string // visible text, runs of whitespace as one space
}

// Extract returns the searchable parts of a rendered page: the visible
// text of its <main> (the first, to its end tag), without forms,
// navigation (a table of contents), scripts, styles, templates, hidden
// elements and those marked data-nosearch (a page's own links such as
// 加入日历 or 返回活动列表, on every page of a kind). A heading whose id starts
// with "article-" (the charter's 第十六条) starts a part of its own, which
// runs to the next heading of its level or above; the rest is the page's
// part, listed first. A page without <main> has no parts.
func Extract(page []byte) []Part {
	start := bytes.Index(page, []byte("<main"))
	if start < 0 {
		return nil
	}
	return extractWith(page[start:], (*extractor).scan) // to </main>
}

// extractWith is Extract of the HTML from <main> on, read by scan.
func extractWith(main []byte, scan func(*extractor, []byte)) []Part {
	scratch := scratches.Get().(*[]byte)
	e := extractor{parts: []*partText{{text: collapser{b: (*scratch)[:0]}}}}
	scan(&e, main)
	out := make([]Part, 0, len(e.parts))
	for _, p := range e.parts {
		out = append(out, Part{ID: p.id, Title: p.title.String(), Text: p.text.String()})
	}
	*scratch = e.parts[0].text.b
	scratches.Put(scratch)
	return out
}

// scratches are the buffers the text of a page is collected in, then
// copied from at its length: collecting it in a string of its own would
// keep the room it grew into for as long as the index is built.
var scratches = sync.Pool{New: func() any { return new([]byte) }}

// partText is a part being read.
type partText struct {
	id          string
	level       int // heading level that ends it
	text, title collapser
}

// collapser builds a text with its runs of whitespace as one space,
// trimmed.
type collapser struct {
	b     []byte
	space bool // whitespace seen since the last character
}

// Write adds text.
func (c *collapser) Write(p []byte) {
	for len(p) > 0 {
		i := indexSpace(p)
		if i > 0 {
			if c.space && len(c.b) > 0 {
				c.b = append(c.b, ' ')
			}
			c.space = false
			c.b = append(c.b, p[:i]...)
		}
		if i == len(p) {
			return
		}
		c.space = true
		_, n := utf8.DecodeRune(p[i:])
		p = p[i+n:]
	}
}

// indexSpace returns the index of the first whitespace (unicode.IsSpace)
// in p, or len(p): it decodes only the characters whose first byte may
// start whitespace (U+0085 … U+3000), none of a CJK ideograph's.
func indexSpace(p []byte) int {
	for i := 0; i < len(p); i++ {
		switch spaceLead[p[i]] {
		case 0:
		case ascii:
			return i
		default:
			if r, _ := utf8.DecodeRune(p[i:]); unicode.IsSpace(r) {
				return i
			}
		}
	}
	return len(p)
}

// spaceLead tells for each byte whether it is ASCII whitespace (ascii) or
// may start a multi-byte whitespace character (maybe).
var spaceLead = func() (t [256]byte) {
	for _, c := range " \t\n\v\f\r" {
		t[c] = ascii
	}
	for _, c := range []byte{0xC2, 0xE1, 0xE2, 0xE3} {
		t[c] = maybe
	}
	return t
}()

const (
	ascii = 1 + iota
	maybe
)

// space1 adds whitespace.
func (c *collapser) space1() { c.space = true }

// String returns the text.
func (c *collapser) String() string { return string(c.b) }

// extractor reads the tokens of a <main>.
type extractor struct {
	parts   []*partText
	cur     int  // index of the part being read
	skip    int  // depth inside a skipped element (0: reading)
	heading int  // level of the article heading being read, 0 if none
	done    bool // </main> read: the rest is not the main content
}

// text takes text.
func (e *extractor) text(t []byte) {
	if e.skip == 0 {
		p := e.parts[e.cur]
		p.text.Write(t)
		if e.heading > 0 {
			p.title.Write(t)
		}
	}
}

// start takes a start tag.
func (e *extractor) start(a atom.Atom, id string, hidden, selfClosing bool) {
	if void(a) || selfClosing {
		e.space(a)
		return
	}
	if e.skip > 0 {
		e.skip++
		return
	}
	if skipped(a) || hidden {
		e.skip = 1
		return
	}
	e.space(a)
	if lv := headingLevel(a); lv > 0 {
		e.openHeading(lv, id)
	}
}

// end takes an end tag.
func (e *extractor) end(a atom.Atom) {
	if a == atom.Main { // <main> does not nest
		e.done = true
		return
	}
	if e.skip > 0 {
		e.skip--
		return
	}
	e.space(a)
	if lv := headingLevel(a); lv > 0 && lv == e.heading {
		e.heading = 0
	}
}

// openHeading ends the article being read at a heading of its level or
// above, and starts one at a heading with an article's id.
func (e *extractor) openHeading(level int, id string) {
	if e.cur > 0 && level <= e.parts[e.cur].level {
		e.cur = 0
	}
	if strings.HasPrefix(id, "article-") {
		e.parts = append(e.parts, &partText{id: id, level: level})
		e.cur = len(e.parts) - 1
		e.heading = level
	}
}

// space separates the text of block elements.
func (e *extractor) space(a atom.Atom) {
	if e.skip > 0 || inline(a) {
		return
	}
	e.parts[e.cur].text.space1()
	if e.heading > 0 {
		e.parts[e.cur].title.space1()
	}
}

// skipped reports whether an element's text is left out of the index.
func skipped(a atom.Atom) bool {
	switch a {
	case atom.Form, atom.Nav, atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Svg, atom.Button, atom.Select, atom.Textarea, atom.Dialog:
		return true
	}
	return false
}

// void reports whether an element has no end tag.
func void(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input, atom.Link, atom.Meta, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// inline reports whether an element runs on within its text (no space
// around it).
func inline(a atom.Atom) bool {
	switch a {
	case atom.A, atom.Abbr, atom.B, atom.Bdi, atom.Bdo, atom.Cite, atom.Code, atom.Data, atom.Del, atom.Dfn, atom.Em, atom.I, atom.Ins, atom.Kbd,
		atom.Mark, atom.Q, atom.Ruby, atom.Rt, atom.Rp, atom.S, atom.Samp, atom.Small, atom.Span, atom.Strong, atom.Sub, atom.Sup, atom.Time, atom.U, atom.Var, atom.Wbr:
		return true
	}
	return false
}

// headingLevel returns n for <hn>, else 0.
func headingLevel(a atom.Atom) int {
	switch a {
	case atom.H1:
		return 1
	case atom.H2:
		return 2
	case atom.H3:
		return 3
	case atom.H4:
		return 4
	case atom.H5:
		return 5
	case atom.H6:
		return 6
	}
	return 0
}
