package searchindex

import (
	"bytes"
	"golang.org/x/net/html"

	"golang.org/x/net/html/atom"
)

// scan feeds the extractor the tags and text of an HTML fragment as
// golang.org/x/net/html's tokenizer reads them, at a fraction of its cost:
// it jumps from '<' to '<', decodes only text with an entity in it and
// reads only the id and hidden attributes. scanTokens, the same with the
// tokenizer, is its reference in the tests.
func (e *extractor) scan(d []byte) {
	for len(d) > 0 && !e.done {
		i := bytes.IndexByte(d, '<')
		if i < 0 {
			e.text(unescape(d))
			return
		}
		if i > 0 {
			e.text(unescape(d[:i]))
			d = d[i:]
		}
		n := e.markup(d)
		if n < 0 {
			return // the fragment ends inside a tag
		}
		d = d[n:]
	}
}

// markup reads what starts with '<' at d[0] and returns its length, or -1
// when the fragment ends first; a '<' that starts no tag is text.
func (e *extractor) markup(d []byte) int {
	switch {
	case len(d) == 1 || len(d) == 2 && d[1] == '/': // the tokenizer's text at the end
		e.text(d)
		return len(d)
	case bytes.HasPrefix(d, []byte("<!--")):
		end := bytes.Index(d[4:], []byte("-->"))
		if end < 0 {
			return -1
		}
		return 4 + end + 3
	case len(d) > 1 && (d[1] == '!' || d[1] == '?'), len(d) > 2 && d[1] == '/' && !isLetter(d[2]):
		end := bytes.IndexByte(d, '>')
		if end < 0 {
			return -1
		}
		return end + 1
	case len(d) > 1 && d[1] == '/':
		name, n := tagName(d[2:])
		_, _, _, end := attributes(d, 2+n)
		if end < 0 {
			return -1
		}
		e.end(atom.Lookup(name))
		return end
	case len(d) > 1 && isLetter(d[1]):
		return e.startTag(d)
	}
	e.text([]byte{'<'})
	return 1
}

// startTag reads a start tag and, for an element of raw text (script,
// style …), its text and end tag.
func (e *extractor) startTag(d []byte) int {
	name, n := tagName(d[1:])
	id, hidden, selfClosing, i := attributes(d, 1+n)
	if i < 0 {
		return -1
	}
	a := atom.Lookup(name)
	e.start(a, id, hidden, selfClosing)
	if raw := rawText(a); raw != "" && !selfClosing {
		end := indexEndTag(d[i:], "</"+raw)
		if end < 0 { // the text runs to the end
			end = len(d) - i
		}
		if a == atom.Title || a == atom.Textarea {
			e.text(unescape(d[i : i+end]))
		} else {
			e.text(d[i : i+end])
		}
		return i + end // the end tag is read next
	}
	return i
}

// attributes reads the attributes of a tag from d[i] on and returns its
// id, whether it has hidden or data-nosearch and ends in "/>", and where it ends (-1 past
// the end of d).
func attributes(d []byte, i int) (id string, hidden, selfClosing bool, end int) {
	idSeen := false
	for {
		for i < len(d) && (isSpace(d[i]) || d[i] == '/') {
			selfClosing = d[i] == '/'
			i++
		}
		if i >= len(d) {
			return "", false, false, -1
		}
		if d[i] == '>' {
			return id, hidden, selfClosing, i + 1
		}
		selfClosing = false
		k := i
		for i < len(d) && !isSpace(d[i]) && d[i] != '/' && d[i] != '>' && (d[i] != '=' || i == k) {
			i++
		}
		key := d[k:i]
		for i < len(d) && isSpace(d[i]) {
			i++
		}
		var val []byte
		if i < len(d) && d[i] == '=' {
			i++
			for i < len(d) && isSpace(d[i]) {
				i++
			}
			if i >= len(d) {
				return "", false, false, -1
			}
			if q := d[i]; q == '"' || q == '\'' {
				end := bytes.IndexByte(d[i+1:], q)
				if end < 0 {
					return "", false, false, -1
				}
				val, i = d[i+1:i+1+end], i+1+end+1
			} else {
				k := i
				for i < len(d) && !isSpace(d[i]) && d[i] != '>' {
					i++
				}
				val = d[k:i]
			}
		}
		switch {
		case bytes.EqualFold(key, []byte("id")) && !idSeen: // the first of repeated names counts
			id, idSeen = string(unescape(val)), true
		case bytes.EqualFold(key, []byte("hidden")), bytes.EqualFold(key, []byte("data-nosearch")):
			hidden = true
		}
	}
}

// rawText returns the name of an element whose text the tokenizer reads
// as it is, to its end tag, or "".
func rawText(a atom.Atom) string {
	switch a {
	case atom.Script, atom.Style, atom.Textarea, atom.Title, atom.Iframe, atom.Noembed, atom.Noframes, atom.Noscript, atom.Xmp:
		return a.String()
	}
	return ""
}

// tagName returns the lower-cased name at the start of d and its length.
func tagName(d []byte) ([]byte, int) {
	n := 0
	for n < len(d) && !isSpace(d[n]) && d[n] != '/' && d[n] != '>' {
		n++
	}
	name := d[:n]
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			return bytes.ToLower(name), n
		}
	}
	return name, n // as written, mostly: no copy
}

// indexEndTag returns where the end tag s ("</script") starts in d, its
// name in any case and followed by a space, '/' or '>', or -1.
func indexEndTag(d []byte, s string) int {
	for i := 0; i+len(s) <= len(d); i++ {
		j := bytes.IndexByte(d[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if k := i + len(s); k <= len(d) && bytes.EqualFold(d[i:k], []byte(s)) && (k == len(d) || isSpace(d[k]) || d[k] == '/' || d[k] == '>') {
			return i
		}
	}
	return -1
}

// unescape decodes the character references of text, if any.
func unescape(b []byte) []byte {
	if bytes.IndexByte(b, '&') < 0 {
		return b
	}
	return []byte(html.UnescapeString(string(b)))
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' }
