package httpapi_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// FuzzDecodeValidate feeds arbitrary bodies to the decoder and validator: they must
// never panic, must reject with EINVALID only, and whatever they accept, honeypot or
// not, must be valid, and every string it would store must be clean text
// (membership.CleanText: no control, format or separator character, no U+FFFD,
// valid UTF-8; line feeds and tabs only in the introduction). `go test` runs the
// seeds; `go test -fuzz FuzzDecodeValidate` fuzzes.
func FuzzDecodeValidate(f *testing.F) {
	for _, seed := range []string{
		validJSON,
		`{"type":"individual","contact":"王五","phone":"010-68200012","email":"w@example.cn","region":"上海市","industry":"金融","specialised":"none","services":["ipo"],"introduction":"个人","commitment_accepted":true,"privacy_accepted":true,"privacy_version":"2026-11-01"}`,
		`{"type":"individual","credit_code":"91110000600037341L"}`,
		`{"listing_plan":{"year":99999999999999999999}}`,
		`{"services":[null,"ipo","ipo"]}`,
		`{"website":"x"}`,
		strings.Replace(validJSON, `"type":`, `"website":"http://spam.example","type":`, 1),
		`{"TYPE":"individual","Listing_Plan":{"YEAR":2030}}`,
		`{"type":"\u0000"}`,
		strings.Replace(validJSON, "北京示例", `北京\u0000示例`, 1),
		strings.Replace(validJSON, "北京示例", `\u202e司公京北`, 1),
		strings.Replace(validJSON, `"contact":"李四"`, `"contact":"李四\u001b[2J\u001b[31m"`, 1),
		strings.Replace(validJSON, "专注", `专注\u200d\u2028\ud800`, 1),
		strings.Replace(validJSON, "专注", `专注\r\n\t`, 1),
		strings.Replace(validJSON, "专注", `专注\u0085`, 1),
		strings.Replace(validJSON, "北京示例", "北京\xff\xfe\xc3示例", 1),
		`{`, `[]`, `null`, `""`, `{}{}`, "\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		app, honeypot, err := httpapi.DecodeApplication(body)
		if err != nil {
			if code := membership.ErrorCode(err); code != membership.EINVALID {
				t.Fatalf("DecodeApplication(%q) error code = %q (%v), want %q", body, code, err, membership.EINVALID)
			}
			return
		}
		if app == nil {
			t.Fatalf("DecodeApplication(%q) = nil, %v, nil, want an application", body, honeypot)
		}
		if verr := app.Validate(); verr != nil {
			t.Fatalf("DecodeApplication(%q) accepted an application that fails Validate: %v", body, verr)
		}
		forStrings(reflect.ValueOf(app).Elem(), "", func(path, s string) {
			if !utf8.ValidString(s) {
				t.Fatalf("DecodeApplication(%q) accepted %s = %q, which is not UTF-8", body, path, s)
			}
			for _, r := range s {
				if refusedRune(r, path == "Introduction") {
					t.Fatalf("DecodeApplication(%q) accepted %s = %q, with %U", body, path, s, r)
				}
			}
		})
	})
}

// refusedRune says, independently of membership.CleanText, which characters
// no stored text may hold: controls (a line feed or tab only in a multi-line
// field), format characters, line and paragraph separators, U+FFFD.
func refusedRune(r rune, multiline bool) bool {
	if r == '\n' || r == '\t' {
		return !multiline
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) || r == unicode.ReplacementChar
}

// forStrings calls fn with each string in v (a struct, and the structs, pointers
// and slices it holds) and its path.
func forStrings(v reflect.Value, path string, fn func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		fn(path, v.String())
	case reflect.Pointer:
		if !v.IsNil() {
			forStrings(v.Elem(), path, fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			forStrings(v.Index(i), path, fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				forStrings(v.Field(i), strings.TrimPrefix(path+"."+v.Type().Field(i).Name, "."), fn)
			}
		}
	}
}
