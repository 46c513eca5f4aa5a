package sitegen

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestTelURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"010-68200012", "tel:+86-10-68200012"},
		{"0755-12345678", "tel:+86-755-12345678"},
		{"010-68200012-256", "tel:+86-10-68200012;ext=256"},
		{"（010）6820 0012 转 256", "tel:+86-10-6820;ext=0012256"}, // written oddly: still a number, never markup
		{"13800138000", "tel:+86-13800138000"},
		{"138 0013 8000", "tel:+86-13800138000"},
		{"+86 138 0013 8000", "tel:+86-13800138000"},
		{"+86 10 6820 0012", "tel:+86-1068200012"},
		{"", ""},
		{"秘书处", ""},
	}
	for _, tt := range tests {
		if got := string(telURL(tt.in)); got != tt.want {
			t.Errorf("telURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConfigWarnings(t *testing.T) {
	const file = "content/config.yaml"
	tests := []struct {
		name   string
		config string
		want   []string // substrings, one per warning
	}{
		{"example domain", "baseURL: https://www.smelisting.example/\n", nil},
		{"loopback", "baseURL: http://127.0.0.1:1313/\n", nil},
		{"real domain without ICP or email", "baseURL: https://www.smelisting.cn/\n", []string{"icp is empty", "contact.email is empty"}},
		{"real domain with both", "baseURL: https://www.smelisting.cn/\nicp: 京ICP备12345678号-1\ncontact: {email: mishuchu@smelisting.cn}\n", nil},
		{"real domain with ICP only", "baseURL: https://www.smelisting.cn/\nicp: 京ICP备12345678号-1\n", []string{"contact.email is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(file, []byte("title: 联盟\n"+tt.config))
			if err != nil {
				t.Fatal(err)
			}
			got := c.Warnings(file)
			if len(got) != len(tt.want) {
				t.Fatalf("Warnings() = %q, want %d warnings containing %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(got[i], file+": ") || !strings.Contains(got[i], w) {
					t.Errorf("warning %d = %q, want it to name %s and say %q", i, got[i], file, w)
				}
			}
		})
	}
	if _, err := parseConfig(file, []byte("title: 联盟\nbaseURL: https://a.example/\npublicSecurityFiling: 京公网安备号\n")); err == nil ||
		!strings.Contains(err.Error(), "publicSecurityFiling") {
		t.Errorf("publicSecurityFiling without a number: error %v, want one naming publicSecurityFiling", err)
	}
}

// renderRealSiteWith renders the project's content/ and templates/ with content/config.yaml
// edited by edit.
func renderRealSiteWith(t *testing.T, edit func(config string) string) *Output {
	t.Helper()
	content := realContent(t)
	content["config.yaml"].Data = []byte(edit(string(content["config.yaml"].Data)))
	out, err := NewBuilder(Options{Content: content, Templates: os.DirFS(filepath.Join(moduleRoot(t), "templates")), Now: testNow}).Render(context.Background())
	if err != nil {
		t.Fatalf("render content/ with an edited config: %v", err)
	}
	return out
}

// realContent is a copy of the project's content/ in memory, for a test to edit.
func realContent(t *testing.T) fstest.MapFS {
	t.Helper()
	content := fstest.MapFS{}
	dir := filepath.Join(moduleRoot(t), "content")
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		content[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return content
}

// TestFooterFilingsAndContact renders the real site with the filing numbers and the
// email set, and as content/config.yaml has them (empty): a set number links where the
// filing rules say, an empty one leaves no trace, and the footer names the site once.
func TestFooterFilingsAndContact(t *testing.T) {
	set := renderRealSiteWith(t, func(c string) string {
		c = strings.Replace(c, `icp: ""`, `icp: 京ICP备12345678号-1`, 1)
		c = strings.Replace(c, `publicSecurityFiling: ""`, `publicSecurityFiling: 京公网安备11010802012345号`, 1)
		return strings.Replace(c, `email: ""`, `email: mishuchu@smelisting.cn`, 1)
	})
	unset := renderRealSite(t)
	footerRE := regexp.MustCompile(`(?s)<footer.*</footer>`)
	for _, page := range []string{"index.html", "events/2026-hefei-lecture/index.html", "contact/index.html", "join/index.html"} {
		footer := string(footerRE.Find(set.Files[page]))
		for _, want := range []string{
			`<a href="https://beian.miit.gov.cn/" rel="noopener">京ICP备12345678号-1</a>`,
			`<a href="https://beian.mps.gov.cn/#/query/webSearch?code=11010802012345" rel="noopener">京公网安备11010802012345号</a>`,
			`<a href="mailto:mishuchu@smelisting.cn">mishuchu@smelisting.cn</a>`,
			`<a href="tel:&#43;86-10-68200012">010-68200012</a>`,
		} {
			if !strings.Contains(footer, want) {
				t.Errorf("%s with the numbers set: footer lacks %s", page, want)
			}
		}
		footer = string(footerRE.Find(unset.Files[page]))
		for _, absent := range []string{"beian", "备", "mailto:", "邮箱"} {
			if strings.Contains(footer, absent) {
				t.Errorf("%s as configured (no numbers, no email): footer has %q, want nothing in its place", page, absent)
			}
		}
		if n := strings.Count(footer, "中小企业上市服务联盟"); n > 1 {
			t.Errorf("%s: the footer names the site %d times, want once (the copyright line)", page, n)
		}
	}
	for _, page := range []string{"contact/index.html", "join/index.html", "events/2026-hefei-lecture/index.html"} {
		main := string(regexp.MustCompile(`(?s)<main.*</main>`).Find(set.Files[page]))
		if !strings.Contains(main, `href="tel:&#43;86-10-68200012"`) {
			t.Errorf("%s: the page lacks the secretariat's phone as a tel: link", page)
		}
		if page != "events/2026-hefei-lecture/index.html" && !strings.Contains(main, "mailto:mishuchu@smelisting.cn") {
			t.Errorf("%s with an email configured: the page does not show it", page)
		}
		if main := string(regexp.MustCompile(`(?s)<main.*</main>`).Find(unset.Files[page])); strings.Contains(main, "mailto:") {
			t.Errorf("%s without an email configured: the page still offers one", page)
		}
	}
}

// TestEventPhone checks that every upcoming event whose registration says to call the
// secretariat shows the number to call, as a tel: link, and that the calendar entry has it.
func TestEventPhone(t *testing.T) {
	out := renderRealSite(t)
	var checked []string
	for name, data := range out.Files {
		if !strings.HasPrefix(name, "events/") || !strings.HasSuffix(name, "/index.html") || !strings.Contains(string(data), "<dt>报名方式</dt>") {
			continue
		}
		page := string(data)
		if strings.Contains(page, "报名已截止") || !strings.Contains(page, "秘书处") {
			continue
		}
		checked = append(checked, name)
		if !strings.Contains(page, `<dt>秘书处电话</dt><dd><a href="tel:&#43;86-10-68200012">010-68200012</a>`) {
			t.Errorf("%s tells to contact the secretariat but gives no number to call", name)
		}
		ics := string(out.Files[strings.TrimSuffix(name, "index.html")+"event.ics"])
		if !strings.Contains(strings.ReplaceAll(ics, "\r\n ", ""), "秘书处电话：010-68200012") {
			t.Errorf("%s: its calendar entry lacks the secretariat's phone", name)
		}
	}
	slices.Sort(checked)
	if len(checked) < 3 {
		t.Errorf("checked %v, want at least 3 upcoming events that send visitors to the secretariat", checked)
	}
}
