package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
)

// The subcommands of `alliance admin`: each parses its flags, calls the back
// office through the API and prints the answer.

func (c *adminCLI) whoami(ctx context.Context, args []string) error {
	fs := c.flags("whoami", "whoami", "alliance admin whoami")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	me, err := o.WhoAmI(ctx)
	if err != nil {
		return err
	}
	return c.print(me, func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", me.ID, me.Name, strings.Join(me.Roles, ","))
	})
}

func (c *adminCLI) dashboard(ctx context.Context, args []string) error {
	fs := c.flags("dashboard", "dashboard", "alliance admin dashboard")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	d, err := o.Dashboard(ctx)
	if err != nil {
		return err
	}
	return c.print(d, func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", d.Today, actorLabel(d.Me.ID, d.Me.Name), strings.Join(d.Me.Roles, ","))
		for _, st := range []membership.Status{membership.StatusSubmitted, membership.StatusReviewed, membership.StatusApproved,
			membership.StatusFiled, membership.StatusCertified, membership.StatusRejected, membership.StatusWithdrawn} {
			fmt.Fprintf(w, "%s\t%d\t%s\n", st, d.Counts[st], membership.StatusLabels[st])
		}
		fmt.Fprintln(w, "WAITING FOR ME")
		for _, a := range d.Waiting {
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\n", a.Number, a.Status, a.OrgName, a.CreatedAt.In(membership.China).Format("2006-01-02 15:04"))
		}
		for _, e := range d.Expulsions {
			fmt.Fprintf(w, "  %s\texpulsion proposed\t%s\t%s\n", e.Certificate, e.Name, e.Reason)
		}
		fmt.Fprintln(w, "LAPSE")
		for _, st := range d.AtRisk {
			fmt.Fprintf(w, "  %s\t%s\t%s\tlast attended %s\n", st.Certificate, st.State, st.Name, st.LastAttended)
		}
		fmt.Fprintf(w, "DUES %d\tunpaid %d\toutstanding %s yuan\n", d.Year, d.Dues.Unpaid, membership.Yuan(d.Dues.Owed))
		for _, l := range d.Unpaid {
			fmt.Fprintf(w, "  %s\t%s\t%s\n", l.Certificate, l.Name, membership.Yuan(l.Due))
		}
	})
}

func (c *adminCLI) applications(ctx context.Context, args []string) error {
	fs := c.flags("applications", "applications [--status S] [--search Q] [--limit N]", "alliance admin applications --status reviewed --search 科技")
	status := fs.String("status", "", "only this `status`: submitted, reviewed, approved, filed, certified, rejected, withdrawn")
	search := fs.String("search", "", "an application number, a credit code or part of a `name`")
	limit := fs.Int("limit", 0, "list at most `N` (0: all)")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	if *limit < 0 {
		return errors.New("applications: --limit must not be negative")
	}
	q := membership.ApplicationQuery{Status: membership.Status(*status), Search: *search, Limit: membership.MaxPageSize}
	apps := []membership.ApplicationSummary{}
	for {
		if *limit > 0 {
			q.Limit = min(membership.MaxPageSize, *limit-len(apps))
		}
		p, err := o.Applications(ctx, q)
		if err != nil {
			return err
		}
		apps = append(apps, p.Applications...)
		if p.Next == "" || *limit > 0 && len(apps) >= *limit {
			break
		}
		q.After = p.Next
	}
	return c.print(apps, func(w io.Writer) {
		fmt.Fprintln(w, "NUMBER\tSTATUS\tTYPE\tNAME\tSUBMITTED\tVERSION")
		for _, a := range apps {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", a.Number, a.Status, a.Type, a.OrgName, a.CreatedAt.In(membership.China).Format("2006-01-02 15:04"), a.Version)
		}
	})
}

