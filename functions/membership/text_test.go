package membership

import (
	"testing"
)

// refusedText has one example of every class of character CleanText refuses.
var refusedText = []struct {
	name string
	s    string
}{
	{"NUL", "北京\u0000公司"},
	{"terminal escape", "李四\u001b[2J\u001b[31m"},
	{"bell", "公司\a"},
	{"carriage return", "北京\r公司"},
	{"DEL", "公司\u007f"},
	{"C1 control (NEL)", "北京\u0085公司"},
	{"C1 control (CSI)", "北京\u009b31m公司"},
	{"right-to-left override", "\u202e司公京北"},
	{"left-to-right embedding", "\u202a北京公司"},
	{"pop directional formatting", "北京公司\u202c"},
	{"right-to-left isolate", "北京\u2067公司"},
	{"pop directional isolate", "北京\u2069公司"},
	{"zero-width space", "北京\u200b公司"},
	{"zero-width joiner", "北京\u200d公司"},
	{"zero-width non-joiner", "北京\u200c公司"},
	{"left-to-right mark", "北京\u200e公司"},
	{"word joiner", "北京\u2060公司"},
	{"byte order mark", "\ufeff北京公司"},
	{"soft hyphen", "北京\u00ad公司"},
	{"Mongolian vowel separator", "北京\u180e公司"},
	{"interlinear annotation", "北京\ufff9公司"},
	{"tag character", "北京\U000E0041公司"},
	{"line separator", "北京\u2028公司"},
	{"paragraph separator", "北京\u2029公司"},
	{"replacement character", "北京\ufffd公司"},
	{"invalid UTF-8", "北京\xff\xfe\xc3公司"},
}

func TestCleanText(t *testing.T) {
	for _, tt := range refusedText {
		for _, multiline := range []bool{false, true} {
			if CleanText(tt.s, multiline) {
				t.Errorf("CleanText(%q (%s), multiline %v) = true, want false", tt.s, tt.name, multiline)
			}
		}
	}
	for _, tt := range []struct {
		s                  string
		oneline, multiline bool
	}{
		{"北京示例科技股份有限公司", true, true},
		{"Beijing Example Co., Ltd.（北京）", true, true},
		{"北京　示例", true, true},       // ideographic space
		{"北京\u00a0示例", true, true},  // no-break space
		{"葛\U000E0100", true, true}, // an ideographic variation selector (Mn): a glyph, not a control
		{"\U000F0000", true, true},  // private use: some input methods type rare names there
		{"第一段\n第二段", false, true},   // a line feed: multi-line fields only
		{"名称\t说明", false, true},     // a tab: likewise
		{"", true, true},
	} {
		if got := CleanText(tt.s, false); got != tt.oneline {
			t.Errorf("CleanText(%q, one line) = %v, want %v", tt.s, got, tt.oneline)
		}
		if got := CleanText(tt.s, true); got != tt.multiline {
			t.Errorf("CleanText(%q, multi-line) = %v, want %v", tt.s, got, tt.multiline)
		}
	}
}

// TestValidateRefusesInvisibleCharacters puts each refused class into every
// text field of an application: the field is named with the clerk's message,
// unless Normalize tidied the character away as whitespace (a carriage return
// in the introduction becomes a line feed; the spaces inside a phone number or
// credit code go), in which case what is left is clean.
func TestValidateRefusesInvisibleCharacters(t *testing.T) {
	fields := []struct {
		key, label string
		set        func(a *Application, s string)
		get        func(a *Application) string
	}{
		{"org_name", "单位名称", func(a *Application, s string) { a.OrgName = s }, func(a *Application) string { return a.OrgName }},
		{"credit_code", "统一社会信用代码", func(a *Application, s string) { a.CreditCode = "91110000600037341L" + s }, func(a *Application) string { return a.CreditCode }},
		{"representative", "代表人姓名", func(a *Application, s string) { a.Representative = s }, func(a *Application) string { return a.Representative }},
		{"contact", "联系人", func(a *Application, s string) { a.Contact = s }, func(a *Application) string { return a.Contact }},
		{"phone", "联系电话", func(a *Application, s string) { a.Phone = "13800138000" + s }, func(a *Application) string { return a.Phone }},
		{"email", "电子邮箱", func(a *Application, s string) { a.Email = "lisi" + s + "@example.com" }, func(a *Application) string { return a.Email }},
		{"industry", "所属行业", func(a *Application, s string) { a.Industry = s }, func(a *Application) string { return a.Industry }},
		{"introduction", "单位简介", func(a *Application, s string) { a.Introduction = s }, func(a *Application) string { return a.Introduction }},
	}
	for _, f := range fields {
		for _, tt := range refusedText {
			a := validApplication()
			f.set(a, tt.s)
			a.Normalize()
			err := a.Validate()
			switch got := ErrorFields(err)[f.key]; {
			case CleanText(f.get(a), f.key == "introduction"):
				if err != nil && got == "" {
					t.Errorf("%s with %s, tidied to %q: got %v, want any error on %s", f.key, tt.name, f.get(a), err, f.key)
				}
			case got != textMessage(f.label):
				t.Errorf("%s with %s: got %v (fields %v), want %q on %s", f.key, tt.name, err, ErrorFields(err), textMessage(f.label), f.key)
			}
		}
	}
	a := validApplication()
	a.Introduction = "第一段\r\n第二段\t（表格）\r第三段"
	a.Normalize()
	if err := a.Validate(); err != nil {
		t.Errorf("introduction with line ends and a tab: got %v (fields %v), want nil", err, ErrorFields(err))
	}
}

