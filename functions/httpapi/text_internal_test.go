package httpapi

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/intake"
	"github.com/smelisting/alliance/functions/membership"
)

// textRules are the validate rules that keep a stored string clean text: the
// two of membership.CleanText, and the closed lists a value must be one of.
var textRules = []string{"oneline", "multiline", "membertype", "repkind", "specialised", "region", "privacyversion", "board", "service"}

// TestEveryTextFieldIsChecked: each string, or list of strings, that a request
// brings in — the JSON bodies of the secretariat's writes, the applicant's
// withdrawal, the submission's fields as the Application stores them, and a
// registration's as events.Input validates them —
// carries a rule that keeps it clean text (membership.CheckInput, Validate)
// and a Chinese label to name it, so that a field added later cannot miss it.
func TestEveryTextFieldIsChecked(t *testing.T) {
	types := []reflect.Type{reflect.TypeFor[intake.Withdrawal]()}
	for rt, ep := range (&Admin{}).endpoints() {
		if ep.in != nil {
			types = append(types, ep.in)
		} else if rt.Method == "POST" {
			t.Errorf("%s: a POST route without a described body", rt)
		}
	}
	for _, typ := range types {
		checkTextFields(t, typ.String(), typ, nil)
	}
	sent := map[string]bool{}
	for k := range requestKeys {
		sent[k] = k != "website" // the honeypot is never stored
	}
	checkTextFields(t, "membership.Application", reflect.TypeFor[membership.Application](), sent)
	// A registration's fields are validated as events.Input (Validate: CheckInput).
	sent = map[string]bool{}
	for k := range registrationKeys {
		sent[k] = k != "website"
	}
	input := reflect.TypeFor[events.Input]()
	checkTextFields(t, "events.Input", input, sent)
	for k := range sent {
		if _, ok := fieldByJSON(input, k); !ok && sent[k] {
			t.Errorf("registration field %s: events.Input has no field of that JSON name, so nothing validates it", k)
		}
	}
}

// fieldByJSON returns the field of the struct typ with the JSON name.
func fieldByJSON(typ reflect.Type, name string) (reflect.StructField, bool) {
	for f := range typ.Fields() {
		if n, _, _ := strings.Cut(f.Tag.Get("json"), ","); n == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// checkTextFields checks the string fields of the struct typ (of those whose
// JSON name only is in only, when not nil), and of the structs it holds.
func checkTextFields(t *testing.T, where string, typ reflect.Type, only map[string]bool) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || only != nil && !only[name] {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.String || ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.String:
			rules := strings.Split(f.Tag.Get("validate"), ",")
			if !slices.ContainsFunc(rules, func(r string) bool { return slices.Contains(textRules, r) }) || f.Tag.Get("label") == "" {
				t.Errorf("%s.%s (%s): validate %q, label %q; want a rule of %v and a Chinese label",
					where, f.Name, name, f.Tag.Get("validate"), f.Tag.Get("label"), textRules)
			}
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]():
			checkTextFields(t, where+"."+f.Name, ft, nil)
		}
	}
}
