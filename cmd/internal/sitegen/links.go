package sitegen

import (
	"bytes"
	"slices"

	"golang.org/x/net/html"
)

// pageLinks are the ids and link targets of one HTML output.
type pageLinks struct {
	ids   map[string]bool
	hrefs []string // distinct, non-empty
}

// add records the value of an id, href or src attribute.
func (pl *pageLinks) add(key, val string) {
	switch {
	case key == "id":
		pl.ids[val] = true
	// a page has few distinct links: a linear search beats a map
	case val != "" && !slices.Contains(pl.hrefs, val):
		pl.hrefs = append(pl.hrefs, val)
	}
}

// extractLinks returns the id, href and src attributes of the start tags of
// an HTML page exactly as golang.org/x/net/html's tokenizer reads them
// (values double-quoted, single-quoted or unquoted, names in any case, the
// first of repeated names, nothing inside comments, scripts, styles or
// titles, entities decoded), at a tenth of its cost: it jumps from '<' to
// '<' and reads only tags, where the tokenizer copies and lowers every
// attribute. A value it cannot take as written (an entity, a NUL or CR in
// it) is decoded by the tokenizer, and a page whose script hides its end
// tag in an escaped <!-- section is left to the tokenizer whole.
func extractLinks(data []byte) pageLinks {
	s := linkScanner{data: data, pl: pageLinks{ids: map[string]bool{}}}
	if !s.scan() {
		return tokenizerLinks(data)
	}
	return s.pl
}

// tokenizerLinks is extractLinks done with the tokenizer.
func tokenizerLinks(data []byte) pageLinks {
	pl := pageLinks{ids: map[string]bool{}}
	z := html.NewTokenizer(bytes.NewReader(data))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return pl
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, more := z.TagName(); more; {
				var k, v []byte
				k, v, more = z.TagAttr()
				if key := string(k); key == "id" || key == "href" || key == "src" {
					pl.add(key, string(v))
				}
			}
		}
	}
}

// linkScanner walks an HTML page from tag to tag, following the states of
// the HTML tokenizer (WHATWG 13.2.5) as x/net/html implements them.
type linkScanner struct {
	data []byte
	pl   pageLinks
}

// scan reads the whole page; it reports false when it leaves the page to
// the tokenizer.
func (s *linkScanner) scan() bool {
	d := s.data
	i := 0
	for {
		j := bytes.IndexByte(d[i:], '<')
		if j < 0 || i+j+1 >= len(d) {
			return true
		}
		i += j + 1 // after '<'
		switch c := d[i]; {
		case isASCIILetter(c):
			end, name, ok := s.tag(i, true)
			if !ok {
				return true // the tokenizer drops a tag cut off by the end
			}
			i = end
			if rt := rawTextTag(name); rt != "" {
				if i, ok = s.skipRawText(i, rt); !ok {
					return false
				}
			}
		case c == '/':
			if i+1 >= len(d) {
				return true
			}
			switch c := d[i+1]; {
			case c == '>': // "</>" is nothing
				i += 2
			case isASCIILetter(c):
				end, _, ok := s.tag(i+1, false)
				if !ok {
					return true
				}
				i = end
			default: // a bogus comment up to '>'
				i = closeAngle(d, i+1)
			}
		case c == '!':
			if i+2 >= len(d) {
				return true // a bogus comment up to the end
			}
			if d[i+1] == '-' && d[i+2] == '-' {
				i = commentEnd(d, i+3)
			} else { // a doctype or a bogus comment up to '>'
				i = closeAngle(d, i+1)
			}
		case c == '?':
			i = closeAngle(d, i)
		}
		// anything else: the '<' was text
	}
}

// tag reads a start or end tag whose name begins at d[i] and returns the
// position after its '>', its name and false if the page ends inside it.
// The id, href and src attributes of a complete start tag go into s.pl.
func (s *linkScanner) tag(i int, start bool) (end int, name []byte, ok bool) {
	d := s.data
	n := i
	for n < len(d) && byteClass[d[n]]&nameEnd == 0 {
		n++
	}
	if n >= len(d) {
		return 0, nil, false
	}
	name = d[i:n]
	var found [len(linkAttrs)]struct {
		val   []byte
		quote byte
	}
	var order [len(linkAttrs)]int // the attributes found, in order; the first of each name counts
	nFound := 0
	for {
		for n < len(d) && isHTMLSpace(d[n]) {
			n++
		}
		if n >= len(d) {
			return 0, nil, false
		}
		if d[n] == '>' {
			break
		}
		var key, val []byte
		var quote byte
		if key, val, quote, n = attribute(d, n); n < 0 {
			return 0, nil, false
		}
		if k := linkAttr(key); start && k >= 0 && !slices.Contains(order[:nFound], k) {
			found[k].val, found[k].quote = val, quote
			order[nFound] = k
			nFound++
		}
	}
	for _, k := range order[:nFound] {
		s.pl.add(linkAttrs[k], attrValue(found[k].val, found[k].quote))
	}
	return n + 1, name, true
}

