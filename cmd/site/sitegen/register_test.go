package sitegen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/smelisting/alliance/functions/membership"
)

// members is a register held in memory.
type members []membership.Member

func (ms members) Members(context.Context) ([]membership.Member, error) { return ms, nil }

// failingRegister is a register that cannot be read.
type failingRegister struct{}

func (failingRegister) Members(context.Context) ([]membership.Member, error) {
	return nil, membership.Errorf(membership.EUNAVAILABLE, "test: list members", "系统繁忙")
}

// Names, contacts and codes of the test register; none but the shown
// member's name and facts may appear anywhere in the site.
const (
	shownName   = "杭州衡信股权投资管理有限公司"
	privateName = "北京保密数据科技有限公司"
	expelled    = "上海除名实业有限公司"
)

var secrets = []string{privateName, expelled, "王联系", "13911112222", "lianxi@hengxin.cn", "91330100MA2H3X4Y5Z", "赵个人", "SQ2026-004711"}

func testRegister() members {
	contact := membership.Contact{Person: "王联系", Phone: "13911112222", Email: "lianxi@hengxin.cn"}
	return members{
		{Certificate: "LM-2026-0001", Application: "SQ2026-004711", Type: membership.TypeEnterprise, JoinedOn: "2026-03-02", Status: membership.MemberActive,
			ShowcaseConsent: true, CreditCode: "91330100MA2H3X4Y5Z", Contact: contact,
			Profile: membership.Profile{Name: shownName, Region: "浙江省杭州市", Industry: "金融服务", Homepage: "https://www.hengxin.cn/",
				Introduction: "专注于专精特新企业的股权投资。\n管理基金规模逾二十亿元。"}},
		{Certificate: "LM-2026-0002", Type: membership.TypeEnterprise, JoinedOn: "2026-04-01", Status: membership.MemberActive,
			Contact: contact, Profile: membership.Profile{Name: privateName, Region: "北京市", Industry: "信息技术", Introduction: "不愿公开。"}},
		{Certificate: "LM-2025-0007", Type: membership.TypeGroup, JoinedOn: "2025-05-01", Status: membership.MemberExpelled, ShowcaseConsent: true,
			Profile: membership.Profile{Name: expelled, Region: "上海市", Industry: "消费品"}},
		{Certificate: "LM-2026-0004", Type: membership.TypeGroup, JoinedOn: "2026-06-01", Status: membership.MemberActive, ShowcaseConsent: true,
			Profile: membership.Profile{Name: "苏州工业园区上市企业俱乐部", Industry: "企业服务", Homepage: "javascript:alert(1)",
				Introduction: "园区拟上市企业的交流平台。\n每季度举办一次<闭门>交流会。"}},
		{Certificate: "LM-2026-0003", Type: membership.TypeIndividual, JoinedOn: "2026-05-01", Status: membership.MemberActive, ShowcaseConsent: true,
			Profile: membership.Profile{Name: "赵个人", Region: "北京市", Industry: "咨询"}},
	}
}

// enrichment are content files naming certificates of the test register:
// the shown member's logo and text, and a profile of the member who did
// not consent, which must make no page.
var enrichment = map[string]string{
	"members/hengxin-profile.md": "---\ntitle: 衡信\ncertificate: LM-2026-0001\nlogo: /images/hengxin.svg\nsummary: 专精特新企业的长期股权投资伙伴。\n---\n衡信资本成立于 2012 年，[会员权益](/membership/)。\n",
	"members/private.md":         "---\ntitle: " + privateName + "\ncertificate: LM-2026-0002\n---\n" + privateName + "的介绍。\n",
	"images/hengxin.svg":         `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`,
}

// renderWithRegister renders the real site with the enrichment files, the
// config edited by edit (nil: as it is) and the register r.
func renderWithRegister(t *testing.T, r Register, edit func(string) string) *Output {
	t.Helper()
	content := realContent(t)
	for name, data := range enrichment {
		content[name] = &fstest.MapFile{Data: []byte(data)}
	}
	if edit != nil {
		content["config.yaml"].Data = []byte(edit(string(content["config.yaml"].Data)))
	}
	out, err := NewBuilder(Options{Content: content, Templates: os.DirFS(filepath.Join(moduleRoot(t), "templates")), Now: testNow, Register: r}).Render(t.Context())
	if err != nil {
		t.Fatalf("render with the register: %v", err)
	}
	return out
}

