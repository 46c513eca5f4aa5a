package membership

import (
	"fmt"
	"strings"
	"time"
)

// ShowcaseFields is what 会员风采 shows of a member who consented, as the join
// form's consent and the console say it. Nothing else of a member is published
// there (no credit code, representative, contact, phone or email).
const ShowcaseFields = "单位名称、会员类别、所属行业、所在地区、入会年份、单位简介、单位网站"

// Why individuals are never shown: 会员风采 presents organisations. An
// individual member's name, region and introduction are a natural person's
// personal information (PIPL 第四条), whose publication would need a consent of
// its own and would serve no purpose of the showcase, so the join form does
// not offer the consent to individuals, the domain refuses it (the tag
// notindividual on Application.ShowcaseConsent and ChangeShowcaseConsent) and
// Showcased is false for them whatever is stored.

// ChangeShowcaseConsent records a later change of the member's consent to be
// shown in 会员风采, which only the secretariat enters, on the member's own
// request: requestedBy says who asked (e.g. 联系人李四来函) and requestedOn the
// date of the request, between the day the member joined and today (China);
// note is optional. A withdrawal is accepted whatever the member's status (a
// member who left is not shown anyway, but the wish is kept), and takes effect
// at the next build of the site; a consent only while the member is active and
// not an individual. The change is kept in History with who entered it and
// when. Errors: EFORBIDDEN unless the actor is the secretariat; ECONFLICT when
// the consent is already as asked, or a consent for a member who left;
// EINVALID without requestedBy or a valid date, or a consent for an
// individual member.
func (m *Member) ChangeShowcaseConsent(actor Actor, consent bool, requestedBy, requestedOn, note string, now time.Time) error {
	const op = "membership: change showcase consent"
	if err := actor.May(TaskShowcase); err != nil {
		return err
	}
	if m.ShowcaseConsent == consent {
		state := map[bool]string{true: "已同意", false: "未同意"}[consent]
		return Errorf(ECONFLICT, op, "会员 %s %s在会员风采中展示，无需重复登记", m.Certificate, state)
	}
	if consent {
		if m.Type == TypeIndividual {
			return &Error{Code: EINVALID, Op: op, Message: "个人会员不在会员风采中展示",
				Fields: map[string]string{"consent": "个人会员不在会员风采中展示"}}
		}
		if err := m.mustBeActive(op, "同意在会员风采中展示"); err != nil {
			return err
		}
	}
	fields := map[string]string{}
	requestedBy = strings.TrimSpace(requestedBy)
	if requestedBy == "" {
		fields["requested_by"] = "请填写提出要求的人及方式（如：联系人李四来函）"
	}
	if _, err := ParseDate(requestedOn); err != nil {
		fields["requested_on"] = "请填写会员提出要求的日期（格式 2026-03-01）"
	} else if requestedOn < m.JoinedOn || requestedOn > Today(now) {
		fields["requested_on"] = fmt.Sprintf("要求日期应在入会日期 %s 至今天之间", m.JoinedOn)
	}
	if len(fields) > 0 {
		return &Error{Code: EINVALID, Op: op, Message: "登记信息不完整", Fields: fields}
	}
	action := "showcase-withdraw"
	if consent {
		action = "showcase-consent"
	}
	text := showcaseNote(consent, requestedBy, requestedOn, note)
	m.ShowcaseConsent = consent
	m.History = append(m.History, MemberEvent{Action: action, From: m.Status, To: m.Status,
		Actor: actor.ID, ActorName: actor.Name, Role: RoleSecretariat, At: now.UTC(), Note: text})
	return nil
}

// showcaseNote is the history note of a consent change.
func showcaseNote(consent bool, requestedBy, requestedOn, note string) string {
	text := "撤回在会员风采中展示的同意（下次网站更新时撤下）"
	if consent {
		text = "同意在会员风采中展示" + ShowcaseFields
	}
	text = fmt.Sprintf("应 %s %s 的要求，%s", requestedBy, requestedOn, text)
	if n := strings.TrimSpace(note); n != "" {
		text += "；" + n
	}
	return text
}

// eraseShowcaseRequesters rewrites the notes of the consent changes in the
// history when the member's personal data is erased (EraseContact): who asked
// (often the contact by name, 联系人李四来函) and the secretariat's free note
// go, replaced by ErasedMark; the date of the request and what changed stay.
func (m *Member) eraseShowcaseRequesters() {
	for i := range m.History {
		e := &m.History[i]
		if e.Action != "showcase-consent" && e.Action != "showcase-withdraw" {
			continue
		}
		date := ""
		if head, _, ok := strings.Cut(e.Note, " 的要求，"); ok {
			if j := strings.LastIndex(head, " "); j >= 0 {
				date = head[j+1:]
			}
		}
		if _, err := ParseDate(date); err != nil {
			date = "（日期不详）"
		}
		e.Note = showcaseNote(e.Action == "showcase-consent", ErasedMark, date, "")
	}
}
