package membership

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Limits of the materials an applicant uploads (第十四条（二）: the copy of the
// licence and an introduction).
const (
	MaxAttachments    = 5        // files per application
	MaxAttachmentSize = 10 << 20 // bytes per file (10 MB)
	// SniffBytes is how many bytes from the start of a file SniffType needs.
	SniffBytes = 8
)

// AttachmentTypes are the kinds of file an applicant may upload, by media type.
var AttachmentTypes = []Choice{
	{"application/pdf", "PDF"},
	{"image/jpeg", "JPEG"},
	{"image/png", "PNG"},
}

// DocumentsMissingLabel is what the review step shows of an enterprise
// application without any material (Application.DocumentsMissing).
const DocumentsMissingLabel = "材料不全"

// SniffType returns the media type of a file from its first bytes (at least
// SniffBytes of them), "" when it is none of AttachmentTypes: the type is
// decided by the content, never by the name.
func SniffType(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	}
	return ""
}

// Attachment is a file the applicant uploaded and the function checked: its
// ID (the last part of its object key), the name the applicant's file had,
// its media type as sniffed from its content, its size and when it was
// recorded.
type Attachment struct {
	ID         string    `json:"id" dynamodbav:"id"`
	Name       string    `json:"name" dynamodbav:"name"`
	Type       string    `json:"type" dynamodbav:"type"`
	Size       int64     `json:"size" dynamodbav:"size"`
	UploadedAt time.Time `json:"uploaded_at" dynamodbav:"uploaded_at"`
}

// Object keys of the uploads bucket: a file is posted under its incoming key,
// which expires within a day, and moved to its attachment key once checked.
const (
	IncomingPrefix   = "incoming/"
	AttachmentPrefix = "attachments/"
)

// IncomingKey is where the applicant's browser posts the file id of the
// application.
func IncomingKey(number, id string) string { return IncomingPrefix + number + "/" + id }

// AttachmentKey is where the checked file id of the application is kept.
func AttachmentKey(number, id string) string { return AttachmentPrefix + number + "/" + id }

// Key returns the object key of the attachment of the application.
func (t Attachment) Key(number string) string { return AttachmentKey(number, t.ID) }

var attachmentIDRE = regexp.MustCompile(`^[A-Z2-7]{20}$`)

// NewAttachmentID returns a fresh random ID for a file to upload.
func NewAttachmentID() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", Internal("membership: new attachment id", err)
	}
	return base32.StdEncoding.EncodeToString(b)[:20], nil
}

// ValidAttachmentID reports whether id has the form NewAttachmentID gives.
func ValidAttachmentID(id string) bool { return attachmentIDRE.MatchString(id) }

// UploadForm is how a browser posts one file straight to the uploads
// bucket: a multipart/form-data POST to URL with Fields first and the file
// last (as "file"), before Expires. The fields carry a policy the bucket
// enforces: this key only, this media type, at most MaxAttachmentSize bytes.
type UploadForm struct {
	URL     string            `json:"url"`
	Fields  map[string]string `json:"fields"`
	Expires time.Time         `json:"expires"`
}

// UploadRequest is what the applicant's browser says of a file before
// sending it: its name, its media type and its size.
type UploadRequest struct {
	Name string `json:"name" label:"文件名" validate:"required,max=100,oneline"`
	Type string `json:"type" label:"文件类型"`
	Size int64  `json:"size" label:"文件大小"`
}

// Check normalises the name and checks the request against the limits.
// Errors: EINVALID naming the field.
func (q *UploadRequest) Check() error {
	const op = "membership: check upload"
	q.Name = strings.TrimSpace(q.Name)
	if i := strings.LastIndexAny(q.Name, `/\`); i >= 0 {
		q.Name = q.Name[i+1:] // a path some browsers send: the name only
	}
	if err := CheckInput(q); err != nil {
		return err
	}
	switch {
	case !slices.ContainsFunc(AttachmentTypes, func(c Choice) bool { return c.Value == q.Type }):
		return fieldError(op, "type", "只接受 PDF、JPEG 或 PNG 文件")
	case q.Size <= 0:
		return fieldError(op, "size", "文件是空的，请重新选择")
	case q.Size > MaxAttachmentSize:
		return fieldError(op, "size", "文件超过 10 MB，请压缩或分成几个文件后再上传")
	}
	return nil
}

// CheckUploaded checks a file as it was stored: its size and its first bytes
// (at least SniffBytes, unless the file is shorter). It returns the media
// type. Errors: EINVALID saying what is wrong, in the applicant's words.
func CheckUploaded(size int64, head []byte) (string, error) {
	const op = "membership: check uploaded file"
	switch {
	case size <= 0:
		return "", fieldError(op, "file", "文件是空的，请重新选择")
	case size > MaxAttachmentSize:
		return "", fieldError(op, "file", "文件超过 10 MB，请压缩或分成几个文件后再上传")
	}
	t := SniffType(head)
	if t == "" {
		return "", fieldError(op, "file", "文件内容不是 PDF、JPEG 或 PNG（按文件内容判断，与文件名无关），请重新选择")
	}
	return t, nil
}

func fieldError(op, field, msg string) *Error {
	return &Error{Code: EINVALID, Op: op, Message: msg, Fields: map[string]string{field: msg}}
}

// MayUpload returns nil when the applicant may add a file to the
// application now: while it is open (not certified, rejected or withdrawn),
// its personal data not erased, and it has fewer than MaxAttachments files.
// Errors: ECONFLICT saying why not.
func (a *Application) MayUpload() error {
	const op = "membership: may upload"
	switch {
	case a.Erased != nil:
		return Errorf(ECONFLICT, op, "申请 %s 的个人信息已删除，不能再上传材料", a.Number)
	case a.Status == StatusCertified || a.Status == StatusRejected || a.Status == StatusWithdrawn:
		return Errorf(ECONFLICT, op, "申请 %s 当前状态为「%s」，不能再上传材料", a.Number, StatusLabels[a.Status])
	case len(a.Attachments) >= MaxAttachments:
		return Errorf(ECONFLICT, op, "每份申请最多上传 %d 个文件；如需更换，请联系秘书处", MaxAttachments)
	}
	return nil
}

// AddAttachment records a checked file. A file with the same ID is recorded
// once. Errors: as MayUpload.
func (a *Application) AddAttachment(t Attachment) error {
	if slices.ContainsFunc(a.Attachments, func(x Attachment) bool { return x.ID == t.ID }) {
		return nil
	}
	if err := a.MayUpload(); err != nil {
		return err
	}
	t.UploadedAt = t.UploadedAt.UTC()
	a.Attachments = append(a.Attachments, t)
	return nil
}

// Attachment returns the application's attachment with the ID, if any.
func (a *Application) Attachment(id string) (Attachment, bool) {
	i := slices.IndexFunc(a.Attachments, func(x Attachment) bool { return x.ID == id })
	if i < 0 {
		return Attachment{}, false
	}
	return a.Attachments[i], true
}

// DocumentsMissing reports whether the review step must say 材料不全: an
// enterprise applicant waiting for review has uploaded no material (第十四条
// （二） asks for a copy of the licence).
func (a *Application) DocumentsMissing() bool {
	return a.Type == TypeEnterprise && a.Status == StatusSubmitted && len(a.Attachments) == 0 && a.Erased == nil
}
