package membership

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// MemberType is the kind of member an applicant wants to become (charter 第十条一).
type MemberType string

// Member types.
const (
	TypeEnterprise MemberType = "enterprise" // 企业会员
	TypeGroup      MemberType = "group"      // 团体会员
	TypeIndividual MemberType = "individual" // 个人会员
)

// MemberTypes lists the member types in display order.
var MemberTypes = []Choice{
	{string(TypeEnterprise), "企业会员"},
	{string(TypeGroup), "团体会员"},
	{string(TypeIndividual), "个人会员"},
}

// RepresentativeKind says whether the representative is the legal or an authorised one
// (第十四条一: 由法定代表或授权代表提交申请).
type RepresentativeKind string

// Representative kinds.
const (
	RepLegal      RepresentativeKind = "legal"      // 法定代表人
	RepAuthorised RepresentativeKind = "authorised" // 授权代表
)

// RepresentativeKinds lists the representative kinds in display order.
var RepresentativeKinds = []Choice{
	{string(RepLegal), "法定代表人"},
	{string(RepAuthorised), "授权代表"},
}

// Specialised is the applicant's 专精特新 status.
type Specialised string

// 专精特新 statuses.
const (
	SpecialisedNone       Specialised = "none"       // 无
	SpecialisedProvincial Specialised = "provincial" // 省级专精特新中小企业
	SpecialisedNational   Specialised = "national"   // 国家级专精特新“小巨人”企业
)

// SpecialisedStatuses lists the 专精特新 statuses in display order.
var SpecialisedStatuses = []Choice{
	{string(SpecialisedNone), "无"},
	{string(SpecialisedProvincial), "省级专精特新中小企业"},
	{string(SpecialisedNational), "国家级专精特新“小巨人”企业"},
}

// Choice is one option of a closed list: the stored value and its Chinese label.
type Choice struct {
	Value string
	Label string
}

// ListingBoards lists the boards an applicant may plan to list on.
var ListingBoards = []Choice{
	{"sse-main", "上交所主板"},
	{"szse-main", "深交所主板"},
	{"star", "科创板"},
	{"chinext", "创业板"},
	{"bse", "北交所"},
	{"neeq", "新三板"},
	{"hkex", "香港联交所"},
	{"overseas", "其他境外市场"},
}

// PrivacyNoticeVersions are the versions of the privacy notice (个人信息保护声明) the join
// form has shown; an application records which one its applicant accepted and must name one
// of these. A new notice gets a new version here and in content/config.yaml
// (privacyNoticeVersion); older versions stay, for pages still open in a browser.
// 2026-12-01: the homepage, the showcase and certificate verification; 2026-12-20: the
// documents, the mail and the retention periods, with the texts of 2026-12-01.
var PrivacyNoticeVersions = []string{"2026-11-01", "2026-12-01", "2026-12-20"}

// Services lists the services of 第十条二 an applicant may ask for.
var Services = []Choice{
	{"financing", "企业投融资"},
	{"management", "企业管理咨询"},
	{"strategy", "企业战略规划设计"},
	{"hr", "企业人力资源服务"},
	{"training", "企业内训"},
	{"equity-incentive", "企业股权激励"},
	{"ipo", "企业 IPO"},
	{"policy", "企业政策咨询及政府沟通"},
	{"legal", "企业法务咨询"},
	{"projects", "企业项目交流及国际合作"},
	{"it", "企业信息化建设"},
}

// Regions lists the provincial-level regions of China an applicant may be in.
var Regions = []string{
	"北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省",
	"上海市", "江苏省", "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省",
	"湖北省", "湖南省", "广东省", "广西壮族自治区", "海南省", "重庆市", "四川省", "贵州省",
	"云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
	"香港特别行政区", "澳门特别行政区", "台湾省",
}

// Label returns the label of value in choices, or value itself when it is not listed.
func Label(choices []Choice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}

// Status is where an application stands in the workflow of 第十四条.
type Status string

// Statuses of an application. The back office defines which moves are allowed.
const (
	StatusSubmitted Status = "submitted" // 已提交，待秘书处审核
	StatusReviewed  Status = "reviewed"  // 秘书处审核通过，待理事长办公会批准
	StatusApproved  Status = "approved"  // 理事长办公会已批准，待报中促中心备案
	StatusFiled     Status = "filed"     // 已报中促中心备案，待颁发证书
	StatusCertified Status = "certified" // 已颁发会员证书
	StatusRejected  Status = "rejected"  // 未通过
	StatusWithdrawn Status = "withdrawn" // 申请人已撤回
)

