package searchindex

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/tools/txtar"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"北交所 上市", "北交所上市"},
		{"ＩＰＯ２０２６", "ipo2026"},
		{"IPO Ipo", "ipoipo"},
		{"（一）会费：２万元／年", "(一)会费:2万元/年"},
		{"Ａ股\u3000主板\t科创板\n", "a股主板科创板"},
		{"ÉCOLE", "école"},
		{"①第十六条", "1第十六条"},
		{"㈱", "(株)"},
		{"a\u00a0b\u2003c", "abc"},
		{"<script>", "<script>"},
		{"\x01\x1f", "\x01\x1f"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"会费", []string{"会费"}},
		{"理事会  会费", []string{"理事会", "会费"}},
		{"理事会\u3000会费", []string{"理事会", "会费"}},
		{"IPO ipo", []string{"ipo"}},
		{"", nil},
		{" \t\u3000", nil},
	}
	for _, tt := range tests {
		if got := Words(tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// page is the text the matching table runs on: a charter article as the
// generator extracts it.
const page = "第十六条 联盟理事会向加入联盟的企业会员与团体会员收取一定的年度会费，标准为 2 万元/年；个人会员免费。企业 IPO 辅导见 [第十条]。"

func TestMatches(t *testing.T) {
	norm := Normalize(page)
	tests := []struct {
		name, q string
		want    bool
	}{
		{"substring", "年度会费", true},
		{"phrase, not its characters apart", "理事长", false},
		{"several words, all present", "理事会 个人会员", true},
		{"several words, one missing", "理事会 北交所", false},
		{"full-width input", "２万元／年", true},
		{"whitespace in the page ignored", "2万元", true},
		{"whitespace in a word ignored", "年度 会费", true},
		{"Latin case", "ipo", true},
		{"Latin case, mixed", "iPo辅导", true},
		{"longer than the page", strings.Repeat("会费", 200), false},
		{"empty", "", false},
		{"only whitespace", " \u3000 ", false},
		{"one character", "免", true},
		{"one character, absent", "鑫", false},
		{"only punctuation, present", "，", true},
		{"only punctuation, absent", "？！", false},
		{"10,000 characters", strings.Repeat("联", 10000), false},
		{"control characters", "会费\x00\x07", false},
		{"regex metacharacters, literal", "[第十条]", true},
		{"regex metacharacters, absent", ".*", false},
		{"markup", "<script>alert(1)</script>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Matches(norm, Words(tt.q)); got != tt.want {
				t.Errorf("Matches(page, %q) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestCount(t *testing.T) {
	if got := Count(Normalize(page), Words("会员 会费")); got != 4 {
		t.Errorf("Count(会员 会费) = %d, want 4 (会员 three times, 会费 once)", got)
	}
}

func TestQueryGrams(t *testing.T) {
	tests := []struct {
		q    string
		want []string
	}{
		{"会", []string{"会"}},
		{"会费", []string{"会费"}},
		{"理事会", []string{"理事", "事会"}},
		{"北交所上市", []string{"北交", "上市", "交所", "所上"}},
		{"理事会 费", []string{"理事", "事会", "费"}},
		{"理事 理事会", []string{"理事", "事会"}},
		{strings.Repeat("联盟章程", 100), []string{"联盟", "章程", "盟章", "程联"}},
		{"一二三四五六七八九十甲乙丙丁", []string{"一二", "丙丁", "二三", "三四", "四五", "五六", "六七", "七八"}},
		// The words' middles in turn: 2345's 34 before 有限公司's last.
		{"示例科技有限公司 2345", []string{"示例", "公司", "23", "45", "例科", "34", "科技", "技有"}},
	}
	for _, tt := range tests {
		if got := QueryGrams(Words(tt.q)); !slices.Equal(got, tt.want) {
			t.Errorf("QueryGrams(%.20q) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// TestBlockJSON checks the document files against json.Marshal, written
// alone (a small site) and by the build of several blocks, which knows
// from reading the texts which need no escape.
func TestBlockJSON(t *testing.T) {
	docs := blockJSONDocs()
	rows := make([][]string, len(docs))
	for i, d := range docs {
		rows[i] = []string{d.URL, d.Title, d.Section, d.Date, d.Text}
	}
	want, _ := json.Marshal(rows)
	if got := blockJSON(docs, nil); string(got) != string(want)+"\n" {
		t.Errorf("blockJSON = %s, want %s", got, want)
	}

	defer func(b, s int) { blockBytes, smallSiteBytes = b, s }(blockBytes, smallSiteBytes)
	blockBytes, smallSiteBytes = 1, 0 // a block per document, mostly
	files := Build(docs)
	at := 0
	for i, blk := range splitBlocks(docs) {
		want, _ := json.Marshal(rows[at : at+len(blk)])
		at += len(blk)
		if got := files[fmt.Sprintf("d/%d.json", i)]; string(got) != string(want)+"\n" {
			t.Errorf("d/%d.json = %s, want %s", i, got, want)
		}
	}
	if at != len(docs) || len(files) < 500 {
		t.Fatalf("got %d documents in %d files, want %d in several blocks", at, len(files), len(docs))
	}
}

// blockJSONDocs are documents with every character that JSON escapes.
func blockJSONDocs() []Doc {
	docs := []Doc{
		{URL: "/a/", Title: "标题 “引号”", Section: "新闻", Text: "会费 2 万元，IPO。"},
		{URL: "/b/#article-1", Title: `a "q" \ <b> & c`, Date: "2026年5月20日", Text: "tab\tline\n\u2028\u2029\x00\xff end"},
		{Text: "…—‘’“” \u2027\u202a"}, // U+2026 … start as U+2028 does
		{},
	}
	for c := range 256 { // every byte, alone and amid text
		docs = append(docs, Doc{Text: string([]byte{byte(c)})}, Doc{Text: "会" + string([]byte{byte(c)}) + "费"})
	}
	return append(docs, Doc{Text: "\uFFFD 是 U+FFFD"}, Doc{Text: "会\xe4\xbc费"}) // a real U+FFFD; a cut character
}

func TestShardOf(t *testing.T) {
	// FNV-1a over code points, as search.js computes it: the values are
	// fixed by the format.
	tests := []struct {
		gram string
		n    int
		want int
	}{
		{"会费", 1, 0},
		{"a", 1<<32 - 1, 3826002220},  // FNV-1a of "a" is 0xe40c292c
		{"会", 1<<32 - 1, 526382349},   // of U+4F1A (not of its UTF-8 bytes)
		{"会费", 1<<32 - 1, 2538224092}, // of U+4F1A U+8D39
		{"会费", 9, 2538224092 % 9},
	}
	for _, tt := range tests {
		if got := ShardOf(tt.gram, tt.n); got != tt.want {
			t.Errorf("ShardOf(%q, %d) = %d, want %d", tt.gram, tt.n, got, tt.want)
		}
	}
}

// TestBuildAndSearch builds an index of several blocks and checks that
// Search, which reads it as search.js does, finds the documents that match
// each query in the blocks it reads, at least a page of them, reading a
// part of the index.
func TestBuildAndSearch(t *testing.T) {
	var docs []Doc
	for i := range 2000 {
		docs = append(docs, Doc{URL: fmt.Sprintf("/news/%d/", i), Title: fmt.Sprintf("第 %d 号", i),
			Section: "新闻", Text: fmt.Sprintf("联盟动态第 %d 号：%s", i, strings.Repeat("企业上市辅导与会费通知。", i%7+1))})
	}
	files := Build(docs)
	var meta Meta
	if err := json.Unmarshal(files["meta.json"], &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Count != len(docs) || meta.Grams < 2 || meta.Blocks < 2 {
		t.Fatalf("meta = %+v, want %d documents in several gram shards and blocks", meta, len(docs))
	}
	var blocks [][]Doc // the documents as the blocks hold them
	for b := range meta.Blocks {
		var rows [][]string
		if err := json.Unmarshal(files[fmt.Sprintf("d/%d.json", b)], &rows); err != nil {
			t.Fatal(err)
		}
		var blk []Doc
		for _, r := range rows {
			blk = append(blk, Doc{URL: r[0], Text: r[4]})
		}
		blocks = append(blocks, blk)
	}
	if got := slices.Concat(blocks...); len(got) != len(docs) || got[0].URL != docs[0].URL || got[len(got)-1].URL != docs[len(docs)-1].URL {
		t.Fatalf("the blocks hold %d documents, want the %d in their order", len(got), len(docs))
	}
	read := func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, fmt.Errorf("no file %s", name)
	}
	for _, q := range []string{"第 12 号", "会费", "号", "上市 辅导", "第 1999 号", "第 2000 号", "ＩＰＯ", "第 1 9 号", "1 2 3 4 5 6 7 8 9"} {
		words := Words(q)
		got, read, err := Search(read, q)
		if err != nil {
			t.Fatal(err)
		}
		var want []Result // every match in the blocks up to the last read
		total := 0
		for b, blk := range blocks {
			for i, d := range blk {
				if Matches(Normalize(d.Text), words) {
					total++
					if slices.Contains(read, fmt.Sprintf("d/%d.json", b)) {
						want = append(want, Result{b, i})
					}
				}
			}
		}
		blocksRead := 0
		for _, f := range read {
			if strings.HasPrefix(f, "d/") {
				blocksRead++
			}
		}
		if !slices.Equal(got, want) || len(got) < min(total, Page) && blocksRead < MaxBlocks {
			t.Errorf("Search(%q) = %v, want %v (of %d)", q, got, want, total)
		}
		if blocksRead > MaxBlocks {
			t.Errorf("Search(%q) read %d document files, want at most %d for a page of results", q, blocksRead, MaxBlocks)
		}
		if len(read) >= len(files) || len(slices.Compact(slices.Sorted(slices.Values(read)))) != len(read) {
			t.Errorf("Search(%q) read %v of the index's %d files, want some of them, each once", q, read, len(files))
		}
	}
}

// TestSearchSmallSite checks that with one block a search reads meta.json
// and that block only, and that the index has no grams.
func TestSearchSmallSite(t *testing.T) {
	files := Build([]Doc{{URL: "/a/", Text: "理事会"}, {URL: "/b/", Text: "理事长"}, {URL: "/c/", Text: "会费"}})
	got, read, err := Search(func(name string) ([]byte, error) { return files[name], nil }, "理事会")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []Result{{0, 0}}) || !slices.Equal(read, []string{"meta.json", "d/0.json"}) {
		t.Errorf("Search(理事会) = %v reading %v, want [{0 0}] reading meta.json and d/0.json", got, read)
	}
	if len(files) != 2 {
		t.Errorf("got files %v, want meta.json and d/0.json", slices.Sorted(maps.Keys(files)))
	}
}

// TestGramShard checks that the build hashes a packed gram as ShardOf its text.
func TestGramShard(t *testing.T) {
	for _, s := range []string{"会", "会费", "a", "ip", "2万", "😀", "😀会"} {
		var rs []rune
		for _, r := range s {
			rs = append(rs, r)
		}
		g := gram(rs[0])<<32 | noRune
		if len(rs) == 2 {
			g = gram(rs[0])<<32 | gram(rs[1])
		}
		if g.String() != s {
			t.Errorf("gram %q: String() = %q", s, g.String())
		}
		for _, n := range []int{1, 7, 1000} {
			if g.shard(n) != ShardOf(s, n) {
				t.Errorf("gram %q: shard(%d) = %d, want ShardOf %d", s, n, g.shard(n), ShardOf(s, n))
			}
		}
	}
}

func TestBuildEmpty(t *testing.T) {
	files := Build(nil)
	if got := string(files["meta.json"]); got != `{"v":2,"grams":0,"blocks":1,"count":0}`+"\n" {
		t.Errorf("meta.json = %s", got)
	}
	if got := string(files["d/0.json"]); got != "[]\n" {
		t.Errorf("d/0.json = %q, want []", got)
	}
}

// extractTests are the cases of TestExtract, and seeds of FuzzExtract.
var extractTests = []struct {
	name, html string
	want       []Part
}{
	{"main only", `<header>站名</header><main id="main"><h1>关于</h1><p>正文</p></main><footer>页脚</footer>`,
		[]Part{{Text: "关于 正文"}}},
	{"main ends at its end tag, not at a script's or comment's text", `<main><script>x = "</main>"</script><!-- </main> --><p>正文</p></main><footer>页脚<main>二</main></footer>`,
		[]Part{{Text: "正文"}}},
	{"inline elements run on", `<main><p>中小<strong>企业</strong><a href="/x">上市</a>服<wbr>务</p></main>`,
		[]Part{{Text: "中小企业上市服务"}}},
	{"forms, navigation, scripts, hidden left out", `<main><nav><a href="#a">目录</a></nav><p>正文</p><form><label>姓名<input name="n"></label><button>提交</button></form>` +
		`<script>var x = "<p>脚本</p>";</script><style>p{}</style><div hidden>隐藏<p>段落</p></div><p>结尾</p></main>`,
		[]Part{{Text: "正文 结尾"}}},
	{"data-nosearch left out", `<main><p>正文</p><p class="actions" data-nosearch><a href="e.ics">加入日历</a></p><p><a data-nosearch href="/">← 返回</a>结尾</p></main>`,
		[]Part{{Text: "正文 结尾"}}},
	{"entities decoded", `<main><p>A&amp;B &lt;script&gt; &#x4F1A;费</p></main>`, []Part{{Text: "A&B <script> 会费"}}},
	{"articles", `<main><h1>章程</h1><p>序言</p><h2 id="chapter-6">第六章 会费</h2><h3 id="article-16">第十六条</h3><p>年度会费。</p>` +
		`<h3 id="article-17">第十七条 <em>使用</em></h3><p>会费使用。</p><h2 id="chapter-7">第七章 附则</h2><p>附则正文</p></main>`,
		[]Part{{Text: "章程 序言 第六章 会费 第七章 附则 附则正文"},
			{ID: "article-16", Title: "第十六条", Text: "第十六条 年度会费。"},
			{ID: "article-17", Title: "第十七条 使用", Text: "第十七条 使用 会费使用。"}}},
	{"no main", `<p>没有正文区</p>`, nil},
}

func TestExtract(t *testing.T) {
	for _, tt := range extractTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Extract([]byte(tt.html)); !slices.Equal(got, tt.want) {
				t.Errorf("Extract:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestBuildGolden builds the index of a few documents with tiny blocks
// and shards, so that it has several of each, and compares its files with
// testdata/index.golden.
func TestBuildGolden(t *testing.T) {
	defer func(b, s, g int) { blockBytes, smallSiteBytes, gramShardBytes = b, s, g }(blockBytes, smallSiteBytes, gramShardBytes)
	blockBytes, smallSiteBytes, gramShardBytes = 100, 0, 200
	docs := []Doc{
		{URL: "/charter/#article-16", Title: "第十六条", Section: "章程", Text: "第十六条 企业会员年度会费为 2 万元/年；个人会员免费。"},
		{URL: "/events/bse/", Title: "北交所上市实务培训班", Section: "活动", Date: "2027年1月15日", Text: "北交所上市实务培训班 2027年1月15日 北京"},
		{URL: "/news/dues/", Title: "关于缴纳会费的通知", Section: "新闻", Text: "关于缴纳会费的通知 请各会员单位于 3 月底前缴纳 IPO 辅导 <b>&</b>"},
	}
	files := Build(docs)
	var ar txtar.Archive
	for _, name := range slices.Sorted(maps.Keys(files)) {
		ar.Files = append(ar.Files, txtar.File{Name: name, Data: files[name]})
	}
	got := txtar.Format(&ar)
	golden := filepath.Join("testdata", "index.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("index differs from %s (run with -update if the change is intended):\n%s", golden, got)
	}
	var meta Meta
	if err := json.Unmarshal(files["meta.json"], &meta); err != nil || meta.Blocks < 2 || meta.Grams < 2 {
		t.Errorf("meta.json = %s, want several blocks and gram shards", files["meta.json"])
	}
}

// TestGrouper checks that grouping postings that come in order of block
// puts them in the order sorting does, for shards of every size.
func TestGrouper(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var gr grouper // reused, as in the build
	for _, n := range []int{0, 1, 2, 7, 100, 5000} {
		ps := make([]posting, n)
		for i := range ps {
			g := gram(0x4E00+rng.IntN(50))<<32 | gram(0x4E00+rng.IntN(50))
			if rng.IntN(4) == 0 {
				g = g | noRune
			}
			ps[i] = newPosting(g, i/3) // blocks ascending, several grams each
		}
		want := slices.Clone(ps)
		slices.Sort(want)
		if got := gr.group(ps); !slices.Equal(got, want) {
			t.Errorf("%d postings: grouped order differs from sorted", n)
		}
	}
}

// TestHan checks the inline decoding of the build against the standard
// library's for every character and for cut and invalid sequences.
func TestHan(t *testing.T) {
	check := func(s string) {
		r, n := utf8.DecodeRuneInString(s)
		want := n == 3 && 0x4E00 <= r && r <= 0x9FFF
		got, ok := han(s)
		if ok != want || ok && got != r {
			t.Fatalf("han(%q) = %U, %v; want %U, %v", s, got, ok, r, want)
		}
		if ok && string(Fold(nil, r)) != string(r) {
			t.Fatalf("Fold(%U) changes it; the inline case must not", r)
		}
	}
	for r := rune(0); r <= 0x10FFFF; r++ {
		check(string(r) + "x")
	}
	for _, s := range []string{"", "\xe4", "\xe4\xb8", "\xe4\xb8x", "\xe4x\x80", "\xe9\xbf\xbf", "\xea\x80\x80", "\xe3\x80\x80"} {
		check(s)
	}
}
