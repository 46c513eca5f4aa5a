package mailtest

import (
	"time"

	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

// Now is the fixed clock of the samples: 2026-12-01 09:00 in China.
var Now = time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)

// Config values the samples are rendered with.
const (
	SiteURL     = "https://www.smelisting.example"
	FromName    = "中小企业上市服务联盟秘书处"
	FromAddress = "noreply@smelisting.example"
	ReplyTo     = "secretariat@smelisting.example"
)

// Samples returns one entry of every kind (outbox.Kinds, in that order),
// each made by the function of package outbox that makes it in production:
// an application taken through every move of 第十四条 (and a second one
// rejected, a third withdrawn), a registration confirmed, one waitlisted and
// promoted, and the daily notices of a register on the days they fall due.
func Samples() []outbox.Entry {
	at := func(d time.Duration) time.Time { return Now.Add(d) }
	sec := membership.Actor{ID: "clerk-1", Name: "王秘书", Roles: []string{membership.RoleSecretariat}}
	chair := membership.Actor{ID: "chair-1", Name: "张理事长", Roles: []string{membership.RoleChair}}
	app := func(number, org, contact, email string) *membership.Application {
		a := &membership.Application{Number: number, Type: membership.TypeEnterprise, OrgName: org, Contact: contact,
			Email: email, StatusToken: "q8W2mZr5Kd0xN3bV7yT1pL6sH9fA4cE2"}
		a.Submit(at(0))
		return a
	}
	byKind := map[outbox.Kind]outbox.Entry{}
	keep := func(es []outbox.Entry) {
		for _, e := range es {
			byKind[e.Kind] = e
		}
	}
	a := app("SQ2026-000123", "杭州衡信股权投资管理有限公司", "李明", "liming@example.com")
	keep(outbox.ForApplication(a, 0))
	for i, c := range []struct {
		who membership.Actor
		ch  membership.Change
	}{
		{sec, membership.Change{Action: membership.ActionReview}},
		{chair, membership.Change{Action: membership.ActionApprove}},
		{sec, membership.Change{Action: membership.ActionFile, Filing: &membership.Filing{Date: "2026-12-03", Reference: "中促备〔2026〕57号"}}},
		{sec, membership.Change{Action: membership.ActionCertify}},
	} {
		n := len(a.History)
		if err := a.Apply(c.who, c.ch, at(time.Duration(i+1)*24*time.Hour)); err != nil {
			panic(err)
		}
		if c.ch.Action == membership.ActionCertify {
			a.CertificateNumber = "LM-2026-0042"
		}
		keep(outbox.ForApplication(a, n))
	}
	r := app("SQ2026-000124", "北京某某科技有限公司", "赵敏", "zhaomin@example.com")
	if err := r.Apply(sec, membership.Change{Action: membership.ActionReject, Note: "申请材料中的营业执照已过有效期，请更新后重新申请"}, at(48*time.Hour)); err != nil {
		panic(err)
	}
	keep(outbox.ForApplication(r, 1))
	w := app("SQ2026-000125", "上海某某咨询有限公司", "钱进", "qianjin@example.com")
	applicant := membership.Actor{ID: "applicant", Roles: []string{membership.RoleApplicant}}
	if err := w.Apply(applicant, membership.Change{Action: membership.ActionWithdraw, Note: "公司计划调整，暂不入会"}, at(time.Hour)); err != nil {
		panic(err)
	}
	keep(outbox.ForApplication(w, 1))

	ev := &events.Event{Slug: "2027-bse-training", Title: "2027 年北交所上市实务培训", URL: "/events/2027-bse-training/",
		Start: time.Date(2027, 1, 15, 6, 0, 0, 0, time.UTC), Registration: events.ModeOpen, Capacity: 80}
	reg := &events.Registration{Code: "7KQ3-M9XD", Event: ev.Slug, Name: "孙丽", Org: "杭州衡信股权投资管理有限公司", JobTitle: "董事会秘书",
		Email: "sunli@example.com", Status: events.StatusConfirmed, CreatedAt: at(0)}
	keep(outbox.ForRegistration(ev, reg))
	wait := &events.Registration{Code: "H4TN-8PQW", Event: ev.Slug, Name: "周强", Org: "苏州某某精密制造股份有限公司", JobTitle: "财务总监",
		Email: "zhouqiang@example.com", Status: events.StatusWaitlisted, WaitlistAccepted: true, CreatedAt: at(time.Hour)}
	keep(outbox.ForRegistration(ev, wait))
	if err := wait.Promote(at(2 * time.Hour)); err != nil {
		panic(err)
	}
	keep(outbox.ForPromotion(ev, wait, at(2*time.Hour)))

	member := func(cert, name, person, email, joined string) membership.Member {
		return membership.Member{Certificate: cert, Type: membership.TypeEnterprise, JoinedOn: joined, Status: membership.MemberActive,
			Profile: membership.Profile{Name: name}, Contact: membership.Contact{Person: person, Email: email}}
	}
	reg2 := outbox.Register{
		Members: []membership.Member{
			member("LM-2024-0007", "宁波某某新材料股份有限公司", "陈静", "chenjing@example.com", "2024-03-10"),
		},
		Attendance: map[string][]membership.Attendance{
			"LM-2024-0007": {{Member: "LM-2024-0007", Event: "2024-assembly", Date: "2024-11-20"}},
		},
		Yesterday: []membership.ApplicationSummary{
			{Number: "SQ2026-000130", Type: membership.TypeEnterprise, OrgName: "深圳某某电子科技有限公司"},
			{Number: "SQ2026-000131", Type: membership.TypeIndividual, Contact: "吴某"},
		},
	}
	s := outbox.DefaultSchedule
	s.Digest = ReplyTo
	for _, day := range []string{"2026-12-01", "2026-03-31", "2026-07-01"} {
		es, err := outbox.Daily(s, day, reg2, at(0))
		if err != nil {
			panic(err)
		}
		keep(es)
	}
	out := make([]outbox.Entry, 0, len(outbox.Kinds))
	for _, k := range outbox.Kinds {
		e, ok := byKind[k]
		if !ok {
			panic("mailtest: no sample of " + string(k))
		}
		out = append(out, e)
	}
	return out
}
