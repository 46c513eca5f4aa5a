package membership

import (
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	zhlocale "github.com/go-playground/locales/zh"
	ut "github.com/go-playground/universal-translator"
	"github.com/go-playground/validator/v10"
	zhtrans "github.com/go-playground/validator/v10/translations/zh"
	"golang.org/x/text/width"
)

// Normalize tidies what a person typed: it trims spaces everywhere, turns the CRLF or CR
// line ends a browser sends for a textarea into LF, upper-cases the credit code and drops
// the spaces inside it and inside the phone number, whose parentheses go and whose dashes
// and 转 (extension) become "-". In the credit code, phone and email it
// turns full-width characters (what a Chinese input method types in full-width mode:
// １３８, ＠, －, and the ideographic space) into ASCII with width.Narrow, and it drops the +86 or 0086 before a mobile number (what
// a phone's autofill often gives).
func (a *Application) Normalize() {
	for _, p := range []*string{&a.OrgName, &a.Representative, &a.Contact, &a.Email, &a.Region,
		&a.Industry, &a.Introduction, &a.PrivacyVersion, &a.ListingPlan.Board} {
		*p = lineEnds.Replace(strings.TrimSpace(*p))
	}
	a.Type = MemberType(strings.TrimSpace(string(a.Type)))
	a.RepresentativeKind = RepresentativeKind(strings.TrimSpace(string(a.RepresentativeKind)))
	a.Specialised = Specialised(strings.TrimSpace(string(a.Specialised)))
	a.CreditCode = strings.ToUpper(dropSpaces(width.Narrow.String(a.CreditCode)))
	a.Phone = phoneMarks.Replace(dropSpaces(width.Narrow.String(a.Phone)))
	for _, cc := range []string{"+86", "0086"} {
		if p := strings.TrimPrefix(strings.TrimPrefix(a.Phone, cc), "-"); p != a.Phone && mobileRE.MatchString(p) {
			a.Phone = p
		}
	}
	a.Email = strings.TrimSpace(width.Narrow.String(a.Email))
	for i, s := range a.Services {
		a.Services[i] = strings.TrimSpace(s)
	}
}

// phoneMarks drops the parentheses around an area code, (010)68200012, and writes the
// dashes people type and 转 (extension) as "-".
var phoneMarks = strings.NewReplacer("(", "", ")", "", "转", "-", "—", "-", "–", "-", "‐", "-")

// lineEnds turns CRLF and lone CR into LF, so a textarea reads the same whether it came
// through the JSON API or a plain form POST.
var lineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

func dropSpaces(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// Validate checks the applicant's input against the rules of the form (charter 第十四条):
// enterprise and group applicants give the credit code and the representative, individuals
// neither; the credit code passes the GB 32100-2015 check; phones are mainland mobile or
// landline numbers; both consents are given. It returns nil or an EINVALID *Error whose
// Fields hold one Chinese message per JSON field name (e.g. "listing_plan.year").
func (a *Application) Validate() error {
	v, trans := validation()
	err := v.Struct(a)
	if err == nil {
		return nil
	}
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return Internal("membership: validate application", err)
	}
	fields := make(map[string]string, len(verrs))
	for _, fe := range verrs {
		key := jsonPath(reflect.TypeFor[Application](), fe.StructNamespace())
		if _, seen := fields[key]; !seen {
			fields[key] = fe.Translate(trans)
		}
	}
	return &Error{Code: EINVALID, Op: "membership: validate application", Message: "提交的内容有误，请按提示修改", Fields: fields}
}

// jsonPath turns a validator struct namespace such as "Application.ListingPlan.Year" or
// "Application.Services[2]" into the JSON field path "listing_plan.year" or "services".
func jsonPath(t reflect.Type, ns string) string {
	parts := strings.Split(ns, ".")[1:]
	var out []string
	for _, p := range parts {
		if i := strings.IndexByte(p, '['); i >= 0 {
			p = p[:i]
		}
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		f, ok := t.FieldByName(p)
		if !ok {
			out = append(out, p)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
		t = f.Type
	}
	return strings.Join(out, ".")
}

var (
	mobileRE   = regexp.MustCompile(`^1[3-9]\d{9}$`)
	landlineRE = regexp.MustCompile(`^0\d{2,3}-?\d{7,8}(-\d{1,6})?$`)
)

// ValidPhone reports whether s is a mainland mobile number (13800138000) or a landline
// with its area code (010-68200012, 0755-12345678, optionally an extension -123).
func ValidPhone(s string) bool { return mobileRE.MatchString(s) || landlineRE.MatchString(s) }

func isOrg(fl validator.FieldLevel) bool {
	t := MemberType(fl.Parent().FieldByName("Type").String())
	return t == TypeEnterprise || t == TypeGroup
}

func inChoices(choices []Choice) validator.Func {
	return func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || slices.ContainsFunc(choices, func(c Choice) bool { return c.Value == s })
	}
}