// TestCheckInput: request types tagged oneline or multiline are checked by
// CheckInput, which names the field by its JSON path and Chinese label.
func TestCheckInput(t *testing.T) {
	type request struct {
		Note    string   `json:"note,omitempty" label:"备注" validate:"multiline"`
		Filing  *Filing  `json:"filing,omitempty"`
		Members []string `json:"members" label:"出席会员" validate:"dive,oneline"`
	}
	tests := []struct {
		name  string
		q     request
		field string
		want  string
	}{
		{"clean", request{Note: "材料齐全\n同意", Filing: &Filing{Date: "2026-03-01", Reference: "中促备〔2026〕12号"}, Members: []string{"LM-2026-0001"}}, "", ""},
		{"note with an override", request{Note: "\u202e意同"}, "note", textMessage("备注")},
		{"filing reference with NUL", request{Filing: &Filing{Date: "2026-03-01", Reference: "中促\u0000备"}}, "filing.reference", textMessage("备案编号")},
		{"filing reference with a line feed", request{Filing: &Filing{Date: "2026-03-01", Reference: "中促\n备"}}, "filing.reference", textMessage("备案编号")},
		{"member with an escape", request{Members: []string{"LM-2026-0001", "LM-2026-0002\u001b[2J"}}, "members", textMessage("出席会员")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckInput(&tt.q)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("CheckInput = %v, want nil", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || ErrorFields(err)[tt.field] != tt.want {
				t.Errorf("CheckInput = %v (fields %v), want %q on %s", err, ErrorFields(err), tt.want, tt.field)
			}
		})
	}
}

// TestActorName: a token's display name loses every character CleanText
// refuses, keeps its words, and is cut to MaxActorName characters.
func TestActorName(t *testing.T) {
	long := ""
	for range MaxActorName + 10 {
		long += "王"
	}
	for _, tt := range []struct{ in, want string }{
		{"王秘书", "王秘书"},
		{"  王 秘书  ", "王 秘书"},
		{"\u202e书秘王", "书秘王"},
		{"王\u200b秘\u2060书\ufeff", "王秘书"},
		{"王秘书\u001b[2J\u001b[31m", "王秘书[2J[31m"},
		{"王\r\n秘书", "王 秘书"},
		{"王\t秘书\u2028", "王 秘书"},
		{"王\xff\xfe秘书\ufffd", "王秘书"},
		{"Wang\u00a0Mishu", "Wang Mishu"},
		{"\u200b\u200d", ""},
		{long, long[:len("王")*MaxActorName]},
		{long[:len("王")*(MaxActorName-1)] + " 李", long[:len("王")*(MaxActorName-1)]},
	} {
		got := ActorName(tt.in)
		if got != tt.want {
			t.Errorf("ActorName(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !CleanText(got, false) {
			t.Errorf("ActorName(%q) = %q, which is not clean text", tt.in, got)
		}
	}
	for _, tt := range refusedText {
		if got := ActorName(tt.s); !CleanText(got, false) {
			t.Errorf("ActorName(%q (%s)) = %q, which is not clean text", tt.s, tt.name, got)
		}
	}
}