func printApplication(w io.Writer, a *membership.Application) {
	fmt.Fprintf(w, "%s\t%s (%s)\tversion %d\n", a.Number, membership.StatusLabels[a.Status], a.Status, a.Version)
	fmt.Fprintf(w, "%s\t%s\t%s %s\n", membership.Label(membership.MemberTypes, string(a.Type)), a.OrgName, a.Region, a.Industry)
	fmt.Fprintf(w, "contact\t%s %s %s\n", a.Contact, a.Phone, a.Email)
	if a.Filing != nil {
		fmt.Fprintf(w, "filing\t%s %s\n", a.Filing.Date, a.Filing.Reference)
	}
	if a.CertificateNumber != "" {
		fmt.Fprintf(w, "certificate\t%s\n", a.CertificateNumber)
	}
	for _, e := range a.History {
		fmt.Fprintf(w, "  %s\t%s → %s\t%s (%s)\t%s\n", e.At.In(membership.China).Format("2006-01-02 15:04"), e.From, e.To, actorLabel(e.Actor, e.ActorName), e.Role, e.Note)
	}
}

func (c *adminCLI) show(ctx context.Context, args []string) error {
	fs := c.flags("show", "show NUMBER", "alliance admin show SQ2026-000001")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	a, err := o.Application(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.print(a, func(w io.Writer) {
		printApplication(w, a.Application)
		printDocuments(w, a)
		fmt.Fprintf(w, "you may\t%s\n", joinOr(a.Actions, "nothing at this status"))
		printRelated(w, a.Related)
	})
}

// joinOr joins the values with spaces, or returns none when there are none.
func joinOr[T ~string](vs []T, none string) string {
	if len(vs) == 0 {
		return none
	}
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, " ")
}

// printRelated lists the other records of the organisation, if any.
func printRelated(w io.Writer, r backoffice.Related) {
	for _, a := range r.Applications {
		fmt.Fprintf(w, "same credit code\tapplication %s\t%s (%s)\t%s\t%s\n", a.Number, membership.StatusLabels[a.Status], a.Status,
			a.CreatedAt.In(membership.China).Format(time.DateOnly), a.OrgName)
	}
	for _, m := range r.Members {
		fmt.Fprintf(w, "same credit code\tmember %s\t%s (%s)\tjoined %s\t%s\n", m.Certificate, membership.MemberStatusLabels[m.Status], m.Status,
			m.JoinedOn, m.Name)
	}
}

// transitionExamples are the usage examples of the workflow's subcommands.
var transitionExamples = map[membership.Action]string{
	membership.ActionReview:  `alliance admin review SQ2026-000001 --note "材料齐全"`,
	membership.ActionApprove: `alliance admin approve SQ2026-000001 --note "理事长办公会 2026 年第 3 次会议"`,
	membership.ActionReject:  `alliance admin reject SQ2026-000001 --note "不符合第十二条条件"`,
	membership.ActionFile:    `alliance admin file SQ2026-000001 --date 2026-03-05 --reference "中促备〔2026〕12号"`,
	membership.ActionCertify: `alliance admin certify SQ2026-000001`,
}

// transition returns the subcommand of one workflow action.
func transition(act membership.Action) func(c *adminCLI, ctx context.Context, args []string) error {
	return func(c *adminCLI, ctx context.Context, args []string) error {
		fs := c.flags(string(act), string(act)+" NUMBER [flags]", transitionExamples[act])
		note := fs.String("note", "", "note for the history (the reason, for reject)")
		version := fs.Int("version", 0, "version the change is made against (default: the current one)")
		var date, ref *string
		if act == membership.ActionFile {
			date = fs.String("date", "", "filing `date` (YYYY-MM-DD)")
			ref = fs.String("reference", "", "the centre's filing `reference`")
		}
		pos, o, err := c.parse(fs, args, 1)
		if err != nil {
			return err
		}
		if *version == 0 {
			a, err := o.Application(ctx, pos[0])
			if err != nil {
				return err
			}
			*version = a.Version
		}
		q := backoffice.ChangeRequest{Version: *version, Note: *note}
		if act == membership.ActionFile {
			q.Filing = &membership.Filing{Date: *date, Reference: *ref}
		}
		if act == membership.ActionCertify {
			res, err := o.Certify(ctx, pos[0], q)
			if err != nil {
				return err
			}
			return c.print(res, func(w io.Writer) {
				fmt.Fprintf(w, "%s\tcertified: certificate %s, member %s, joined %s\n", res.Application.Number, res.Member.Certificate, res.Member.Profile.Name, res.Member.JoinedOn)
			})
		}
		a, err := o.ChangeApplication(ctx, pos[0], act, q)
		if err != nil {
			return err
		}
		return c.print(a, func(w io.Writer) {
			fmt.Fprintf(w, "%s\t%s (%s)\tversion %d\n", a.Number, membership.StatusLabels[a.Status], a.Status, a.Version)
		})
	}
}