// attribute reads the attribute at d[n] (not a space or '>'): its name,
// raw value and quote (0 for none), and the position after it, or -1 if
// the page ends inside it.
func attribute(d []byte, n int) (key, val []byte, quote byte, next int) {
	k := n
	if d[n] == '=' { // a name may begin with '='
		n++
	}
	for n < len(d) && byteClass[d[n]]&keyEnd == 0 {
		n++
	}
	key = d[k:n]
	for n < len(d) && isHTMLSpace(d[n]) {
		n++
	}
	if n >= len(d) {
		return nil, nil, 0, -1
	}
	switch d[n] {
	case '/':
		return key, nil, 0, n + 1
	case '=':
	default:
		return key, nil, 0, n // no value
	}
	n++
	for n < len(d) && isHTMLSpace(d[n]) {
		n++
	}
	if n >= len(d) {
		return nil, nil, 0, -1
	}
	switch q := d[n]; q {
	case '>':
		return key, nil, 0, n
	case '"', '\'':
		e := bytes.IndexByte(d[n+1:], q)
		if e < 0 {
			return nil, nil, 0, -1
		}
		return key, d[n+1 : n+1+e], q, n + 2 + e
	}
	v := n
	for n < len(d) && byteClass[d[n]]&valueEnd == 0 {
		n++
	}
	if n >= len(d) {
		return nil, nil, 0, -1
	}
	return key, d[v:n], 0, n
}

// linkAttrs are the attributes extractLinks reads.
var linkAttrs = [3]string{"id", "href", "src"}

// linkAttr returns the index in linkAttrs of an attribute name in any
// (ASCII) case, or -1.
func linkAttr(key []byte) int {
	for i, a := range linkAttrs {
		if asciiEqualFold(key, a) {
			return i
		}
	}
	return -1
}

// attrValue is an attribute's value as the tokenizer returns it.
func attrValue(raw []byte, quote byte) string {
	if bytes.IndexByte(raw, '\r') >= 0 || bytes.IndexByte(raw, 0) >= 0 {
		return tokenizerAttr(raw, quote)
	}
	amp := bytes.IndexByte(raw, '&')
	if amp < 0 {
		return string(raw)
	}
	// Not rare: html/template writes a + as &#43; (the tel: link in every
	// footer) and & as &amp;. Those stand for one printable ASCII character;
	// any other reference goes to the tokenizer.
	b := make([]byte, 0, len(raw))
	for rest := raw; ; {
		c, n := asciiReference(rest[amp:])
		if n == 0 {
			return tokenizerAttr(raw, quote)
		}
		b = append(append(b, rest[:amp]...), c)
		rest = rest[amp+n:]
		if amp = bytes.IndexByte(rest, '&'); amp < 0 {
			return string(append(b, rest...))
		}
	}
}

// asciiReferences are the named references asciiReference decodes.
var asciiReferences = [...]struct {
	name string
	c    byte
}{{"&amp;", '&'}, {"&quot;", '"'}, {"&lt;", '<'}, {"&gt;", '>'}}

// asciiReference decodes the character reference at the start of s (which
// begins with '&') when it ends with ';' and stands for a printable ASCII
// character (&#43;, &#x2B;, &amp; …), as the tokenizer does, and returns
// it and its length; n is 0 for any other.
func asciiReference(s []byte) (c byte, n int) {
	for _, r := range asciiReferences {
		if bytes.HasPrefix(s, []byte(r.name)) {
			return r.c, len(r.name)
		}
	}
	if len(s) < 4 || s[1] != '#' {
		return 0, 0
	}
	i, base := 2, 10
	if s[2] == 'x' || s[2] == 'X' {
		i, base = 3, 16
	}
	x, start := 0, i
	for ; i < len(s) && i-start < 8; i++ {
		d := digitValue(s[i], base)
		if d < 0 {
			break
		}
		x = x*base + d
	}
	if i == start || i >= len(s) || s[i] != ';' || x < 0x20 || x > 0x7e {
		return 0, 0
	}
	return byte(x), i + 1
}

