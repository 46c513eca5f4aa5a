package searchindex

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// scanTokens is extractor.scan done with golang.org/x/net/html's
// tokenizer: the reference of the fast scanner.
func (e *extractor) scanTokens(d []byte) {
	z := html.NewTokenizer(bytes.NewReader(d))
	for !e.done {
		switch tt := z.Next(); tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			e.text(z.Text())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			a := atom.Lookup(name)
			var id string
			var hidden bool
			for more {
				var k, v []byte
				k, v, more = z.TagAttr()
				switch string(k) {
				case "id":
					id = string(v)
				case "hidden", "data-nosearch":
					hidden = true
				}
			}
			e.start(a, id, hidden, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			e.end(atom.Lookup(name))
		}
	}
}

// FuzzExtract checks the scanner of Extract against the tokenizer on
// every input; its seeds (the table of TestExtract and pages of the site
// in testdata/) run in every go test.
func FuzzExtract(f *testing.F) {
	for _, tt := range extractTests {
		f.Add(tt.html)
	}
	pages, _ := filepath.Glob(filepath.Join("testdata", "*.html"))
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		`<main><p>a < b &amp c</p><p id=x hidden>h</p><br/>d<img src="a>b">e</main>`,
		`<main><script>if (a < b) { x = "</p>" }</script><style>p{}</style><textarea>&lt;</textarea><title>t&amp;</title>f</main>`,
		`<main><h2 ID="article-1" class='c'>第一条</H2><!-- c --><!doctype x><?pi?></ br>g</x ></main>`,
		`<main><p title=a/b>ok</p><p data-x='"'>q</p><h3 id = "article-2" >h</h3><p/>`,
		"<main><p>\r\nline\x00nul</p></main>",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		got := extractWith([]byte(page), (*extractor).scan)
		want := extractWith([]byte(page), (*extractor).scanTokens)
		if !slices.Equal(got, want) {
			t.Errorf("Extract(%q):\n got %q\nwant %q (the tokenizer's)", page, got, want)
		}
	})
}

func TestIndexSpace(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		p := []byte("会" + string(r) + "费")
		want := bytes.IndexFunc(p, unicode.IsSpace)
		if want < 0 {
			want = len(p)
		}
		if got := indexSpace(p); got != want {
			t.Fatalf("indexSpace(%q) = %d, want %d", p, got, want)
		}
	}
}
