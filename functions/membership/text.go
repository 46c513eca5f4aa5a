package membership

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanText reports whether s is text a person can have typed into a form field and
// that shows as typed wherever it is read again (the secretariat's lists, a terminal,
// a spreadsheet): valid UTF-8 with no
//
//   - control characters: C0 (U+0000–U+001F), DEL, C1 (U+0080–U+009F), except a
//     line feed or a tab in a multi-line field;
//   - format characters (Unicode category Cf), which are invisible: zero-width spaces
//     and joiners, the bidirectional overrides and isolates (U+202A–U+202E,
//     U+2066–U+2069) that make 北京公司 read backwards, the byte order mark…;
//   - line and paragraph separators (U+2028, U+2029), invisible line breaks;
//   - the replacement character U+FFFD, which stands for bytes that were not text.
//
// Ordinary spaces (the ideographic space too) are text; Normalize tidies them.
func CleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !cleanRune(r, multiline) {
			return false
		}
	}
	return true
}

func cleanRune(r rune, multiline bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return multiline
	case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
		return false
	case r == '\u2028', r == '\u2029', r == utf8.RuneError:
		return false
	}
	return true
}

// Visible returns s without the characters CleanText refuses in a one-line
// field (controls, invisible format characters, line separators), each
// control or separator that stands between words (a tab, a line break) made a
// space: what is left of a search that was pasted with invisible characters
// in it, which stored text never holds. s must be valid UTF-8; U+FFFD is kept,
// since it stands for bytes that were not text and matches nothing.
func Visible(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError || cleanRune(r, false):
			return r
		case unicode.IsSpace(r):
			return ' '
		}
		return -1
	}, s)
}

// textMessage is what a person is told about a field that is not clean text.
func textMessage(label string) string {
	return label + "中有无法显示的特殊字符（常见于从别处复制粘贴），请删除后重新填写"
}

// MaxActorName is the most characters of a person's display name the
// histories keep.
const MaxActorName = 50

// ActorName returns the display name a token carries ("name" or
// "preferred_username") as the histories may store and show it: clean text
// (see CleanText) on one line, without the characters it refuses (bytes that
// are not UTF-8 and U+FFFD dropped too; a tab or line break between words
// made a space), spaces trimmed and runs of them made one, and at most
// MaxActorName characters. The issuer is trusted with who a person is, not
// with what their name may hold.
func ActorName(s string) string {
	s = strings.ReplaceAll(Visible(strings.ToValidUTF8(s, "")), "\uFFFD", "")
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > MaxActorName {
		s = strings.TrimSpace(string(r[:MaxActorName]))
	}
	return s
}
