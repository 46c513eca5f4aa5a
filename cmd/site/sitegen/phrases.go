package sitegen

import (
	"html/template"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/smelisting/alliance/cmd/site/budoux"
)

// phrasesHTML is the template function phrases: the title s, escaped, in a
// <span class="phrases"> with a <wbr> between its phrases. site.css gives the span
// word-break: keep-all, so a browser breaks a Chinese title only at a <wbr> or a space
// and never inside a word (杭州衡信股权投 / 资管理有限公司), and overflow-wrap: anywhere, so a
// phrase longer than the line still wraps.
//
// The phrases are BudouX's (package budoux), with two corrections: its Simplified
// Chinese model often splits a two-character word into single characters (年 / 度,
// 中 / 小, 智 / 能), and a break between two lone Han characters is rarely right, so such
// runs stay together; and it may split Latin letters and digits (I / PO), which the
// browser keeps together anyway, so no <wbr> goes between two of them.
func phrasesHTML(s string) template.HTML {
	var buf [32]int
	cuts := budoux.SimplifiedChinese().Boundaries(buf[:0], s)
	var b strings.Builder
	b.Grow(len(s) + 5*len(cuts) + len(`<span class="phrases"></span>`))
	b.WriteString(`<span class="phrases">`)
	written, prev := 0, 0 // end of what is written, start of the phrase before cuts[i]
	for i, c := range cuts {
		next := len(s)
		if i+1 < len(cuts) {
			next = cuts[i+1]
		}
		if breakBetween(s[prev:c], s[c:next]) {
			b.WriteString(template.HTMLEscapeString(s[written:c]))
			b.WriteString("<wbr>")
			written = c
		}
		prev = c
	}
	b.WriteString(template.HTMLEscapeString(s[written:]))
	b.WriteString("</span>")
	return template.HTML(b.String())
}

// memoPhrases returns phrasesHTML remembering its answers, for one build: a page's title
// is shown twice, in its own h1 and on its card in a list.
func memoPhrases() func(string) template.HTML {
	var seen sync.Map // title → template.HTML
	return func(s string) template.HTML {
		if h, ok := seen.Load(s); ok {
			return h.(template.HTML)
		}
		h := phrasesHTML(s)
		seen.Store(s, h)
		return h
	}
}

// breakBetween reports whether a line may break between the phrases a and b.
func breakBetween(a, b string) bool {
	last, _ := utf8.DecodeLastRuneInString(a)
	first, _ := utf8.DecodeRuneInString(b)
	switch {
	case unicode.IsSpace(last) || unicode.IsSpace(first):
		return false // a space is a break opportunity of its own
	case isLatin(last) && isLatin(first):
		return false
	case loneHan(a) && loneHan(b):
		return false
	}
	return true
}

// loneHan reports whether a phrase is one Han character.
func loneHan(s string) bool {
	r, size := utf8.DecodeRuneInString(s)
	return size == len(s) && unicode.Is(unicode.Han, r)
}

func isLatin(r rune) bool { return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) }
