package sitegen

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// searchEdits add to the fixture what the index treats specially: a
// charter with articles, a page with a form, a noindex page and a page
// kept out of the search.
var searchEdits = map[string]string{
	"content/charter.md": "---\ntitle: 联盟章程\n---\n本章程经理事大会通过。\n\n## 第六章 会费 {#chapter-6}\n\n### 第十六条 {#article-16}\n\n" +
		"企业会员年度会费为 2 万元/年；个人会员免费。\n\n### 第十七条 会费使用 {#article-17}\n\n会费用于联盟的<strong>日常</strong>工作。\n\n## 第七章 附则 {#chapter-7}\n\n本章程由理事会负责解释。\n",
	"content/apply.md":     "---\ntitle: 在线申请\nlayout: apply\n---\n请填写下表，ＩＰＯ辅导请另行联系。\n",
	"content/console.md":   "---\ntitle: 秘书处控制台\nnoindex: true\n---\n控制台正文。\n",
	"content/search.md":    "---\ntitle: 站内搜索\nnosearch: true\n---\n搜索说明。\n",
	"templates/apply.html": `{{define "main"}}<h1>{{.Page.Title}}</h1>{{.Page.Content}}<form><label for="n">单位名称</label><input id="n"><button>提交</button></form>{{end}}`,
}

// TestSearchIndexGolden renders the fixture with searchEdits and compares
// the files of the search index with testdata/search-index.golden.
func TestSearchIndexGolden(t *testing.T) {
	out, err := renderFixture(t, searchEdits)
	if err != nil {
		t.Fatal(err)
	}
	var ar txtar.Archive
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for name := range out.Files {
			if strings.HasPrefix(name, searchDir) && !yield(name) {
				return
			}
		}
	}) {
		ar.Files = append(ar.Files, txtar.File{Name: name, Data: out.Files[name]})
	}
	got := string(txtar.Format(&ar))
	golden := filepath.Join("testdata", "search-index.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("search index differs from %s (run with -update if the change is intended):\n%s", golden, firstDiff(got, string(want)))
	}
	for _, leftOut := range []string{"秘书处控制台", "搜索说明", "单位名称", "欢迎访问", "/events/page/2/"} {
		if strings.Contains(got, leftOut) {
			t.Errorf("the index holds %q, want noindex, nosearch, forms, the home page and lists left out", leftOut)
		}
	}
}

// TestSearchable checks which outputs are in the site search.
func TestSearchable(t *testing.T) {
	page := &Page{PageKind: "page", URL: "/about/"}
	tests := []struct {
		name string
		data *PageData
		want bool
	}{
		{"a page", &PageData{Page: page, URL: "/about/"}, true},
		{"the home page", &PageData{Page: &Page{PageKind: "home"}, URL: "/"}, false},
		{"a list", &PageData{Page: &Page{PageKind: "section"}, URL: "/news/", Pager: &Pager{Number: 1, Items: []*Page{page}}}, false},
		{"a section without pages (申请加入)", &PageData{Page: &Page{PageKind: "section"}, URL: "/join/", Pager: &Pager{Number: 1}}, true},
		{"a filtered list without pages", &PageData{Page: &Page{PageKind: "section"}, URL: "/events/kind/salon/", Pager: &Pager{Number: 1}, Filter: &Filter{}}, false},
		{"404", &PageData{Page: &Page{PageKind: "page"}, URL: "/404.html"}, false},
		{"noindex", &PageData{Page: &Page{PageKind: "page", FrontMatter: FrontMatter{Noindex: true}}, URL: "/admin/"}, false},
		{"nosearch", &PageData{Page: &Page{PageKind: "page", FrontMatter: FrontMatter{NoSearch: true}}, URL: "/search/"}, false},
	}
	for _, tt := range tests {
		if got := tt.data.Searchable(); got != tt.want {
			t.Errorf("%s: Searchable() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
