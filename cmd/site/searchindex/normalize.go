// Package searchindex is the site search's index format and its matching
// rules, shared by the generator (which writes the index) and mirrored by
// templates/assets/search.js (which reads it in the browser).
//
// # Matching
//
// A query matches a text when every word of the query (split at
// whitespace) is a substring of the text, both normalised by [Normalize]:
// each character by itself in NFKC (full-width letters, digits and
// punctuation become their half-width forms), Latin letters lower-cased,
// whitespace removed. That is what Ctrl-F gives a Chinese reader: "理事会"
// finds the pages that contain the phrase, "ipo" finds "IPO", "２万元"
// finds "2 万元".
//
// # Index
//
// [Build] writes, under search/:
//
//   - meta.json: the number of gram shards, the first document of each
//     document shard and the version of the format;
//   - g/K.json: for the grams (characters and character bigrams of the
//     normalised texts) whose [ShardOf] is K, the ids of the documents
//     that contain them, as ascending deltas;
//   - d/K.json: the documents of shard K, each [url, title, section, date,
//     text], their ids in order.
//
// A search downloads meta.json, the gram shards of at most [MaxGrams] of
// its grams, and the document shards of the candidates it shows, whose
// texts it checks with the rule above: the grams only narrow the
// candidates, so precision is 1.0 by construction.
package searchindex

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold appends the normalised form of r to dst: nothing for whitespace,
// else r in NFKC, Latin letters lower-cased.
func Fold(dst []rune, r rune) []rune {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			return append(dst, r+'a'-'A')
		}
		if asciiSpace(r) {
			return dst
		}
		return append(dst, r)
	case 0x4E00 <= r && r <= 0x9FFF: // CJK Unified Ideographs are their own NFKC
		return append(dst, r)
	case r <= 0xFFFF:
		foldOnce.Do(makeFoldTable)
		return append(dst, foldTable[r]...)
	}
	return foldSlow(dst, r)
}

// foldTable holds the normalised form of every character of the Basic
// Multilingual Plane, made once: NFKC of one character at a time costs an
// allocation each.
var (
	foldOnce  sync.Once
	foldTable [][]rune
)

func makeFoldTable() {
	foldTable = make([][]rune, 0x10000)
	for r := rune(0x80); r <= 0xFFFF; r++ {
		if !utf8.ValidRune(r) {
			foldTable[r] = []rune{utf8.RuneError}
			continue
		}
		foldTable[r] = foldSlow(nil, r)
	}
}

// foldSlow is Fold by way of package norm.
func foldSlow(dst []rune, r rune) []rune {
	if unicode.IsSpace(r) {
		return dst
	}
	for _, c := range norm.NFKC.String(string(r)) {
		if unicode.IsSpace(c) {
			continue
		}
		if unicode.Is(unicode.Latin, c) {
			c = unicode.ToLower(c)
		}
		dst = append(dst, c)
	}
	return dst
}

// asciiSpace reports whether an ASCII r is whitespace (as JavaScript's \s).
func asciiSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r'
}

// Normalize returns s normalised for matching (see the package doc).
func Normalize(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = Fold(out, r)
	}
	return string(out)
}

// Words returns the normalised words of a query, without empty ones and
// repeats.
func Words(query string) []string {
	var words []string
	for _, f := range strings.FieldsFunc(query, unicode.IsSpace) {
		if w := Normalize(f); w != "" && !contains(words, w) {
			words = append(words, w)
		}
	}
	return words
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Matches reports whether the normalised text contains every word (as
// returned by [Words]). No words match nothing.
func Matches(normText string, words []string) bool {
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		if !strings.Contains(normText, w) {
			return false
		}
	}
	return true
}

// Count returns how often the words occur in the normalised text, the
// ranking's measure after title matches and the charter's articles.
func Count(normText string, words []string) int {
	n := 0
	for _, w := range words {
		n += strings.Count(normText, w)
	}
	return n
}
