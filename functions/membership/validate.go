package membership

import (
	"errors"
	"fmt"
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
		&a.Industry, &a.Introduction, &a.PrivacyVersion, &a.ListingPlan.Board, &a.Homepage} {
		*p = lineEnds.Replace(strings.TrimSpace(*p))
	}
	a.Type = MemberType(strings.TrimSpace(string(a.Type)))
	a.RepresentativeKind = RepresentativeKind(strings.TrimSpace(string(a.RepresentativeKind)))
	a.Specialised = Specialised(strings.TrimSpace(string(a.Specialised)))
	a.CreditCode = strings.ToUpper(dropSpaces(width.Narrow.String(a.CreditCode)))
	a.Phone = NormalizePhone(a.Phone)
	a.Email = NormalizeEmail(a.Email)
	for i, s := range a.Services {
		a.Services[i] = strings.TrimSpace(s)
	}
}

// NormalizePhone writes a phone number the way the register keeps it, whatever
// form it was typed in: full-width digits and marks become ASCII, spaces and the
// parentheses around an area code go, dashes and 转 (extension) become "-", and
// the +86 or 0086 before a mobile number is dropped (what a phone's autofill
// often gives). The join form and the event registrations share it.
func NormalizePhone(s string) string {
	p := phoneMarks.Replace(dropSpaces(width.Narrow.String(s)))
	for _, cc := range []string{"+86", "0086"} {
		if q := strings.TrimPrefix(strings.TrimPrefix(p, cc), "-"); q != p && mobileRE.MatchString(q) {
			p = q
		}
	}
	return p
}

// NormalizeEmail trims an email address and turns full-width characters (＠)
// into ASCII.
func NormalizeEmail(s string) string { return strings.TrimSpace(width.Narrow.String(s)) }

// ValidEmail reports whether s is an email address by the same rule as the
// join form's (validator's email), at most 254 characters.
func ValidEmail(s string) bool {
	v, _ := validation()
	return len(s) <= 254 && v.Var(s, "email") == nil
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
// landline numbers; a planned listing year lies between this year and 30 years on; both
// consents are given. It returns nil or an EINVALID *Error whose Fields hold one Chinese
// message per JSON field name (e.g. "listing_plan.year").
func (a *Application) Validate() error { return a.ValidateAt(time.Now()) }

// ValidateAt is Validate on the day now (China time), which decides the listing years.
func (a *Application) ValidateAt(now time.Time) error {
	const op = "membership: validate application"
	fields, err := validateStruct(op, a)
	if err != nil {
		return err
	}
	if y := a.ListingPlan.Year; y != 0 {
		if first := now.In(China).Year(); y < first || y > first+30 {
			fields["listing_plan.year"] = fmt.Sprintf("计划上市年份请填写%d年至%d年之间的年份，如%d", first, first+30, first+2)
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Op: op, Message: "提交的内容有误，请按提示修改", Fields: fields}
}

// CheckInput checks what a person entered for the back office or the applicant's
// withdrawal — a request type whose fields carry a Chinese label tag and the rules
// of the validate tag (oneline and multiline: CleanText) — and returns nil or an
// EINVALID *Error whose Fields hold one Chinese message per JSON field path.
func CheckInput(v any) error {
	const op = "membership: check input"
	fields, err := validateStruct(op, v)
	if err != nil || len(fields) == 0 {
		return err
	}
	return &Error{Code: EINVALID, Op: op, Message: "提交的内容有误，请按提示修改", Fields: fields}
}

// validateStruct runs the validator over the struct v (or a pointer to one) and returns
// the first message of each failing field, keyed by its JSON path.
func validateStruct(op string, v any) (map[string]string, error) {
	val, trans := validation()
	fields := map[string]string{}
	err := val.Struct(v)
	var verrs validator.ValidationErrors
	if err != nil && !errors.As(err, &verrs) {
		return nil, Internal(op, err)
	}
	for _, fe := range verrs {
		key := jsonPath(reflect.TypeOf(v), fe.StructNamespace())
		if _, seen := fields[key]; !seen {
			fields[key] = fe.Translate(trans)
		}
	}
	return fields, nil
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

// choiceFields are the fields a person picks from a list rather than types: their
// messages say 选择, not 填写.
var choiceFields = map[string]bool{"Type": true, "RepresentativeKind": true, "Region": true,
	"Specialised": true, "Board": true, "Services": true}

// verb is 选择 for a field picked from a list and 填写 for one that is typed.
func verb(fe validator.FieldError) string {
	if choiceFields[fe.StructField()] {
		return "选择"
	}
	return "填写"
}

// label is the Chinese label of the field ("希望获得的服务[2]" names the list).
func label(fe validator.FieldError) string {
	name, _, _ := strings.Cut(fe.Field(), "[")
	return name
}

// customRules are our own validation tags. Empty values pass every rule except
// orgrequired, orgonly and accepted; "required" catches them.
var customRules = []struct {
	tag string
	fn  validator.Func
}{
	{"membertype", inChoices(MemberTypes)},
	{"repkind", inChoices(RepresentativeKinds)},
	{"specialised", inChoices(SpecialisedStatuses)},
	{"board", inChoices(ListingBoards)},
	{"service", inChoices(Services)},
	{"region", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || slices.Contains(Regions, s)
	}},
	{"creditcode", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || ValidCreditCode(s)
	}},
	{"cnphone", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || ValidPhone(s)
	}},
	{"accepted", func(fl validator.FieldLevel) bool { return fl.Field().Bool() }},
	{"oneline", func(fl validator.FieldLevel) bool { return CleanText(fl.Field().String(), false) }},
	{"multiline", func(fl validator.FieldLevel) bool { return CleanText(fl.Field().String(), true) }},
	{"privacyversion", func(fl validator.FieldLevel) bool {
		s := fl.Field().String()
		return s == "" || slices.Contains(PrivacyNoticeVersions, s)
	}},
	{"notindividual", func(fl validator.FieldLevel) bool {
		return MemberType(fl.Parent().FieldByName("Type").String()) != TypeIndividual || fl.Field().IsZero()
	}},
	{"orgrequired", func(fl validator.FieldLevel) bool {
		return !isOrg(fl) || !fl.Field().IsZero()
	}},
	{"orgonly", func(fl validator.FieldLevel) bool {
		if MemberType(fl.Parent().FieldByName("Type").String()) != TypeIndividual && !isOrg(fl) {
			return true // an unknown type is reported on the type field alone
		}
		return isOrg(fl) != fl.Field().IsZero()
	}},
}