// TestShowcaseFromRegister checks where a member shown by the register
// appears (its page, the list, its filter pages, the sitemap), what its
// page says, that the sample profiles go, and what the old URLs of members
// not shown answer.
func TestShowcaseFromRegister(t *testing.T) {
	out := renderWithRegister(t, testRegister(), nil)
	page := string(out.Files["members/lm-2026-0001/index.html"])
	for _, want := range []string{shownName, "企业会员", `href="/members/industry/finance/"`, "浙江省杭州市", "2026 年",
		`<a href="https://www.hengxin.cn/" rel="nofollow noopener external">`, `src="/images/hengxin.svg"`,
		"专精特新企业的长期股权投资伙伴。", "衡信资本成立于 2012 年"} {
		if !strings.Contains(page, want) {
			t.Errorf("member page: got no %q", want)
		}
	}
	for _, file := range []string{"members/index.html", "members/kind/enterprise/index.html", "members/industry/finance/index.html", "sitemap.xml"} {
		if !strings.Contains(string(out.Files[file]), "/members/lm-2026-0001/") {
			t.Errorf("%s: got no link to /members/lm-2026-0001/", file)
		}
	}
	club := string(out.Files["members/lm-2026-0004/index.html"])
	for _, want := range []string{"<dt>行业</dt><dd>企业服务</dd>", "<p>园区拟上市企业的交流平台。</p>\n<p>每季度举办一次&lt;闭门&gt;交流会。</p>"} {
		if !strings.Contains(club, want) {
			t.Errorf("page of a member without a content file: got no %q", want)
		}
	}
	if strings.Contains(club, "javascript:") || strings.Contains(club, "<dt>网站</dt>") || strings.Contains(club, "<dt>地区</dt>") {
		t.Errorf("page of a member with a script address and no region: got a website or region line")
	}
	if !strings.Contains(string(out.Files["members/kind/group/index.html"]), "园区拟上市企业的交流平台。") {
		t.Errorf("members/kind/group/: got no card with the introduction's start")
	}
	if strings.Contains(string(out.Files["members/industry/it/index.html"]), "lm-2026-0001") {
		t.Errorf("members/industry/it/: got the finance member listed")
	}
	if _, ok := out.Files["members/qiheng/index.html"]; ok {
		t.Errorf("got the sample profile members/qiheng/ beside a real member, want samples gone (sampleMembers: auto)")
	}
	if _, ok := out.Files["members/private/index.html"]; ok {
		t.Errorf("got a page of the content file of a member who did not consent")
	}
	for _, cert := range []string{"lm-2026-0002", "lm-2025-0007", "lm-2026-0003"} {
		gone := string(out.Files["members/"+cert+"/index.html"])
		if !strings.Contains(gone, `<meta name="robots" content="noindex">`) || !strings.Contains(gone, `href="/members/"`) || !strings.Contains(gone, "已不在会员风采中展示") {
			t.Errorf("members/%s/: got\n%s\nwant a noindex page saying the member is no longer shown, linking to the list", cert, gone)
		}
		if strings.Contains(string(out.Files["sitemap.xml"]), "/members/"+cert+"/") {
			t.Errorf("sitemap: got /members/%s/, want pages of members not shown left out", cert)
		}
	}
}

// TestShowcaseScanForPrivateData scans every file of the site built with
// the register for the names of members not shown and for anything
// personal of any member: none may appear.
func TestShowcaseScanForPrivateData(t *testing.T) {
	out := renderWithRegister(t, testRegister(), nil)
	if len(out.Files) < 50 {
		t.Fatalf("got %d files, want the whole site", len(out.Files))
	}
	for name, data := range out.Files {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s: got %q, which the register does not let the site show", name, s)
			}
		}
	}
}

// TestShowcaseGolden compares the page of a member made from the register
// with testdata/member-register.golden.
func TestShowcaseGolden(t *testing.T) {
	out := renderWithRegister(t, testRegister(), nil)
	compareGolden(t, "member-register", out.Files["members/lm-2026-0001/index.html"])
	compareGolden(t, "member-gone", out.Files["members/lm-2026-0002/index.html"])
}

// TestSampleMembersSetting checks the three values of sampleMembers with a
// member shown and without.
func TestSampleMembersSetting(t *testing.T) {
	for _, tc := range []struct {
		setting  string
		register Register
		samples  bool
	}{
		{"auto", testRegister(), false},
		{"auto", members{}, true},
		{"auto", nil, true},
		{"always", testRegister(), true},
		{"never", nil, false},
	} {
		out := renderWithRegister(t, tc.register, func(c string) string {
			return strings.Replace(c, "sampleMembers: auto", "sampleMembers: "+tc.setting, 1)
		})
		if _, got := out.Files["members/qiheng/index.html"]; got != tc.samples {
			t.Errorf("sampleMembers %s, %d members: got the sample profile %v, want %v", tc.setting, len(testRegister()), got, tc.samples)
		}
	}
}

// TestRegisterUnavailable checks that a register that cannot be read fails
// the build with the store's error (a site without its members is not
// published over one with them).
func TestRegisterUnavailable(t *testing.T) {
	c, tm := fixtureFS(t, fixture, nil)
	_, err := NewBuilder(Options{Content: c, Templates: tm, Now: testNow, Register: failingRegister{}}).Render(t.Context())
	if membership.ErrorCode(err) != membership.EUNAVAILABLE || !strings.Contains(err.Error(), "read the register") {
		t.Errorf("got %v, want the store's code naming the register", err)
	}
}