// customRules are our own validation tags with their Chinese messages ({0} is the field's
// Chinese label). Empty values pass every rule except orgrequired, orgonly and accepted;
// "required" catches them.
var customRules = []struct {
	tag  string
	fn   validator.Func
	msg  string
	msg2 string // orgonly: message when an individual fills the field
}{
	{"membertype", inChoices(MemberTypes), "请选择有效的{0}", ""},
	{"repkind", inChoices(RepresentativeKinds), "请选择有效的{0}", ""},
	{"specialised", inChoices(SpecialisedStatuses), "请选择有效的{0}", ""},
	{"board", inChoices(ListingBoards), "请选择有效的{0}", ""},
	{"service", inChoices(Services), "{0}中有无效的选项", ""},
	{"region", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || slices.Contains(Regions, s)
	}, "请选择有效的{0}", ""},
	{"creditcode", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || ValidCreditCode(s)
	}, "{0}无效，请核对18位代码（校验位不符）", ""},
	{"cnphone", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || ValidPhone(s)
	}, "{0}应为手机号码（如13800138000）或带区号的固定电话（如010-68200012）", ""},
	{"accepted", func(fl validator.FieldLevel) bool { return fl.Field().Bool() }, "请阅读并同意{0}", ""},
	{"privacyversion", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || slices.Contains(PrivacyNoticeVersions, s)
	}, "{0}已更新，请刷新申请页面，阅读新的声明后重新提交", ""},
	{"listingyear", func(fl validator.FieldLevel) bool {
		y := int(fl.Field().Int())
		now := time.Now().In(China).Year()
		return y == 0 || (y >= now && y <= now+30)
	}, "{0}应在今年至30年内", ""},
	{"orgrequired", func(fl validator.FieldLevel) bool {
		return !isOrg(fl) || !fl.Field().IsZero()
	}, "企业会员和团体会员须填写{0}", ""},
	{"orgonly", func(fl validator.FieldLevel) bool {
		if MemberType(fl.Parent().FieldByName("Type").String()) != TypeIndividual && !isOrg(fl) {
			return true // an unknown type is reported on the type field alone
		}
		return isOrg(fl) != fl.Field().IsZero()
	}, "企业会员和团体会员须填写{0}", "个人会员无需填写{0}"},
}

// validation returns the validator and its Chinese translator, built once.
var validation = sync.OnceValues(func() (*validator.Validate, ut.Translator) {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string { return f.Tag.Get("label") })
	zh := zhlocale.New()
	trans, _ := ut.New(zh, zh).GetTranslator("zh")
	if err := zhtrans.RegisterDefaultTranslations(v, trans); err != nil {
		panic("membership: register zh translations: " + err.Error())
	}
	for _, r := range customRules {
		must(v.RegisterValidation(r.tag, r.fn, true))
		must(v.RegisterTranslation(r.tag, trans, func(ut ut.Translator) error {
			return ut.Add(r.tag, r.msg, true)
		}, func(ut ut.Translator, fe validator.FieldError) string {
			msg := r.msg
			if r.msg2 != "" && !reflect.ValueOf(fe.Value()).IsZero() {
				msg = r.msg2
			}
			name, _, _ := strings.Cut(fe.Field(), "[") // "希望获得的服务[2]" names the list
			return strings.ReplaceAll(msg, "{0}", name)
		}))
	}
	// Our wording for rules whose default Chinese text reads awkwardly on a form.
	must(v.RegisterTranslation("unique", trans, func(ut ut.Translator) error {
		return ut.Add("unique", "{0}中有重复的选项", true)
	}, func(ut ut.Translator, fe validator.FieldError) string {
		return strings.ReplaceAll("{0}中有重复的选项", "{0}", fe.Field())
	}))
	return v, trans
})

func must(err error) {
	if err != nil {
		panic("membership: set up validation: " + err.Error())
	}
}