// StatusLabels gives the Chinese label of every status.
var StatusLabels = map[Status]string{
	StatusSubmitted: "已提交，待秘书处审核",
	StatusReviewed:  "秘书处已审核，待理事长办公会批准",
	StatusApproved:  "理事长办公会已批准，待报中促中心备案",
	StatusFiled:     "已报中促中心备案，待颁发会员证书",
	StatusCertified: "已颁发会员证书",
	StatusRejected:  "未通过",
	StatusWithdrawn: "已撤回",
}

// ListingPlan is the board and year an applicant aims to list on; both may be empty.
type ListingPlan struct {
	Board string `json:"board,omitempty" dynamodbav:"board,omitempty" label:"目标板块" validate:"board"`
	Year  int    `json:"year,omitempty" dynamodbav:"year,omitempty" label:"计划上市年份"` // checked by ValidateAt, which knows the day
}

// Event is one entry of an application's audit history: a change of status, who made it
// in which role, when, and why. Actor is the token's subject, which the same-person rules
// compare; ActorName is the display name the token carried at the time (as in MemberEvent).
type Event struct {
	// Action is "erase" for the erasure of the personal data (Erase), which
	// leaves the status as it was; empty for a change of status.
	Action    string    `json:"action,omitempty" dynamodbav:"action,omitempty"`
	From      Status    `json:"from,omitempty" dynamodbav:"from,omitempty"`
	To        Status    `json:"to" dynamodbav:"to"`
	Actor     string    `json:"actor" dynamodbav:"actor,omitempty"`
	ActorName string    `json:"actor_name,omitempty" dynamodbav:"actor_name,omitempty"`
	Role      string    `json:"role" dynamodbav:"role,omitempty"`
	At        time.Time `json:"at" dynamodbav:"at"`
	Note      string    `json:"note,omitempty" dynamodbav:"note,omitempty"`
}

// Application is a request to join the alliance (第十四条) and its progress.
// Version is incremented by every stored change and guards against lost updates.
type Application struct {
	Number    string `json:"number" dynamodbav:"number"`
	TokenHash string `json:"-" dynamodbav:"token_hash,omitempty"` // SHA-256 of the applicant's status token
	// StatusToken is the plain status token, set by intake on a new
	// application for the mail that tells the applicant (outbox.ForApplication)
	// and never stored.
	StatusToken string `json:"-" dynamodbav:"-"`

	Type               MemberType         `json:"type" dynamodbav:"type" label:"会员类型" validate:"required,membertype"`
	OrgName            string             `json:"org_name" dynamodbav:"org_name,omitempty" label:"单位名称" validate:"orgrequired,max=100,oneline"`
	CreditCode         string             `json:"credit_code,omitempty" dynamodbav:"credit_code,omitempty" label:"统一社会信用代码" validate:"orgonly,oneline,creditcode"`
	Representative     string             `json:"representative,omitempty" dynamodbav:"representative,omitempty" label:"代表人姓名" validate:"orgonly,max=50,oneline"`
	RepresentativeKind RepresentativeKind `json:"representative_kind,omitempty" dynamodbav:"representative_kind,omitempty" label:"代表人类别" validate:"orgonly,repkind"`
	Contact            string             `json:"contact" dynamodbav:"contact,omitempty" label:"联系人" validate:"required,max=50,oneline"`
	Phone              string             `json:"phone" dynamodbav:"phone,omitempty" label:"联系电话" validate:"required,oneline,cnphone"` // mainland mobile or landline
	Email              string             `json:"email" dynamodbav:"email,omitempty" label:"电子邮箱" validate:"required,max=254,oneline,email"`
	Region             string             `json:"region" dynamodbav:"region,omitempty" label:"所在地区" validate:"required,region"`
	Industry           string             `json:"industry" dynamodbav:"industry,omitempty" label:"所属行业" validate:"required,max=50,oneline"`
	Specialised        Specialised        `json:"specialised" dynamodbav:"specialised,omitempty" label:"专精特新情况" validate:"required,specialised"`
	ListingPlan        ListingPlan        `json:"listing_plan" dynamodbav:"listing_plan" label:"上市计划"`
	Services           []string           `json:"services" dynamodbav:"services,omitempty" label:"希望获得的服务" validate:"required,min=1,max=20,unique,dive,service"`
	Introduction       string             `json:"introduction" dynamodbav:"introduction,omitempty" label:"单位简介" validate:"required,max=2000,multiline"`
	Homepage           string             `json:"homepage,omitempty" dynamodbav:"homepage,omitempty" label:"单位网站" validate:"omitempty,max=200,oneline,http_url,notindividual"`
	// ShowcaseConsent is the organisation's own, separate consent to be shown
	// in 会员风采 once certified (PIPL); unticked unless the applicant ticks it.
	// Individuals may not give it (see ShowcaseFields).
	ShowcaseConsent    bool   `json:"showcase_consent" dynamodbav:"showcase_consent" label:"同意在会员风采中展示" validate:"notindividual"`
	CommitmentAccepted bool   `json:"commitment_accepted" dynamodbav:"commitment_accepted" label:"承诺书" validate:"accepted"`
	PrivacyAccepted    bool   `json:"privacy_accepted" dynamodbav:"privacy_accepted" label:"个人信息保护声明" validate:"accepted"`
	PrivacyVersion     string `json:"privacy_version" dynamodbav:"privacy_version,omitempty" label:"个人信息保护声明版本" validate:"required,privacyversion"`

	CreatedAt time.Time `json:"created_at" dynamodbav:"created_at"`
	Status    Status    `json:"status" dynamodbav:"status"`
	History   []Event   `json:"history" dynamodbav:"history"`
	Version   int       `json:"version" dynamodbav:"version"`

	// Set by the back office (workflow.go): the filing with the centre and the certificate.
	Filing            *Filing `json:"filing,omitempty" dynamodbav:"filing,omitempty"`
	CertificateNumber string  `json:"certificate_number,omitempty" dynamodbav:"certificate_number,omitempty"`

	// The materials the applicant uploaded (attachment.go), and the erasure
	// of the personal data, once it happened (privacy.go).
	Attachments []Attachment `json:"attachments,omitempty" dynamodbav:"attachments,omitempty"`
	Erased      *Erasure     `json:"erased,omitempty" dynamodbav:"erased,omitempty"`
}