func (c *adminCLI) members(ctx context.Context, args []string) error {
	fs := c.flags("members", "members [--status S]", "alliance admin members --status active")
	status := fs.String("status", "", "only this `status`: active, exited, expelled, lapsed")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	ms, err := o.Members(ctx, membership.MemberStatus(*status))
	if err != nil {
		return err
	}
	return c.print(ms, func(w io.Writer) {
		fmt.Fprintln(w, "CERTIFICATE\tSTATUS\tTYPE\tNAME\tJOINED\tLEFT\tVERSION")
		for _, m := range ms {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", m.Certificate, m.Status, m.Type, m.Profile.Name, m.JoinedOn, m.LeftOn, m.Version)
		}
	})
}

func printMember(w io.Writer, m *membership.Member) {
	fmt.Fprintf(w, "%s\t%s (%s)\tversion %d\n", m.Certificate, membership.MemberStatusLabels[m.Status], m.Status, m.Version)
	fmt.Fprintf(w, "%s\t%s\tjoined %s\tapplication %s\n", membership.Label(membership.MemberTypes, string(m.Type)), m.Profile.Name, m.JoinedOn, m.Application)
	if m.LeftOn != "" {
		fmt.Fprintf(w, "left\t%s\t%s\n", m.LeftOn, m.LeftNote)
	}
	showcase := map[bool]string{true: "consents to 会员风采", false: "does not consent to 会员风采"}[m.ShowcaseConsent]
	if m.Showcased() {
		showcase += " (shown)"
	}
	fmt.Fprintf(w, "showcase\t%s\t%s\n", showcase, m.Profile.Homepage)
	if e := m.PendingExpulsion; e != nil {
		fmt.Fprintf(w, "expulsion proposed\t%s by %s\t%s\n", e.ProposedAt.In(membership.China).Format(time.DateOnly), e.ProposedBy, e.Reason)
	}
	for _, e := range m.History {
		fmt.Fprintf(w, "  %s\t%s\t%s → %s\t%s (%s)\t%s\n", e.At.In(membership.China).Format("2006-01-02 15:04"), e.Action, e.From, e.To, actorLabel(e.Actor, e.ActorName), e.Role, e.Note)
	}
}

