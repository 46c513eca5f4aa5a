package sitegen

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// fmFields maps each front matter key but aliases to its FrontMatter field index.
var fmFields = func() map[string]int {
	m := map[string]int{}
	t := reflect.TypeFor[FrontMatter]()
	for i := range t.NumField() {
		if k := t.Field(i).Tag.Get("yaml"); k != "aliases" {
			m[k] = i
		}
	}
	return m
}()

var (
	stringType = reflect.TypeFor[string]()
	boolType   = reflect.TypeFor[bool]()
	intType    = reflect.TypeFor[int]()
	dateType   = reflect.TypeFor[Date]()
)

// yamlWords are plain scalars YAML may read as something other than text.
var yamlWords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true, "y": true, "n": true,
	"null": true, "~": true, "<<": true, ".inf": true, ".nan": true,
}

// decodeSimpleFrontMatter decodes front matter made only of "key: value"
// lines whose values YAML reads as plain text, true/false, a whole number
// or a valid date, as yaml.v3 would. It reports false, leaving fm unchanged,
// for anything else (lists, quotes, comments, errors): yaml.v3 decodes those.
func decodeSimpleFrontMatter(src []byte, fm *FrontMatter) bool {
	var out FrontMatter
	v := reflect.ValueOf(&out).Elem()
	var seen uint64 // bit i: field i is set
	for line := range bytes.Lines(src) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 {
			continue
		}
		key, val, ok := strings.Cut(string(line), ": ")
		i, known := fmFields[key]
		if !ok || !known || seen&(1<<i) != 0 || !plainText(val) {
			return false
		}
		seen |= 1 << i
		f := v.Field(i)
		switch f.Type() {
		case stringType:
			if c := val[0]; c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' || len(val) <= 5 && yamlWords[strings.ToLower(val)] {
				return false
			}
			f.SetString(val)
		case boolType:
			if val != "true" && val != "false" {
				return false
			}
			f.SetBool(val == "true")
		case intType:
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || strconv.Itoa(n) != val || len(val) > 15 {
				return false
			}
			f.SetInt(int64(n))
		case dateType:
			t, err := ParseDate(val)
			if err != nil {
				return false
			}
			f.Set(reflect.ValueOf(newDate(t)))
		default:
			return false
		}
	}
	*fm = out
	return true
}

// plainText reports whether s is a one-line plain YAML scalar read as
// written: no indicator first, no comment, no ": ", no spaces at either end
// and only printable characters.
func plainText(s string) bool {
	if s == "" || strings.IndexByte("-?:,[]{}#&*!|>'\"%@` ", s[0]) >= 0 || s[len(s)-1] == ' ' || s[len(s)-1] == ':' ||
		strings.Contains(s, ": ") || strings.Contains(s, " #") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff || r >= 0xfffe && r <= 0xffff || r == utf8.RuneError {
			return false
		}
	}
	return true
}
