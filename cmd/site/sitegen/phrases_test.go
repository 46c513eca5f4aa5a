package sitegen

import (
	"testing"
)

func TestPhrases(t *testing.T) {
	tests := []struct{ in, want string }{
		{"杭州衡信股权投资管理有限公司", "杭州衡信<wbr>股权<wbr>投资<wbr>管理<wbr>有限<wbr>公司"},
		// BudouX splits 年 / 度 and 中 / 小; two lone characters stay together.
		{"中小企业上市服务联盟 2026 年度理事大会", "中小<wbr>企业<wbr>上市<wbr>服务<wbr>联盟 2026 年度<wbr>理事<wbr>大会"},
		// No <wbr> inside Latin letters (BudouX gives I / PO) or next to a space.
		{"企业 IPO 与股权激励", "企业 IPO 与<wbr>股权<wbr>激励"},
		{"会员", "会员"},
		{"", ""},
		// Escaped like any text.
		{"<b>联盟</b> & “小巨人”", "&lt;b&gt;<wbr>联盟<wbr>&lt;/b&gt; &amp; “小巨人”"},
	}
	for _, tt := range tests {
		want := `<span class="phrases">` + tt.want + `</span>`
		if got := string(phrasesHTML(tt.in)); got != want {
			t.Errorf("phrases %q = %s, want %s", tt.in, got, want)
		}
	}
}

func BenchmarkPhrases(b *testing.B) {
	for b.Loop() {
		phrasesHTML("中小企业上市服务联盟 2026 年度理事大会")
	}
}
