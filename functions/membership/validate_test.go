package membership

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// validApplication returns an enterprise application that passes every rule.
func validApplication() *Application {
	return &Application{
		Type:               TypeEnterprise,
		OrgName:            "北京示例科技股份有限公司",
		CreditCode:         "91110000600037341L",
		Representative:     "张三",
		RepresentativeKind: RepLegal,
		Contact:            "李四",
		Phone:              "13800138000",
		Email:              "lisi@example.com",
		Region:             "北京市",
		Industry:           "软件和信息技术服务业",
		Specialised:        SpecialisedNational,
		ListingPlan:        ListingPlan{Board: "star", Year: time.Now().In(China).Year() + 2},
		Services:           []string{"ipo", "financing"},
		Introduction:       "专注工业软件研发。",
		CommitmentAccepted: true,
		PrivacyAccepted:    true,
		PrivacyVersion:     "2026-11-01",
	}
}

func TestValidateAcceptsValid(t *testing.T) {
	ind := validApplication()
	ind.Type, ind.CreditCode, ind.Representative, ind.RepresentativeKind, ind.OrgName = TypeIndividual, "", "", "", ""
	grp := validApplication()
	grp.Type, grp.RepresentativeKind = TypeGroup, RepAuthorised
	noPlan := validApplication()
	noPlan.ListingPlan = ListingPlan{}
	tests := []struct {
		name string
		app  *Application
	}{
		{"enterprise", validApplication()},
		{"group with authorised representative", grp},
		{"individual without code, representative or organisation", ind},
		{"no listing plan", noPlan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.app.Validate(); err != nil {
				t.Errorf("Validate() = %v (fields %v), want nil", err, ErrorFields(err))
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	year := time.Now().In(China).Year()
	const phoneMsg = "联系电话请填写手机号码（如13800138000）或带区号的固定电话（如010-68200012）"
	yearMsg := fmt.Sprintf("计划上市年份请填写%d年至%d年之间的年份，如%d", year, year+30, year+2)
	tests := []struct {
		name   string
		change func(a *Application)
		field  string // JSON field that must carry the message
		want   string // the Chinese message, as a clerk would write it
	}{
		{"type missing", func(a *Application) { a.Type = "" }, "type", "请选择会员类型"},
		{"type unknown", func(a *Application) { a.Type = "vip" }, "type", "请选择会员类型：企业会员、团体会员或个人会员"},
		{"org name missing for enterprise", func(a *Application) { a.OrgName = "" }, "org_name", "企业会员和团体会员须填写单位名称"},
		{"org name too long", func(a *Application) { a.OrgName = strings.Repeat("企", 101) }, "org_name", "单位名称不能超过100个字"},
		{"credit code missing for enterprise", func(a *Application) { a.CreditCode = "" }, "credit_code", "企业会员和团体会员须填写统一社会信用代码"},
		{"credit code missing for group", func(a *Application) { a.Type, a.CreditCode = TypeGroup, "" }, "credit_code", "企业会员和团体会员须填写统一社会信用代码"},
		{"credit code wrong check character", func(a *Application) { a.CreditCode = "91110000600037341M" }, "credit_code", "统一社会信用代码不正确，请对照营业执照核对这18位代码"},
		{"credit code digit changed", func(a *Application) { a.CreditCode = "91110000600037342L" }, "credit_code", "统一社会信用代码不正确，请对照营业执照核对这18位代码"},
		{"credit code too short", func(a *Application) { a.CreditCode = "9111000060003734" }, "credit_code", "统一社会信用代码不正确，请对照营业执照核对这18位代码"},
		{"credit code with letter O", func(a *Application) { a.CreditCode = "91110000O00037341L" }, "credit_code", "统一社会信用代码不正确，请对照营业执照核对这18位代码"},
		{"credit code given by individual", func(a *Application) {
			a.Type, a.Representative, a.RepresentativeKind = TypeIndividual, "", ""
		}, "credit_code", "个人会员无需填写统一社会信用代码"},
		{"representative missing", func(a *Application) { a.Representative = "" }, "representative", "企业会员和团体会员须填写代表人姓名"},
		{"representative given by individual", func(a *Application) {
			a.Type, a.CreditCode, a.RepresentativeKind = TypeIndividual, "", ""
		}, "representative", "个人会员无需填写代表人姓名"},
		{"representative too long", func(a *Application) { a.Representative = strings.Repeat("张", 51) }, "representative", "代表人姓名不能超过50个字"},
		{"representative kind missing", func(a *Application) { a.RepresentativeKind = "" }, "representative_kind", "企业会员和团体会员须选择代表人类别"},
		{"representative kind unknown", func(a *Application) { a.RepresentativeKind = "boss" }, "representative_kind", "请从所列选项中选择代表人类别"},
		{"contact missing", func(a *Application) { a.Contact = "" }, "contact", "请填写联系人"},
		{"contact too long", func(a *Application) { a.Contact = strings.Repeat("李", 51) }, "contact", "联系人不能超过50个字"},
		{"phone missing", func(a *Application) { a.Phone = "" }, "phone", "请填写联系电话"},
		{"phone too short", func(a *Application) { a.Phone = "1380013800" }, "phone", phoneMsg},
		{"phone starts with 12", func(a *Application) { a.Phone = "12800138000" }, "phone", phoneMsg},
		{"landline without area code", func(a *Application) { a.Phone = "68200012" }, "phone", phoneMsg},
		{"phone with letters", func(a *Application) { a.Phone = "010-6820OO12" }, "phone", phoneMsg},
		{"email missing", func(a *Application) { a.Email = "" }, "email", "请填写电子邮箱"},
		{"email malformed", func(a *Application) { a.Email = "lisi.example.com" }, "email", "电子邮箱格式不正确，请检查是否填全，例如 lisi@example.com"},
		{"region missing", func(a *Application) { a.Region = "" }, "region", "请选择所在地区"},
		{"region unknown", func(a *Application) { a.Region = "火星" }, "region", "请从所列选项中选择所在地区"},
		{"industry missing", func(a *Application) { a.Industry = "" }, "industry", "请填写所属行业"},
		{"industry too long", func(a *Application) { a.Industry = strings.Repeat("业", 51) }, "industry", "所属行业不能超过50个字"},
		{"specialised missing", func(a *Application) { a.Specialised = "" }, "specialised", "请选择专精特新情况"},
		{"specialised unknown", func(a *Application) { a.Specialised = "city" }, "specialised", "请从所列选项中选择专精特新情况"},
		{"board unknown", func(a *Application) { a.ListingPlan.Board = "nasdaq" }, "listing_plan.board", "请从所列选项中选择目标板块"},
		{"year in the past", func(a *Application) { a.ListingPlan.Year = year - 1 }, "listing_plan.year", yearMsg},
		{"year too far", func(a *Application) { a.ListingPlan.Year = year + 31 }, "listing_plan.year", yearMsg},
		{"services missing", func(a *Application) { a.Services = nil }, "services", "请至少选择一项希望获得的服务"},
		{"services empty", func(a *Application) { a.Services = []string{} }, "services", "请至少选择一项希望获得的服务"},
		{"service unknown", func(a *Application) { a.Services = []string{"ipo", "lottery"} }, "services", "希望获得的服务中有不在所列范围内的选项，请重新勾选"},
		{"service twice", func(a *Application) { a.Services = []string{"ipo", "ipo"} }, "services", "希望获得的服务中有重复的选项"},
		{"introduction missing", func(a *Application) { a.Introduction = "" }, "introduction", "请填写单位简介"},
		{"introduction too long", func(a *Application) { a.Introduction = strings.Repeat("介", 2001) }, "introduction", "单位简介不能超过2000个字"},
		{"commitment not accepted", func(a *Application) { a.CommitmentAccepted = false }, "commitment_accepted", "请阅读并签署承诺书"},
		{"privacy not accepted", func(a *Application) { a.PrivacyAccepted = false }, "privacy_accepted", "请阅读并同意个人信息保护声明"},
		{"privacy version missing", func(a *Application) { a.PrivacyVersion = "" }, "privacy_version", "申请页面已过期，请刷新页面后重新填写提交"},
		{"privacy version unknown", func(a *Application) { a.PrivacyVersion = "2019-01-01" }, "privacy_version", "个人信息保护声明已更新，请刷新申请页面，阅读新的声明后重新提交"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validApplication()
			tt.change(a)
			err := a.Validate()
			if got := ErrorCode(err); got != EINVALID {
				t.Fatalf("ErrorCode(Validate()) = %q (%v), want %q", got, err, EINVALID)
			}
			fields := ErrorFields(err)
			got, ok := fields[tt.field]
			if !ok {
				t.Fatalf("Validate() fields = %v, want a message for %q", fields, tt.field)
			}
			if got != tt.want {
				t.Errorf("message for %s = %q, want %q", tt.field, got, tt.want)
			}
			for _, stiff := range programWords {
				if strings.Contains(got, stiff) {
					t.Errorf("message for %s = %q reads like a program (%q)", tt.field, got, stiff)
				}
			}
			if len(fields) != 1 {
				t.Errorf("Validate() fields = %v, want only %q", fields, tt.field)
			}
		})
	}
}

// programWords are phrases of validator's default Chinese that no clerk would write.
var programWords = []string{"必填字段", "必须是一个", "有效的", "长度", "字符", "必须至少包含"}

func TestValidPhone(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"13800138000", true}, {"19912345678", true}, {"010-68200012", true}, {"01068200012", true},
		{"0755-12345678", true}, {"010-68200012-256", true}, {"12800138000", false}, {"138001380001", false},
		{"+8613800138000", false}, {"010-123", false}, {"", false}, {"１３８００１３８０００", false},
	}
	for _, tt := range tests {
		if got := ValidPhone(tt.in); got != tt.want {
			t.Errorf("ValidPhone(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	a := &Application{Type: " enterprise ", CreditCode: " 9111 0000 6000 3734 1l ", Phone: "138 0013 8000", Email: " a@b.cn ", Services: []string{" ipo "},
		Introduction: "第一行\r\n第二行\r第三行\n"}
	a.Normalize()
	wide := &Application{CreditCode: "９１１１００００６０００３７３４１Ｌ", Phone: "０１０－６８２０００１２", Email: "ｌｉｓｉ＠ｅｘａｍｐｌｅ．ｃｏｍ\u3000"}
	wide.Normalize()
	plus86 := &Application{Phone: "+86 138 0013 8000"}
	plus86.Normalize()
	dash86 := &Application{Phone: "0086-13800138000"}
	dash86.Normalize()
	landline86 := &Application{Phone: "+86 10 6820 0012"} // not a mobile: left for the validator to refuse
	landline86.Normalize()
	paren := &Application{Phone: "（010）6820 0012转256"}
	paren.Normalize()
	dash := &Application{Phone: "0755—12345678"}
	dash.Normalize()
	for _, c := range []struct{ name, got, want string }{
		{"type", string(a.Type), "enterprise"},
		{"credit code", a.CreditCode, "91110000600037341L"},
		{"phone", a.Phone, "13800138000"},
		{"email", a.Email, "a@b.cn"},
		{"service", a.Services[0], "ipo"},
		{"introduction", a.Introduction, "第一行\n第二行\n第三行"},
		{"full-width credit code", wide.CreditCode, "91110000600037341L"},
		{"full-width landline", wide.Phone, "010-68200012"},
		{"full-width email", wide.Email, "lisi@example.com"},
		{"mobile with +86", plus86.Phone, "13800138000"},
		{"mobile with 0086-", dash86.Phone, "13800138000"},
		{"landline with +86", landline86.Phone, "+861068200012"},
		{"landline in parentheses with 转", paren.Phone, "01068200012-256"},
		{"landline with a long dash", dash.Phone, "0755-12345678"},
	} {
		if c.got != c.want {
			t.Errorf("Normalize %s = %q, want %q", c.name, c.got, c.want)
		}
	}
}

// TestValidateAtListingYear checks the listing years against the day of the check, in
// China time: 2026 to 2056 on 27 November 2026, and from 2027 once it is New Year in Beijing
// (still 31 December in UTC).
func TestValidateAtListingYear(t *testing.T) {
	nov := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	newYear := time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC) // 1 January 2027, 01:00 in Beijing
	tests := []struct {
		now  time.Time
		year int
		want string // "" for valid
	}{
		{nov, 2026, ""},
		{nov, 2056, ""},
		{nov, 2025, "计划上市年份请填写2026年至2056年之间的年份，如2028"},
		{nov, 2057, "计划上市年份请填写2026年至2056年之间的年份，如2028"},
		{nov, -1, "计划上市年份请填写2026年至2056年之间的年份，如2028"}, // what the form makes of 明年
		{newYear, 2026, "计划上市年份请填写2027年至2057年之间的年份，如2029"},
		{newYear, 2057, ""},
	}
	for _, tt := range tests {
		a := validApplication()
		a.ListingPlan.Year = tt.year
		got := ErrorFields(a.ValidateAt(tt.now))["listing_plan.year"]
		if got != tt.want {
			t.Errorf("ValidateAt(%v) with year %d: message %q, want %q", tt.now, tt.year, got, tt.want)
		}
	}
}
