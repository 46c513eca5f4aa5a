package sitegen

import (
	"maps"
	"slices"
	"testing"
	"testing/fstest"
)

// TestRenderChangedEqualsFullRender edits files and checks that the fast
// rebuild produces exactly what a full render produces.
func TestRenderChangedEqualsFullRender(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
	}{
		{"body of an event", "events/soon.md", "---\ntitle: 公益大讲堂——走进合肥：专精特新企业的资本市场之路，北交所上市条件与审核要点；案例分享\ndate: 2026-11-01\nstart: 2026-12-05 14:00\nend: 2026-12-05 17:30\ncity: 安徽合肥\nvenue: 政务中心, 三楼; 会议室\nkind: lecture\nregister: 免费参加\nsummary: 即将举行的大讲堂\n---\n新的正文，[详情](/about/#org)。\n\n## 新小节\n"},
		{"body of a news item", "news/one.md", "---\ntitle: 第一条新闻\ndate: 2026-11-02\n---\n改过的新闻正文，见[活动](/events/)。\n"},
		{"front matter of a page", "news/one.md", "---\ntitle: 改过标题的新闻\ndate: 2026-11-02\n---\n新闻正文。\n"},
		{"body of the about page (anchors change)", "about.md", "---\ntitle: 关于我们\nsummary: 关于联盟\naliases: [/old-about/]\ntoc: true\n---\n## 组织 {#org}\n\n新的正文。\n"},
		{"a list page", "events/_index.md", "---\ntitle: 活动\n---\n活动列表的新介绍。\n"},
	}
	// The API's frame is a file of the plan that the fast path keeps.
	frame := map[string]string{"templates/api-frame.html": `{{define "title"}}[[title]]{{end}}{{define "main"}}[[main]]{{end}}`}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, tm := fixtureFS(t, fixture, frame)
			b := NewBuilder(Options{Content: c, Templates: tm, Now: testNow})
			if _, err := b.Render(t.Context()); err != nil {
				t.Fatal(err)
			}
			c[tt.file] = &fstest.MapFile{Data: []byte(tt.data)}
			got, err := b.RenderChanged(t.Context(), []string{tt.file})
			if err != nil {
				t.Fatalf("RenderChanged: %v", err)
			}
			want, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow}).Render(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if g, w := slices.Sorted(maps.Keys(got.Files)), slices.Sorted(maps.Keys(want.Files)); !slices.Equal(g, w) || !slices.Contains(g, frameFile) {
				t.Fatalf("got files %v, want %v with the frame", g, w)
			}
			for name, w := range want.Files {
				if string(got.Files[name]) != string(w) {
					t.Errorf("%s: got\n%s\nwant\n%s", name, got.Files[name], w)
				}
			}
		})
	}
}

// TestRenderChangedBrokenLink checks that a fast rebuild still finds a broken link.
func TestRenderChangedBrokenLink(t *testing.T) {
	c, tm := fixtureFS(t, fixture, nil)
	b := NewBuilder(Options{Content: c, Templates: tm, Now: testNow})
	if _, err := b.Render(t.Context()); err != nil {
		t.Fatal(err)
	}
	c["news/one.md"] = &fstest.MapFile{Data: []byte("---\ntitle: 第一条新闻\ndate: 2026-11-02\n---\n[坏链接](/nowhere/)\n")}
	if _, err := b.RenderChanged(t.Context(), []string{"news/one.md"}); err == nil {
		t.Fatal("got no error for a broken link in a fast rebuild, want one")
	}
	// the about page loses #org, which soon.md links to
	c["news/one.md"] = &fstest.MapFile{Data: []byte("---\ntitle: 第一条新闻\ndate: 2026-11-02\n---\n好了。\n")}
	if _, err := b.RenderChanged(t.Context(), []string{"news/one.md"}); err != nil {
		t.Fatalf("got %v after fixing the link, want success", err)
	}
	c["about.md"] = &fstest.MapFile{Data: []byte("---\ntitle: 关于我们\nsummary: 关于联盟\naliases: [/old-about/]\ntoc: true\n---\n## 第一章 总则\n\n无锚点。\n")}
	if _, err := b.RenderChanged(t.Context(), []string{"about.md"}); err == nil {
		t.Fatal("got no error after removing an anchor other pages link to, want one")
	}
}
