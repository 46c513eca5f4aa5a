package membership

import (
	"strings"
	"testing"
	"time"
)

func TestSniffType(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		want string
	}{
		{"pdf", "%PDF-1.7\n", "application/pdf"},
		{"png", "\x89PNG\r\n\x1a\n", "image/png"},
		{"jpeg", "\xff\xd8\xff\xe0\x00\x10JF", "image/jpeg"},
		{"exe named .pdf", "MZ\x90\x00\x03\x00\x00\x00", ""},
		{"zip", "PK\x03\x04\x14\x00\x00\x00", ""},
		{"html", "<!doctype", ""},
		{"short pdf prefix", "%PD", ""},
		{"empty", "", ""},
	} {
		if got := SniffType([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: SniffType = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestUploadRequestCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		q     UploadRequest
		field string // "" when valid
	}{
		{"pdf", UploadRequest{Name: "营业执照副本.pdf", Type: "application/pdf", Size: 1 << 20}, ""},
		{"largest", UploadRequest{Name: "a.png", Type: "image/png", Size: MaxAttachmentSize}, ""},
		{"one byte over", UploadRequest{Name: "a.png", Type: "image/png", Size: MaxAttachmentSize + 1}, "size"},
		{"empty", UploadRequest{Name: "a.png", Type: "image/png", Size: 0}, "size"},
		{"exe", UploadRequest{Name: "a.exe", Type: "application/x-msdownload", Size: 100}, "type"},
		{"no name", UploadRequest{Name: " ", Type: "image/png", Size: 100}, "name"},
		{"invisible character", UploadRequest{Name: "a\u200b.png", Type: "image/png", Size: 100}, "name"},
	} {
		err := tc.q.Check()
		got := ""
		for f := range ErrorFields(err) {
			got = f
		}
		if got != tc.field || (tc.field == "") != (err == nil) {
			t.Errorf("%s: error %v (field %q), want field %q", tc.name, err, got, tc.field)
		}
	}
	q := UploadRequest{Name: `C:\fakepath\营业执照.pdf`, Type: "application/pdf", Size: 10}
	if err := q.Check(); err != nil || q.Name != "营业执照.pdf" {
		t.Errorf("a path: %v, name %q, want 营业执照.pdf", err, q.Name)
	}
}

func TestCheckUploaded(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int64
		head string
		want string
	}{
		{"pdf", 2000, "%PDF-1.4", "application/pdf"},
		{"renamed exe", 2000, "MZ\x90\x00", ""},
		{"too large for the bucket's condition", MaxAttachmentSize + 1, "%PDF-1.4", ""},
		{"empty", 0, "", ""},
	} {
		got, err := CheckUploaded(tc.size, []byte(tc.head))
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
		if err != nil && !strings.ContainsAny(ErrorMessage(err), "文件") {
			t.Errorf("%s: message %q, want one in Chinese about the file", tc.name, ErrorMessage(err))
		}
	}
}

func TestAttachmentsAndDocumentsMissing(t *testing.T) {
	a := &Application{Number: "SQ2026-000001", Type: TypeEnterprise, Status: StatusSubmitted}
	if !a.DocumentsMissing() {
		t.Error("an enterprise applicant without material: DocumentsMissing = false")
	}
	for i := range MaxAttachments {
		id, _ := NewAttachmentID()
		if !ValidAttachmentID(id) {
			t.Fatalf("NewAttachmentID = %q, not valid", id)
		}
		if err := a.AddAttachment(Attachment{ID: id, Name: "f.pdf", Type: "application/pdf", Size: 10}); err != nil {
			t.Fatalf("file %d: %v", i+1, err)
		}
		if err := a.AddAttachment(Attachment{ID: id}); err != nil || len(a.Attachments) != i+1 {
			t.Fatalf("the same file again: %v, %d files", err, len(a.Attachments))
		}
	}
	if a.DocumentsMissing() {
		t.Error("with material: DocumentsMissing = true")
	}
	if err := a.AddAttachment(Attachment{ID: "AAAAAAAAAAAAAAAAAAAA"}); ErrorCode(err) != ECONFLICT {
		t.Errorf("a sixth file: %v, want ECONFLICT", err)
	}
	for _, tc := range []struct {
		typ     MemberType
		status  Status
		missing bool
	}{
		{TypeGroup, StatusSubmitted, false},
		{TypeIndividual, StatusSubmitted, false},
		{TypeEnterprise, StatusReviewed, false}, // past the review step
	} {
		b := &Application{Type: tc.typ, Status: tc.status}
		if b.DocumentsMissing() != tc.missing {
			t.Errorf("%s %s: DocumentsMissing = %v", tc.typ, tc.status, !tc.missing)
		}
	}
	for _, st := range []Status{StatusCertified, StatusRejected, StatusWithdrawn} {
		b := &Application{Status: st}
		if err := b.MayUpload(); ErrorCode(err) != ECONFLICT {
			t.Errorf("upload to a %s application: %v, want ECONFLICT", st, err)
		}
	}
}