func (c *adminCLI) member(ctx context.Context, args []string) error {
	fs := c.flags("member", "member CERTIFICATE", "alliance admin member LM-2026-0001")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	m, err := o.Member(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.print(m, func(w io.Writer) {
		printMember(w, m.Member)
		fmt.Fprintf(w, "standing\t%s\tlast attended %s\n", m.Standing.State, m.Standing.LastAttended)
		fmt.Fprintf(w, "you may\t%s\n", joinOr(m.Tasks, "nothing"))
		printRelated(w, m.Related)
	})
}

// changeMember runs change with the member's version (the current one when
// version is 0) and prints the member it returns.
func (c *adminCLI) changeMember(ctx context.Context, o office, cert string, version int, change func(version int) (*membership.Member, error)) error {
	if version == 0 {
		m, err := o.Member(ctx, cert)
		if err != nil {
			return err
		}
		version = m.Version
	}
	m, err := change(version)
	if err != nil {
		return err
	}
	return c.print(m, func(w io.Writer) { printMember(w, m) })
}

func (c *adminCLI) exit(ctx context.Context, args []string) error {
	fs := c.flags("exit", "exit CERTIFICATE --requested-on D --certificate-returned [--note]",
		"alliance admin exit LM-2026-0001 --requested-on 2026-05-01 --certificate-returned")
	on := fs.String("requested-on", "", "`date` of the written exit request")
	returned := fs.Bool("certificate-returned", false, "the member certificate was returned")
	note := fs.String("note", "", "note")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	return c.changeMember(ctx, o, pos[0], *version, func(v int) (*membership.Member, error) {
		return o.Exit(ctx, pos[0], backoffice.ExitRequest{Version: v, RequestedOn: *on, CertificateReturned: *returned, Note: *note})
	})
}

func (c *adminCLI) showcase(ctx context.Context, args []string) error {
	fs := c.flags("showcase", "showcase CERTIFICATE --consent | --withdraw --requested-by WHO --requested-on D [--note N]",
		`alliance admin showcase LM-2026-0001 --withdraw --requested-by "联系人李四来函" --requested-on 2026-12-01`)
	consent := fs.Bool("consent", false, "the member now agrees to be shown in 会员风采")
	withdraw := fs.Bool("withdraw", false, "the member withdraws its consent (taken off at the next build of the site)")
	by := fs.String("requested-by", "", "who asked, and how (e.g. 联系人李四来函)")
	on := fs.String("requested-on", "", "`date` of the member's request")
	note := fs.String("note", "", "note")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *consent == *withdraw {
		fs.Usage()
		return errors.New("admin showcase: give exactly one of --consent and --withdraw")
	}
	return c.changeMember(ctx, o, pos[0], *version, func(v int) (*membership.Member, error) {
		return o.ChangeShowcase(ctx, pos[0], backoffice.ShowcaseRequest{Version: v, Consent: *consent, RequestedBy: *by, RequestedOn: *on, Note: *note})
	})
}

// certificate prints the address of the member's printable certificate (to open in a
// browser signed in to the console), or with --out writes the page, fetched with the
// token, to a file to open and print.
func (c *adminCLI) certificate(ctx context.Context, args []string) error {
	fs := c.flags("certificate", "certificate CERTIFICATE [--out FILE]", "alliance admin certificate LM-2026-0001 --out LM-2026-0001.html")
	out := fs.String("out", "", "write the certificate's HTML page to this `file`")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := fmt.Fprintln(c.out, httpapi.CertificateURL(c.api, pos[0]))
		return err
	}
	if _, err := c.office(); err != nil {
		return err
	}
	page, err := httpapi.NewAdminClient(c.api, c.token).CertificatePage(ctx, pos[0])
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, page, 0o644); err != nil {
		return fmt.Errorf("admin certificate: %w", err)
	}
	fmt.Fprintf(c.errOut, "wrote %s (%d bytes): open it in a browser and print it on A4, landscape\n", *out, len(page))
	return nil
}

func (c *adminCLI) expel(ctx context.Context, args []string) error {
	fs := c.flags("expel", "expel CERTIFICATE --reason R", `alliance admin expel LM-2026-0001 --reason "严重违反章程"`)
	reason := fs.String("reason", "", "reason for the expulsion")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	return c.changeMember(ctx, o, pos[0], *version, func(v int) (*membership.Member, error) {
		return o.ProposeExpulsion(ctx, pos[0], backoffice.ExpulsionRequest{Version: v, Reason: *reason})
	})
}

func (c *adminCLI) decideExpulsion(ctx context.Context, args []string) error {
	fs := c.flags("decide-expulsion", "decide-expulsion CERTIFICATE --approve | --refuse --note R",
		"alliance admin decide-expulsion LM-2026-0001 --approve")
	approve := fs.Bool("approve", false, "approve the proposed expulsion")
	refuse := fs.Bool("refuse", false, "refuse it (needs --note)")
	note := fs.String("note", "", "note, or the reason for refusing")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *approve == *refuse {
		return errors.New("admin decide-expulsion: give exactly one of --approve and --refuse")
	}
	return c.changeMember(ctx, o, pos[0], *version, func(v int) (*membership.Member, error) {
		return o.DecideExpulsion(ctx, pos[0], backoffice.DecisionRequest{Version: v, Approve: *approve, Note: *note})
	})
}

