package sitegen

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

func TestExtractLinks(t *testing.T) {
	tests := []struct {
		name  string
		html  string
		ids   []string
		hrefs []string
	}{
		{"double quotes", `<a href="/a/" id="x">`, []string{"x"}, []string{"/a/"}},
		{"single quotes", `<a href='/a/"q"/' id='y'>`, []string{"y"}, []string{`/a/"q"/`}},
		{"unquoted", `<a href=/a/ id=z><img src=/i.png>`, []string{"z"}, []string{"/a/", "/i.png"}},
		{"unquoted up to >", `<a href=/a/>x</a>`, nil, []string{"/a/"}},
		{"spaces around =", "<a href = \"/a/\"\nid\t=\tw>", []string{"w"}, []string{"/a/"}},
		{"names in any case", `<A HREF="/a/" Id="v"><IMG SrC='/i.png'>`, []string{"v"}, []string{"/a/", "/i.png"}},
		{"the first of repeated names", `<a href="/first/" HREF="/second/">`, nil, []string{"/first/"}},
		{"entities decoded", `<a href="/s/?a=1&amp;b=2" id="&#x4e00;">`, []string{"一"}, []string{"/s/?a=1&b=2"}},
		{"attribute entities need ;", `<a href="/s/?x=1&copy=2">`, nil, []string{"/s/?x=1&copy=2"}},
		{"references html/template writes", `<a href="tel:&#43;86-10-68200012" id="a&amp;b&#x2B;&#X2b;&lt;&gt;&quot;">`, []string{`a&b++<>"`}, []string{"tel:+86-10-68200012"}},
		{"numeric references without ; or beyond ASCII", `<a href="/&#43x/&#128;/&#0;/&#00000000043;/&#x1F600;/&#;/&amp">`, nil, []string{"/+x/€/\uFFFD/+/😀/&#;/&"}},
		{"distinct links once", `<a href="/a/"><a href="/a/"><a href="">`, nil, []string{"/a/"}},
		{"not in text", `<p>href="/text/" id="t"</p>`, nil, nil},
		{"not in comments", `<!-- <a href="/c/"> --><a href="/after/">`, nil, []string{"/after/"}},
		{"odd comment ends", `<!--><a href="/1/"><!---><a href="/2/"><!-- --!><a href="/3/">`, nil, []string{"/1/", "/2/", "/3/"}},
		{"not in a title", `<title><a href="/t/"></title><a href="/after/">`, nil, []string{"/after/"}},
		{"not in a script", `<script>var s = '<a href="/s/">';</script ><a href="/after/">`, nil, []string{"/after/"}},
		{"a script hiding its end tag", `<script><!--<script></script><a href="/hidden/"></script>--></script><a href="/after/">`, nil, []string{"/after/"}},
		{"end tags read no links", `</a href="/end/"><a href="/after/">`, nil, []string{"/after/"}},
		{"quoted > inside a tag", `<a title="a>b" href="/a/">`, nil, []string{"/a/"}},
		{"self-closing", `<img src="/i.png"/><br/><a/href="/a/">`, nil, []string{"/i.png", "/a/"}},
		{"a tag cut off by the end", `<a href="/a/">x<a href="/cut/"`, nil, []string{"/a/"}},
		{"doctype and processing instructions", `<!doctype html><?xml x="<a href='/pi/'>"?><a href="/a/">`, nil, []string{"/a/"}},
		{"data-href is another attribute", `<a data-href="/d/" xhref="/x/">`, nil, nil},
		{"plaintext to the end", `<plaintext><a href="/p/">`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := extractLinks([]byte(tt.html))
			if ids := slices.Sorted(maps.Keys(got.ids)); !slices.Equal(ids, tt.ids) {
				t.Errorf("got ids %q, want %q", ids, tt.ids)
			}
			if !slices.Equal(got.hrefs, tt.hrefs) {
				t.Errorf("got links %q, want %q", got.hrefs, tt.hrefs)
			}
			compareWithTokenizer(t, []byte(tt.html))
		})
	}
}

// TestExtractLinksRealSite reads every page of the real site both ways.
func TestExtractLinksRealSite(t *testing.T) {
	out := renderRealSite(t)
	for name, data := range out.Files {
		if strings.HasSuffix(name, ".html") {
			compareWithTokenizer(t, data)
		}
	}
}

// FuzzExtractLinks checks that the scanner reads any input as
// golang.org/x/net/html's tokenizer does.
func FuzzExtractLinks(f *testing.F) {
	for _, s := range []string{
		`<a href="/a/" id="x">`, `<a href='/a/' id=y>`, `<A HREF=/a/ ID=z/>`, `<!-- <a href="/c/"> -->`,
		`<title><a href="/t/"></title>`, `<script><!--<script></script>--></script><a href=/x>`,
		`<textarea></TEXTAREA ><a href="/a/">`, `</a href='>'><a =href=x>`, `<a href="&amp;&#0;&x">`,
		"<a href=\"a\r\nb\x00\">", `<!doctype html><?x?></>`, `<p id>`, `<a href=">`,
		`<a href="tel:&#43;86&#x2b;&#X2B;&#043;&#43&#127;&#31;&#xFFFFFFFFF;&quot;&lt;&gt;&amp">`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithTokenizer(t, data)
	})
}

// compareWithTokenizer fails when extractLinks and the tokenizer disagree.
func compareWithTokenizer(t *testing.T, data []byte) {
	t.Helper()
	got, want := extractLinks(data), tokenizerLinks(data)
	if !maps.Equal(got.ids, want.ids) || !slices.Equal(got.hrefs, want.hrefs) {
		t.Errorf("%q: got ids %v links %q, tokenizer ids %v links %q", data, got.ids, got.hrefs, want.ids, want.hrefs)
	}
}