func TestRetentionAndErase(t *testing.T) {
	t0 := time.Date(2027, 3, 1, 9, 0, 0, 0, China)
	a := &Application{Number: "SQ2027-000007", Type: TypeEnterprise, OrgName: "北京某某科技有限公司", CreditCode: "91110108MA01ABCD1X",
		Representative: "王五", Contact: "张三", Phone: "13800138000", Email: "zhang@example.com", Introduction: "简介",
		Status: StatusSubmitted, CreatedAt: t0, History: []Event{{To: StatusSubmitted, At: t0}},
		Attachments: []Attachment{{ID: "AAAAAAAAAAAAAAAAAAAA", Name: "营业执照.pdf"}}}
	r := Retention{Closed: 180 * 24 * time.Hour}
	if r.ErasureDue(a, t0.AddDate(5, 0, 0)) {
		t.Error("an open application is due for erasure")
	}
	a.Status = StatusRejected
	a.History = append(a.History, Event{From: StatusSubmitted, To: StatusRejected, At: t0.AddDate(0, 0, 10)})
	for _, tc := range []struct {
		at  time.Time
		due bool
	}{
		{t0.AddDate(0, 0, 10+179), false},
		{t0.AddDate(0, 0, 10+180), true},
	} {
		if got := r.ErasureDue(a, tc.at); got != tc.due {
			t.Errorf("at %s: due = %v, want %v", tc.at, got, tc.due)
		}
	}
	files := a.Erase(Erasure{At: t0.AddDate(0, 6, 0), Reason: ErasedRetention, By: "retention", Role: "system"})
	if len(files) != 1 || a.Attachments != nil {
		t.Errorf("Erase returned %v and kept %v, want the one file to delete", files, a.Attachments)
	}
	if a.Contact != ErasedMark || a.Phone != "" || a.Email != "" || a.Representative != "" || a.Introduction != "" {
		t.Errorf("after Erase: %+v", a)
	}
	if a.OrgName == "" || a.CreditCode == "" || a.Status != StatusRejected || a.Number == "" {
		t.Errorf("Erase removed what the register keeps: %+v", a)
	}
	last := a.History[len(a.History)-1]
	if last.Action != "erase" || last.To != StatusRejected || !strings.Contains(last.Note, "保存期满") {
		t.Errorf("history entry %+v, want an erasure by retention", last)
	}
	if r.ErasureDue(a, t0.AddDate(9, 0, 0)) {
		t.Error("an erased application is due again")
	}
	n := len(a.History)
	a.Erase(Erasure{Reason: ErasedRequest})
	if len(a.History) != n || a.Erased.Reason != ErasedRetention {
		t.Error("a second erasure changed the record")
	}
}

func TestMayEraseByApplicant(t *testing.T) {
	for st, ok := range map[Status]bool{StatusSubmitted: true, StatusReviewed: true, StatusRejected: true, StatusWithdrawn: true,
		StatusApproved: false, StatusFiled: false, StatusCertified: false} {
		a := &Application{Status: st}
		if err := a.MayEraseByApplicant(); (err == nil) != ok {
			t.Errorf("%s: %v, want allowed %v", st, err, ok)
		}
	}
}

func TestMemberEraseContact(t *testing.T) {
	for _, tc := range []struct {
		typ      MemberType
		wantName string
	}{
		{TypeEnterprise, "北京某某科技有限公司"},
		{TypeIndividual, "个人会员 LM-2027-0001"},
	} {
		m := &Member{Certificate: "LM-2027-0001", Type: tc.typ, Profile: Profile{Name: "北京某某科技有限公司"}, Status: MemberActive,
			Contact: Contact{Person: "张三", Phone: "13800138000", Email: "zhang@example.com"}}
		if tc.typ == TypeIndividual {
			m.Profile.Name = "张三"
		}
		m.EraseContact(Erasure{Reason: ErasedRequest, By: "c1", Role: RoleSecretariat, Note: "本人书面申请"})
		if m.Contact != (Contact{}) || m.Profile.Name != tc.wantName || m.Erased == nil || m.Status != MemberActive {
			t.Errorf("%s: %+v", tc.typ, m)
		}
		if e := m.History[len(m.History)-1]; e.Action != "erase" || !strings.Contains(e.Note, "应本人要求，已删除个人信息：本人书面申请") {
			t.Errorf("%s: history %+v", tc.typ, e)
		}
	}
}
