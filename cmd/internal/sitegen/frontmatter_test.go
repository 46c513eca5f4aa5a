package sitegen

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// frontMatterCases are front matter the fast path must read as yaml.v3
// does, or decline: plain values and every YAML trick near them.
var frontMatterCases = []string{
	"title: 活动\nstart: 2026-12-01 10:00\nend: 2026-12-01 12:00\ncity: 北京\nkind: salon\n",
	"title: x\nweight: 3\ndraft: true\ntoc: false\njoined: 2024\nsample: true\n",
	"title: https://example.com/a:b\nsummary: 一句话，含全角：冒号与 (括号) 和 [方括号]\n",
	"title: 1984\n", "title: true\n", "title: yes\n", "title: ~\n", "title: null\n", "title: -x\n", "title: .5\n",
	"title: [a]\n", "title: 'q'\n", "title: \"q\"\n", "title: a # c\n", "title: a: b\n", "title: a:\n", "title:  a\n",
	"title: a \n", "title: a\r\n", "title: a\n  b\n", "title: a\ntitle: b\n", "colour: red\n", "Title: a\n",
	"title: a\tb\n", "title: a\u2028b\n", "title: a\u0085b\n", "title: \xff\n", "title: *a\n", "title: !t\n",
	"weight: 第一\n", "weight: 007\n", "weight: 0x10\n", "weight: -1\n", "weight: 1_000\n", "draft: maybe\n", "draft: True\n",
	"end: 2026-13-45\n", "date: 2026-01-02\n", "date: 2026-01-02T10:00:00+08:00\n", "aliases: [/a/]\n",
	"title: a\n\nslug: b\n", "title: a\n# c\n", "title: <<\n", "title: Off\n",
}

// TestSimpleFrontMatterMatchesYAML checks that the fast path decodes what
// yaml.v3 decodes, and declines what it cannot decode the same way, for
// the cases above, every content file and the synthetic site's pages.
func TestSimpleFrontMatterMatchesYAML(t *testing.T) {
	cases := append([]string(nil), frontMatterCases...)
	fsys := os.DirFS(filepath.Join(moduleRoot(t), "content"))
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".md") {
			raw, _ := fs.ReadFile(fsys, p)
			if parts := bytes.SplitN(raw, []byte("---\n"), 3); len(parts) == 3 {
				cases = append(cases, string(parts[1]))
			}
		}
		return nil
	})
	c, _ := synthSite(t, 20, 20, 20)
	for p, f := range c {
		if strings.HasPrefix(p, "events/synth") || strings.HasPrefix(p, "members/synth") || strings.HasPrefix(p, "news/synth") {
			cases = append(cases, string(bytes.SplitN(f.Data, []byte("---\n"), 3)[1]))
		}
	}
	fast := 0
	for _, src := range cases {
		if checkFrontMatter(t, []byte(src)) {
			fast++
		}
	}
	t.Logf("fast path took %d of %d cases", fast, len(cases))
	if fast < 60 {
		t.Errorf("fast path took only %d of %d cases", fast, len(cases))
	}
}

// FuzzFrontMatter checks the fast path against yaml.v3 on any input.
func FuzzFrontMatter(f *testing.F) {
	for _, src := range frontMatterCases {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		checkFrontMatter(t, src)
	})
}

// checkFrontMatter fails when the fast path decodes src otherwise than
// yaml.v3 (with known fields only); it reports whether the fast path took it.
func checkFrontMatter(t *testing.T, src []byte) bool {
	t.Helper()
	var got FrontMatter
	if !decodeSimpleFrontMatter(src, &got) {
		return false
	}
	var want FrontMatter
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	// yaml.v3 reads no document (io.EOF) in blank input: no fields set.
	if err := dec.Decode(&want); err != nil && err != io.EOF {
		t.Errorf("%q: fast path decoded what yaml rejects: %v", src, err)
		return true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%q: fast path %+v, yaml %+v", src, got, want)
	}
	return true
}