func (c *adminCLI) lapse(ctx context.Context, args []string) error {
	fs := c.flags("lapse", "lapse CERTIFICATE [--date D]", "alliance admin lapse LM-2024-0003 --date 2027-01-01")
	date := fs.String("date", "", "`date` the rule is applied for (default today)")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	return c.changeMember(ctx, o, pos[0], *version, func(v int) (*membership.Member, error) {
		return o.MarkLapsed(ctx, pos[0], backoffice.LapseRequest{Version: v, Date: *date})
	})
}

func (c *adminCLI) attend(ctx context.Context, args []string) error {
	fs := c.flags("attend", "attend --event ID --kind K --date D [--title T] CERTIFICATE...",
		`alliance admin attend --event 2026-assembly --kind general_assembly --date 2026-06-18 --title "2026 年会员大会" LM-2026-0001 LM-2026-0002`)
	event := fs.String("event", "", "event `id`, e.g. 2026-assembly")
	kind := fs.String("kind", membership.EventActivity, "general_assembly (会员大会) or event (联盟活动)")
	date := fs.String("date", "", "event `date` (YYYY-MM-DD)")
	title := fs.String("title", "", "event title")
	void := fs.Bool("void", false, "void the members' records of the event instead (entered by mistake); needs --note")
	note := fs.String("note", "", "with --void: the `reason`")
	pos, o, err := c.parse(fs, args, -1)
	if err != nil {
		return err
	}
	if *void {
		res, err := o.VoidAttendance(ctx, backoffice.AttendanceRequest{Event: *event, Void: true, Note: *note, Members: pos})
		if err != nil {
			return err
		}
		return c.print(res, func(w io.Writer) {
			fmt.Fprintf(w, "voided\t%d\t%s\n", len(res.Voided), strings.Join(res.Voided, " "))
			if len(res.NotRecorded) > 0 {
				fmt.Fprintf(w, "not recorded\t%d\t%s\n", len(res.NotRecorded), strings.Join(res.NotRecorded, " "))
			}
		})
	}
	res, err := o.RecordAttendance(ctx, backoffice.AttendanceRequest{Event: *event, Kind: *kind, Date: *date, Title: *title, Members: pos})
	if err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "recorded\t%d\t%s\n", len(res.Added), strings.Join(res.Added, " "))
		if len(res.Already) > 0 {
			fmt.Fprintf(w, "already recorded\t%d\t%s\n", len(res.Already), strings.Join(res.Already, " "))
		}
	})
}

func (c *adminCLI) attendance(ctx context.Context, args []string) error {
	fs := c.flags("attendance", "attendance [--member CERTIFICATE]", "alliance admin attendance --member LM-2026-0001")
	member := fs.String("member", "", "only this member")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	as, err := o.Attendance(ctx, *member)
	if err != nil {
		return err
	}
	return c.print(as, func(w io.Writer) {
		fmt.Fprintln(w, "DATE\tEVENT\tKIND\tMEMBER\tTITLE\tVOIDED")
		for _, a := range as {
			voided := ""
			if a.Voided != nil {
				voided = "作废：" + a.Voided.Reason
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Date, a.Event, a.Kind, a.Member, a.Title, voided)
		}
	})
}