// message is what the join form shows for a failed rule, written the way the secretariat
// would say it. Every tag the Application uses has one here; a tag without one falls back
// to validator's own Chinese translation.
func message(fe validator.FieldError) (string, bool) {
	l := label(fe)
	switch fe.Tag() {
	case "required":
		switch fe.StructField() {
		case "Services":
			return "请至少选择一项" + l, true
		case "PrivacyVersion":
			return "申请页面已过期，请刷新页面后重新填写提交", true
		}
		return "请" + verb(fe) + l, true
	case "min":
		return "请至少选择一项" + l, true // only the services have a minimum
	case "max":
		if fe.Kind() == reflect.Slice {
			return l + "最多选择" + fe.Param() + "项", true
		}
		return l + "不能超过" + fe.Param() + "个字", true
	case "email":
		return l + "格式不正确，请检查是否填全，例如 lisi@example.com", true
	case "unique":
		return l + "中有重复的选项", true
	case "membertype":
		return "请选择会员类型：企业会员、团体会员或个人会员", true
	case "repkind", "specialised", "board", "region":
		return "请从所列选项中选择" + l, true
	case "service":
		return l + "中有不在所列范围内的选项，请重新勾选", true
	case "creditcode":
		return l + "不正确，请对照营业执照核对这18位代码", true
	case "cnphone":
		return l + "请填写手机号码（如13800138000）或带区号的固定电话（如010-68200012）", true
	case "accepted":
		if fe.StructField() == "CommitmentAccepted" {
			return "请阅读并签署承诺书", true
		}
		return "请阅读并同意" + l, true
	case "oneline", "multiline":
		return textMessage(l), true
	case "notindividual":
		if fe.StructField() == "ShowcaseConsent" {
			return "个人会员不在会员风采中展示，请勿勾选此项", true
		}
		return "个人会员无需填写" + l, true
	case "http_url":
		return l + "请填写以 http:// 或 https:// 开头的完整网址，如 https://www.example.cn", true
	case "privacyversion":
		return "个人信息保护声明已更新，请刷新申请页面，阅读新的声明后重新提交", true
	case "orgrequired":
		return "企业会员和团体会员须" + verb(fe) + l, true
	case "orgonly":
		if !reflect.ValueOf(fe.Value()).IsZero() {
			return "个人会员无需填写" + l, true
		}
		return "企业会员和团体会员须" + verb(fe) + l, true
	}
	return "", false
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
	}
	// Our wording for our rules and for the built-in ones the form uses, whose default
	// Chinese (“电子邮箱必须是一个有效的邮箱”, “联系人为必填字段”) reads like a program.
	for _, tag := range []string{"required", "min", "max", "email", "unique", "membertype", "repkind", "specialised",
		"board", "service", "region", "creditcode", "cnphone", "accepted", "privacyversion",
		"orgrequired", "orgonly", "notindividual", "http_url", "oneline", "multiline"} {
		must(v.RegisterTranslation(tag, trans, func(ut ut.Translator) error { return nil },
			func(ut ut.Translator, fe validator.FieldError) string {
				if msg, ok := message(fe); ok {
					return msg
				}
				return label(fe) + "填写有误"
			}))
	}
	return v, trans
})

func must(err error) {
	if err != nil {
		panic("membership: set up validation: " + err.Error())
	}
}