// digitValue is the value of the digit c in base 10 or 16, or -1.
func digitValue(c byte, base int) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case base == 16 && 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case base == 16 && 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// tokenizerAttr is attrValue done by the tokenizer, from the attribute
// written again.
func tokenizerAttr(raw []byte, quote byte) string {
	tag := make([]byte, 0, len(raw)+8)
	tag = append(tag, "<a v="...)
	if quote != 0 {
		tag = append(tag, quote)
	}
	tag = append(tag, raw...)
	if quote != 0 {
		tag = append(tag, quote)
	}
	z := html.NewTokenizer(bytes.NewReader(append(tag, '>')))
	z.Next()
	z.TagName()
	_, v, _ := z.TagAttr()
	return string(v)
}

// rawTextTag returns the lowered name of a tag whose content the tokenizer
// reads as text up to its end tag, or "".
func rawTextTag(name []byte) string {
	if len(name) < 3 || len(name) > 9 {
		return ""
	}
	for _, t := range [...]string{"iframe", "noembed", "noframes", "noscript", "plaintext", "script", "style", "textarea", "title", "xmp"} {
		if asciiEqualFold(name, t) {
			return t
		}
	}
	return ""
}

// skipRawText returns the position of the end tag of the raw text element
// tag whose content starts at d[i] (the end of the page when there is
// none). It reports false for a script with an escaped "<!--" section,
// whose end the tokenizer finds by rules of its own.
func (s *linkScanner) skipRawText(i int, tag string) (int, bool) {
	d := s.data
	if tag == "plaintext" {
		return len(d), true
	}
	for n := i; ; {
		j := bytes.Index(d[n:], []byte("</"))
		if j < 0 {
			if tag == "script" && bytes.Contains(d[i:], []byte("<!--")) {
				return 0, false
			}
			return len(d), true
		}
		n += j
		e := n + 2 + len(tag)
		if e < len(d) && asciiEqualFold(d[n+2:e], tag) && (isHTMLSpace(d[e]) || d[e] == '/' || d[e] == '>') {
			if tag == "script" && bytes.Contains(d[i:n], []byte("<!--")) {
				return 0, false
			}
			return n, true
		}
		n += 2
	}
}

// commentEnd returns the position after the comment whose text starts at
// d[i] (after "<!--"): after "-->" or "--!>", or after "<!-->" and "<!--->".
func commentEnd(d []byte, i int) int {
	dashes, beginning := 0, true
	for i < len(d) {
		c := d[i]
		i++
		switch c {
		case '-':
			dashes++
			continue
		case '>':
			if dashes >= 2 || beginning {
				return i
			}
		case '!':
			if dashes >= 2 {
				if i >= len(d) {
					return i
				}
				c, i = d[i], i+1
				if c == '>' {
					return i
				}
				if c == '-' {
					dashes, beginning = 1, false
					continue
				}
			}
		}
		dashes, beginning = 0, false
	}
	return len(d)
}

// closeAngle returns the position after the first '>' at or after d[i], or
// the end.
func closeAngle(d []byte, i int) int {
	if j := bytes.IndexByte(d[i:], '>'); j >= 0 {
		return i + j + 1
	}
	return len(d)
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// Byte classes of the tokenizer, looked up rather than compared in the
// loops over names (the cheapest part of a build's link check is the one
// that runs on every byte of every tag).
const (
	htmlSpace = 1 << iota // ' ', '\n', '\r', '\t', '\f'
	nameEnd               // ends a tag name: space, '/', '>'
	keyEnd                // ends an attribute name: space, '/', '>', '='
	valueEnd              // ends an unquoted value: space, '>'
)

var byteClass = func() (t [256]uint8) {
	for _, c := range []byte(" \n\r\t\f") {
		t[c] = htmlSpace | nameEnd | keyEnd | valueEnd
	}
	t['/'] = nameEnd | keyEnd
	t['>'] = nameEnd | keyEnd | valueEnd
	t['='] = keyEnd
	return t
}()

func isHTMLSpace(c byte) bool { return byteClass[c]&htmlSpace != 0 }

// asciiEqualFold reports whether b is s (lower case) in any ASCII case; unlike
// bytes.EqualFold it folds no other letters ("ſ" is not "s" in HTML names).
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