func (c *adminCLI) lapseReport(ctx context.Context, args []string) error {
	fs := c.flags("lapse-report", "lapse-report [--date D]", "alliance admin lapse-report --date 2027-01-01")
	date := fs.String("date", "", "`date` of the report (default today)")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	r, err := o.LapseReport(ctx, *date)
	if err != nil {
		return err
	}
	return c.print(r, func(w io.Writer) {
		fmt.Fprintf(w, "as of %s: %d active members, %d at risk, %d lapsed\n", r.AsOf, r.Active, len(r.AtRisk), len(r.Lapsed))
		fmt.Fprintln(w, "STATE\tCERTIFICATE\tNAME\tLAST ATTENDED\tABSENT YEARS\tDATE")
		for _, s := range append(r.Lapsed, r.AtRisk...) {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\t%s%s\n", s.State, s.Certificate, s.Name, s.LastAttended, s.AbsentYears, s.LapsedOn, s.LapsesOn)
		}
	})
}

// year parses a YEAR argument; its range is the API's to check.
func year(cmd, s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("admin %s: %q is not a year", cmd, s)
	}
	return y, nil
}

func (c *adminCLI) fees(ctx context.Context, args []string) error {
	fs := c.flags("fees", "fees YEAR", "alliance admin fees 2027")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	y, err := year("fees", pos[0])
	if err != nil {
		return err
	}
	s, err := o.FeeSchedule(ctx, y)
	if err != nil {
		return err
	}
	return c.print(s, func(w io.Writer) { printFees(w, s) })
}

func printFees(w io.Writer, s *membership.FeeSchedule) {
	fmt.Fprintf(w, "%d\tenterprise %s\tgroup %s\tindividual %s\tversion %d\t%s\n", s.Year,
		membership.Yuan(s.Enterprise), membership.Yuan(s.Group), membership.Yuan(s.Individual), s.Version, s.Note)
}

func (c *adminCLI) setFees(ctx context.Context, args []string) error {
	fs := c.flags("set-fees", "set-fees YEAR --enterprise Y --group Y --individual Y --note BASIS",
		`alliance admin set-fees 2027 --enterprise 15000 --group 15000 --individual 0 --note "2026 年会员大会决议"`)
	ent := fs.String("enterprise", "", "yearly due of enterprise members, in `yuan`")
	grp := fs.String("group", "", "yearly due of group members, in `yuan`")
	ind := fs.String("individual", "0", "yearly due of individual members, in `yuan`")
	note := fs.String("note", "", "basis of the change (e.g. the general assembly's resolution)")
	version := fs.Int("version", -1, "version of the schedule the change is made against, as `fees YEAR` shows it; 0 for the charter's default (default: the current one)")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	y, err := year("set-fees", pos[0])
	if err != nil {
		return err
	}
	q := backoffice.FeesRequest{Version: *version, Note: *note}
	for _, f := range []struct {
		name, yuan string
		fen        *int64
	}{{"enterprise", *ent, &q.Enterprise}, {"group", *grp, &q.Group}, {"individual", *ind, &q.Individual}} {
		if *f.fen, err = parseYuan(f.yuan); err != nil {
			return fmt.Errorf("admin set-fees: --%s: %w", f.name, err)
		}
	}
	if q.Version < 0 {
		cur, err := o.FeeSchedule(ctx, y)
		if err != nil {
			return err
		}
		q.Version = cur.Version
	}
	s, err := o.ChangeFees(ctx, y, q)
	if err != nil {
		return err
	}
	return c.print(s, func(w io.Writer) { printFees(w, s) })
}

// parseYuan parses an amount in yuan with at most two decimals into fen,
// exactly (no floating point).
func parseYuan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasFrac && frac == "") {
		return 0, fmt.Errorf("%q is not an amount in yuan like 20000 or 19999.50", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseUint(whole, 10, 40)
	f, err2 := strconv.ParseUint(frac, 10, 8)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%q is not an amount in yuan like 20000 or 19999.50", s)
	}
	return int64(w*100 + f), nil
}

