package membership

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/width"
)

// Task is a kind of work in the back office that only some roles may do. The
// workflow's actions on applications have their own table (see Apply and
// MayTake); every other rule of who may do what is here.
type Task string

// Tasks of the back office.
const (
	TaskRead             Task = "read"              // read applications, members, attendance and dues
	TaskExit             Task = "exit"              // enter a member's written exit request
	TaskProposeExpulsion Task = "propose-expulsion" // propose to expel a member
	TaskDecideExpulsion  Task = "decide-expulsion"  // approve or refuse a proposed expulsion
	TaskMarkLapsed       Task = "lapse"             // record that a member lapsed by the rule
	TaskShowcase         Task = "showcase"          // record a member's later consent to 会员风采, or its withdrawal
	TaskAttendance       Task = "attendance"        // enter attendance, or void a record entered by mistake
	TaskRegistrations    Task = "registrations"     // cancel an event registration on the registrant's behalf, fill free places from the waitlist
	TaskFees             Task = "fees"              // change a year's fee schedule
	TaskPayment          Task = "payment"           // record a payment of dues, or its correction
	TaskMail             Task = "mail"              // send again a mail that could not be delivered
	TaskErase            Task = "erase"             // erase a person's data on their request (privacy.go)
)

// permission is who may do a task, and what a person who may not is told.
type permission struct {
	roles   []string
	refusal string
}

// permissions are the roles of each task (charter 第六条, 第十四~十八条): the
// secretariat, the chairman's office and the supervisor read everything; the
// supervisor changes nothing.
var permissions = map[Task]permission{
	TaskRead:             {[]string{RoleSecretariat, RoleChair, RoleSupervisor}, "无权查看会员事务（须为秘书处、理事长办公会或监事）"},
	TaskExit:             {[]string{RoleSecretariat}, "退会须由秘书处登记"},
	TaskProposeExpulsion: {[]string{RoleSecretariat}, "除名须由秘书处提出"},
	TaskDecideExpulsion:  {[]string{RoleChair}, "除名须由理事长办公会批准"},
	TaskMarkLapsed:       {[]string{RoleSecretariat}, "自动退会须由秘书处登记"},
	TaskShowcase:         {[]string{RoleSecretariat}, "会员风采展示的同意或撤回须由秘书处根据会员的要求登记"},
	TaskAttendance:       {[]string{RoleSecretariat}, "出席记录须由秘书处登记或作废"},
	TaskRegistrations:    {[]string{RoleSecretariat}, "活动报名须由秘书处办理（代为取消、候补补位）"},
	TaskFees:             {[]string{RoleSecretariat}, "会费标准须由秘书处登记"},
	TaskPayment:          {[]string{RoleSecretariat}, "会费须由秘书处登记"},
	TaskMail:             {[]string{RoleSecretariat}, "重发邮件须由秘书处操作"},
	TaskErase:            {[]string{RoleSecretariat}, "删除个人信息须由秘书处办理"},
}

// May returns nil when the actor holds a role that may do the task, else an
// EFORBIDDEN error saying who may. An unknown task is refused.
func (a Actor) May(t Task) error {
	p, ok := permissions[t]
	if !ok {
		return Errorf(EFORBIDDEN, "membership: authorize", "无权执行此操作")
	}
	if !slices.ContainsFunc(p.roles, a.Has) {
		return Errorf(EFORBIDDEN, "membership: authorize "+string(t), "%s", p.refusal)
	}
	return nil
}

// MayTake returns nil when one of the actor's roles may take the workflow
// action at some step, else an EFORBIDDEN error; an unknown action is an
// EINVALID error. Whether the action is possible now, and by this role, is
// Apply's to say.
func (a Actor) MayTake(act Action) error {
	const op = "membership: authorize action"
	var roles []string
	for _, m := range moves {
		if m.Action == act && !slices.Contains(roles, m.Role) {
			roles = append(roles, m.Role)
		}
	}
	if len(roles) == 0 {
		return &Error{Code: EINVALID, Op: op, Message: fmt.Sprintf("未知操作 %q", act),
			Fields: map[string]string{"action": "未知操作"}}
	}
	if !slices.ContainsFunc(roles, a.Has) {
		return Errorf(EFORBIDDEN, op, "无权执行「%s」", ActionLabels[act])
	}
	return nil
}

type actorKey struct{}

// NewContext returns a context carrying the actor: the person a request
// speaks for, once their token is verified.
func NewContext(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of the context. Errors: EUNAUTHORIZED when the
// context carries none (nobody signed in).
func ActorFrom(ctx context.Context) (Actor, error) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	if !ok || a.ID == "" {
		return Actor{}, Errorf(EUNAUTHORIZED, "membership: actor", "请先登录")
	}
	return a, nil
}

// NormalCertificate writes a certificate number as issued (LM-2026-0001),
// whether it was typed in lower case or with a full-width input method.
func NormalCertificate(s string) string {
	return strings.ToUpper(width.Fold.String(strings.TrimSpace(s)))
}

// CheckYear returns an EINVALID error for a year outside 2000–2100.
func CheckYear(year int) error {
	if !validYear(year) {
		return &Error{Code: EINVALID, Op: "membership: check year", Message: "年份应在 2000 至 2100 之间",
			Fields: map[string]string{"year": "年份应在 2000 至 2100 之间"}}
	}
	return nil
}