// Submit marks a new application as submitted at now: status, the first history event
// and version 1. The store assigns the number.
func (a *Application) Submit(now time.Time) {
	a.CreatedAt = now.UTC()
	a.Status = StatusSubmitted
	a.History = []Event{{To: StatusSubmitted, Actor: "applicant", Role: "applicant", At: a.CreatedAt}}
	a.Version = 1
}

// TokenMatches reports, in constant time, whether token is the application's status token.
func (a *Application) TokenMatches(token string) bool {
	if a.TokenHash == "" || token == "" {
		return false
	}
	h := HashToken(token)
	return subtle.ConstantTimeCompare([]byte(h), []byte(a.TokenHash)) == 1
}

// NewStatusToken returns a fresh random status token for the applicant and its hash for
// the store. Only the hash is kept with the application.
func NewStatusToken() (token, hash string, err error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", Internal("membership: new status token", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the hex SHA-256 of a status token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// China is the time zone application numbers and dates are read in (UTC+8, no DST).
var China = time.FixedZone("CST", 8*60*60)

// NumberYear returns the year, in China, that numbers of applications created at t carry.
func NumberYear(t time.Time) int { return t.In(China).Year() }

// FormatNumber returns the application number for the seq-th application of year,
// e.g. SQ2026-000123.
func FormatNumber(year, seq int) string { return fmt.Sprintf("SQ%d-%06d", year, seq) }

// IdempotencyTTL is how long a submission's Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

// IdempotencyRecord remembers the outcome of a submission made with an Idempotency-Key so
// that a retry gets the first answer: the hash of the request body, the number and the
// status token it was given. It is worthless after ExpiresAt.
type IdempotencyRecord struct {
	Key         string    `json:"key" dynamodbav:"key"`
	RequestHash string    `json:"request_hash" dynamodbav:"request_hash"`
	Number      string    `json:"number" dynamodbav:"number"`
	Token       string    `json:"token" dynamodbav:"token"`
	ExpiresAt   time.Time `json:"expires_at" dynamodbav:"expires_at,unixtime"`
}

// Expired reports whether the record is no longer valid at now.
func (r *IdempotencyRecord) Expired(now time.Time) bool { return !now.Before(r.ExpiresAt) }