func (c *adminCLI) pay(ctx context.Context, args []string) error {
	fs := c.flags("pay", "pay --member C --year Y --amount Y --paid-on D --receipt R [--note] [--corrects ID]",
		"alliance admin pay --member LM-2026-0001 --year 2026 --amount 20000 --paid-on 2026-03-10 --receipt SK-0001")
	member := fs.String("member", "", "member `certificate` number")
	y := fs.Int("year", 0, "the `year` paid for")
	amount := fs.String("amount", "", "amount paid, in `yuan`")
	paidOn := fs.String("paid-on", "", "`date` paid (YYYY-MM-DD)")
	receipt := fs.String("receipt", "", "the centre's receipt `number` (收款凭证号)")
	note := fs.String("note", "", "note; required when the amount differs from the schedule or for a correction")
	corrects := fs.String("corrects", "", "`id` of the entry this one corrects (e.g. LM-2026-0001/2026/1)")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	fen, err := parseYuan(*amount)
	if err != nil {
		return fmt.Errorf("admin pay: --amount: %w", err)
	}
	p, err := o.RecordPayment(ctx, membership.PaymentInput{Member: *member, Year: *y, Amount: fen,
		PaidOn: *paidOn, Receipt: *receipt, Note: *note, Corrects: *corrects})
	if err != nil {
		return err
	}
	return c.print(p, func(w io.Writer) {
		fmt.Fprintf(w, "recorded\t%s\t%s 元\treceipt %s\n", p.ID, membership.Yuan(p.Amount), p.Receipt)
	})
}

func (c *adminCLI) payments(ctx context.Context, args []string) error {
	fs := c.flags("payments", "payments [--year Y] [--member C]", "alliance admin payments --year 2026 --member LM-2026-0001")
	y := fs.Int("year", 0, "the `year` (default this year)")
	member := fs.String("member", "", "only this member's entries")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	ps, err := o.Payments(ctx, *y, *member)
	if err != nil {
		return err
	}
	return c.print(ps, func(w io.Writer) {
		fmt.Fprintln(w, "ID\tAMOUNT\tPAID ON\tRECEIPT\tCORRECTS\tRECORDED\tBY\tNOTE")
		for _, p := range ps {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, membership.Yuan(p.Amount), p.PaidOn, p.Receipt, p.Corrects,
				p.RecordedAt.In(membership.China).Format("2006-01-02 15:04"), p.RecordedBy, p.Note)
		}
	})
}

func (c *adminCLI) dues(ctx context.Context, args []string) error {
	fs := c.flags("dues", "dues YEAR [--csv FILE]", "alliance admin dues 2026 --csv dues-2026.csv")
	csvFile := fs.String("csv", "", "write the report as CSV for Excel (UTF-8 with BOM) to this `file`")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	y, err := year("dues", pos[0])
	if err != nil {
		return err
	}
	r, err := o.DuesReport(ctx, y)
	if err != nil {
		return err
	}
	if *csvFile != "" {
		b := r.CSV()
		if err := os.WriteFile(*csvFile, b, 0o644); err != nil {
			return fmt.Errorf("admin dues: %w", err)
		}
		fmt.Fprintf(c.errOut, "wrote %s (%d bytes)\n", *csvFile, len(b))
		return nil
	}
	return c.print(r, func(w io.Writer) {
		fmt.Fprintln(w, "CERTIFICATE\tNAME\tTYPE\tSTATE\tDUE\tPAID\tPAID ON\tRECEIPT\tNOTE")
		for _, l := range r.Lines {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Certificate, l.Name, l.Type, l.State,
				membership.Yuan(l.Due), membership.Yuan(l.Paid), l.PaidOn, l.Receipt, l.Note)
		}
		t := r.Totals
		fmt.Fprintf(w, "total\t%d members\tpaid %d, unpaid %d, exempt %d\t\t%s\t%s\toutstanding %s\t\t\n",
			t.Members, t.Paid, t.Unpaid, t.Exempt, membership.Yuan(t.Due), membership.Yuan(t.Settled), membership.Yuan(t.Owed))
	})
}

// actorLabel is how a history line names who acted: the display name and the subject,
// or the subject alone when the token carried no other name.
func actorLabel(id, name string) string {
	if name != "" && name != id {
		return name + " " + id
	}
	return id
}
