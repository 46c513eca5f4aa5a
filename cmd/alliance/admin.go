package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/smelisting/alliance/functions/membership"
)

const adminUsage = `Usage: alliance admin [--api URL] [--token TOKEN] COMMAND [flags] [ARGS]

Runs the secretariat's work against the secretariat API (/api/admin/...).
The API and the token come from --api/--token or ALLIANCE_API/ALLIANCE_TOKEN;
the API defaults to ` + "`alliance serve`" + ` at ` + defaultAdminAPI + `.

Applications (第十四条):
  applications [--status S]                list applications (all, or one status)
  show NUMBER                              one application with its history
  review NUMBER [--note]                   秘书处审核通过            (secretariat)
  approve NUMBER [--note]                  理事长办公会批准          (chair; not the reviewer)
  reject NUMBER --note REASON              不予通过                  (secretariat, then chair)
  file NUMBER --date D --reference R       报中促中心备案            (secretariat)
  certify NUMBER                           颁发会员证书, creates the member (secretariat)
Members (第十五条):
  members [--status S]                     list members
  member CERTIFICATE                       one member with its history
  exit CERTIFICATE --requested-on D --certificate-returned [--note]
  expel CERTIFICATE --reason R             propose an expulsion      (secretariat)
  decide-expulsion CERTIFICATE --approve | --refuse --note R         (chair)
  lapse CERTIFICATE [--date D]             record a lapse the rule confirms
  attend --event ID --kind general_assembly|event --date D [--title T] CERTIFICATE...
  attend --event ID --void --note REASON CERTIFICATE...
                                           void records entered by mistake (kept, no longer counted)
  attendance [--member CERTIFICATE]        attendance records
  lapse-report [--date D]                  members at risk of lapsing and lapsed
Dues (第十六~十八条), amounts in yuan:
  fees YEAR                                the fee schedule of a year
  set-fees YEAR --enterprise Y --group Y --individual Y --note BASIS [--version N]
  pay --member C --year Y --amount Y --paid-on D --receipt R [--note] [--corrects ID]
  payments [--year Y] [--member C]        the ledger, corrections included
  dues YEAR [--csv FILE]                   dues report; --csv writes it for Excel
Other:
  whoami                                   the identity and roles of the token
  dev-token --role ROLE                    a token for ` + "`alliance serve`" + ` (development only)

Every command takes --json to print the API's JSON answer. Changes send the
version of the record they were made against (--version N, else the current
one is read first), so two clerks acting at once get one success and one
conflict.

Examples:
  export ALLIANCE_API=http://127.0.0.1:1313
  export ALLIANCE_TOKEN=$(alliance admin dev-token --role secretariat)
  alliance admin applications --status submitted
  alliance admin review SQ2026-000001 --note "材料齐全"
  alliance admin file SQ2026-000001 --date 2026-03-05 --reference "中促备〔2026〕12号"
  alliance admin pay --member LM-2026-0001 --year 2026 --amount 20000 --paid-on 2026-03-10 --receipt SK-0001
  alliance admin dues 2026 --csv dues-2026.csv
`

// defaultAdminAPI is where `alliance serve` listens by default.
const defaultAdminAPI = "http://127.0.0.1:1313"

// runAdmin serves `alliance admin`.
func runAdmin(ctx context.Context, args []string) error {
	return adminMain(ctx, args, os.Stdout, os.Stderr, os.Getenv)
}

// adminCLI is one run of `alliance admin`: where to print, and the API client.
type adminCLI struct {
	out, errOut io.Writer
	api, token  string
	json        bool
	client      *http.Client
}

// adminMain runs `alliance admin` with the given output and environment.
func adminMain(ctx context.Context, args []string, out, errOut io.Writer, env func(string) string) error {
	c := &adminCLI{out: out, errOut: errOut, client: &http.Client{Timeout: 30 * time.Second}}
	global := flag.NewFlagSet("admin", flag.ContinueOnError)
	global.SetOutput(errOut)
	global.Usage = func() { fmt.Fprint(errOut, adminUsage) }
	api := env("ALLIANCE_API")
	if api == "" {
		api = defaultAdminAPI
	}
	global.StringVar(&c.api, "api", api, "base `URL` of the API")
	global.StringVar(&c.token, "token", env("ALLIANCE_TOKEN"), "bearer `token`")
	if err := global.Parse(args); err != nil {
		return err
	}
	if global.NArg() == 0 {
		global.Usage()
		return errors.New("admin: no command given")
	}
	name, rest := global.Arg(0), global.Args()[1:]
	if name == "dev-token" {
		return runDevToken(rest, out)
	}
	cmd, ok := adminCommands[name]
	if !ok {
		global.Usage()
		return fmt.Errorf("admin: unknown command %q", name)
	}
	return cmd(c, ctx, rest)
}

// adminCommands maps each subcommand to its function.
var adminCommands = map[string]func(c *adminCLI, ctx context.Context, args []string) error{
	"whoami":           (*adminCLI).whoami,
	"applications":     (*adminCLI).applications,
	"show":             (*adminCLI).show,
	"review":           transition(membership.ActionReview),
	"approve":          transition(membership.ActionApprove),
	"reject":           transition(membership.ActionReject),
	"file":             transition(membership.ActionFile),
	"certify":          transition(membership.ActionCertify),
	"members":          (*adminCLI).members,
	"member":           (*adminCLI).member,
	"exit":             (*adminCLI).exit,
	"expel":            (*adminCLI).expel,
	"decide-expulsion": (*adminCLI).decideExpulsion,
	"lapse":            (*adminCLI).lapse,
	"attend":           (*adminCLI).attend,
	"attendance":       (*adminCLI).attendance,
	"lapse-report":     (*adminCLI).lapseReport,
	"fees":             (*adminCLI).fees,
	"set-fees":         (*adminCLI).setFees,
	"pay":              (*adminCLI).pay,
	"payments":         (*adminCLI).payments,
	"dues":             (*adminCLI).dues,
}

// flags returns a subcommand's flag set with the shared flags (--api,
// --token, --json) and a usage line with an example.
func (c *adminCLI) flags(name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("admin "+name, flag.ContinueOnError)
	fs.SetOutput(c.errOut)
	fs.Usage = func() {
		fmt.Fprintf(c.errOut, "Usage: alliance admin %s\n\nExample:\n  %s\n\nFlags:\n", synopsis, example)
		fs.PrintDefaults()
	}
	fs.StringVar(&c.api, "api", c.api, "base `URL` of the API (env ALLIANCE_API)")
	fs.StringVar(&c.token, "token", c.token, "bearer `token` (env ALLIANCE_TOKEN)")
	fs.BoolVar(&c.json, "json", false, "print the API's JSON answer")
	return fs
}

// parse parses flags and positional arguments in any order and checks the
// number of positional arguments (-1: at least one).
func parse(fs *flag.FlagSet, args []string, npos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if (npos >= 0 && len(pos) != npos) || (npos < 0 && len(pos) == 0) {
		fs.Usage()
		return nil, fmt.Errorf("%s: got %d arguments, want %s", fs.Name(), len(pos), map[bool]string{true: "at least one", false: strconv.Itoa(npos)}[npos < 0])
	}
	return pos, nil
}

// apiError is an error answer of the API.
type apiError struct {
	Status int
	Code   string            `json:"code"`
	Msg    string            `json:"message"`
	Fields map[string]string `json:"fields"`
	ReqID  string            `json:"request_id"`
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Msg)
	for k, v := range e.Fields {
		s += fmt.Sprintf("\n  %s: %s", k, v)
	}
	if e.ReqID != "" {
		s += " (request " + e.ReqID + ")"
	}
	return s
}

// call sends a request to the API and decodes the JSON answer into out (when
// not nil); it returns the raw body.
func (c *adminCLI) call(ctx context.Context, method, path string, body, out any) ([]byte, error) {
	if c.api == "" {
		return nil, errors.New("admin: no API: pass --api or set ALLIANCE_API")
	}
	if c.token == "" {
		return nil, errors.New("admin: no token: pass --token or set ALLIANCE_TOKEN (locally: alliance admin dev-token --role secretariat)")
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.api, "/")+path, rd)
	if err != nil {
		return nil, fmt.Errorf("admin: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 32<<20))
	if err != nil {
		return nil, fmt.Errorf("admin: read answer of %s %s: %w", method, path, err)
	}
	if res.StatusCode >= 300 {
		var e struct{ Error apiError }
		if json.Unmarshal(b, &e) != nil || e.Error.Code == "" {
			return nil, fmt.Errorf("admin: %s %s: %s", method, path, res.Status)
		}
		e.Error.Status = res.StatusCode
		return nil, &e.Error
	}
	if out != nil && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, out); err != nil {
			return nil, fmt.Errorf("admin: decode answer of %s %s: %w", method, path, err)
		}
	}
	return b, nil
}

// print prints the raw JSON with --json, else calls human.
func (c *adminCLI) print(raw []byte, human func(w io.Writer)) error {
	if c.json {
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			_, err = c.out.Write(raw)
			return err
		}
		buf.WriteByte('\n')
		_, err := buf.WriteTo(c.out)
		return err
	}
	t := &table{out: c.out}
	human(t)
	return t.Flush()
}

// table aligns tab-separated columns, like text/tabwriter, but counts an
// East Asian wide character as two columns, as terminals show it, so that
// tables of Chinese names line up.
type table struct {
	out io.Writer
	buf bytes.Buffer
}

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// Flush writes the buffered lines with every column but the last padded to
// its widest cell plus two spaces.
func (t *table) Flush() error {
	var rows [][]string
	var widths []int
	for _, line := range strings.Split(strings.TrimSuffix(t.buf.String(), "\n"), "\n") {
		cells := strings.Split(line, "\t")
		for i, c := range cells[:len(cells)-1] {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
		rows = append(rows, cells)
	}
	var b strings.Builder
	for _, cells := range rows {
		for i, c := range cells[:len(cells)-1] {
			b.WriteString(c)
			b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+2))
		}
		b.WriteString(strings.TrimRight(cells[len(cells)-1], " "))
		b.WriteByte('\n')
	}
	t.buf.Reset()
	_, err := io.WriteString(t.out, b.String())
	return err
}

// displayWidth is the number of terminal columns s takes.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func (c *adminCLI) whoami(ctx context.Context, args []string) error {
	fs := c.flags("whoami", "whoami", "alliance admin whoami")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	var me struct {
		ID    string   `json:"id"`
		Name  string   `json:"name"`
		Roles []string `json:"roles"`
	}
	raw, err := c.call(ctx, "GET", "/api/admin/me", nil, &me)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintf(w, "%s\t%s\t%s\n", me.ID, me.Name, strings.Join(me.Roles, ","))
	})
}

func (c *adminCLI) applications(ctx context.Context, args []string) error {
	fs := c.flags("applications", "applications [--status S]", "alliance admin applications --status reviewed")
	status := fs.String("status", "", "only this `status`: submitted, reviewed, approved, filed, certified, rejected, withdrawn")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	var body struct{ Applications []membership.Application }
	raw, err := c.call(ctx, "GET", "/api/admin/applications?status="+url.QueryEscape(*status), nil, &body)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintln(w, "NUMBER\tSTATUS\tTYPE\tNAME\tSUBMITTED\tVERSION")
		for _, a := range body.Applications {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\n", a.Number, a.Status, a.Type, a.OrgName, a.CreatedAt.In(membership.China).Format("2006-01-02 15:04"), a.Version)
		}
	})
}

func (c *adminCLI) getApplication(ctx context.Context, number string) (*membership.Application, []byte, error) {
	var a membership.Application
	raw, err := c.call(ctx, "GET", "/api/admin/applications/"+url.PathEscape(number), nil, &a)
	return &a, raw, err
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
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	a, raw, err := c.getApplication(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) { printApplication(w, a) })
}

// transition returns the subcommand of one workflow action.
func transition(act membership.Action) func(c *adminCLI, ctx context.Context, args []string) error {
	return func(c *adminCLI, ctx context.Context, args []string) error {
		example := map[membership.Action]string{
			membership.ActionReview:  `alliance admin review SQ2026-000001 --note "材料齐全"`,
			membership.ActionApprove: `alliance admin approve SQ2026-000001 --note "理事长办公会 2026 年第 3 次会议"`,
			membership.ActionReject:  `alliance admin reject SQ2026-000001 --note "不符合第十二条条件"`,
			membership.ActionFile:    `alliance admin file SQ2026-000001 --date 2026-03-05 --reference "中促备〔2026〕12号"`,
			membership.ActionCertify: `alliance admin certify SQ2026-000001`,
		}[act]
		fs := c.flags(string(act), string(act)+" NUMBER [flags]", example)
		note := fs.String("note", "", "note for the history (the reason, for reject)")
		version := fs.Int("version", 0, "version the change is made against (default: the current one)")
		var date, ref *string
		if act == membership.ActionFile {
			date = fs.String("date", "", "filing `date` (YYYY-MM-DD)")
			ref = fs.String("reference", "", "the centre's filing `reference`")
		}
		pos, err := parse(fs, args, 1)
		if err != nil {
			return err
		}
		if *version == 0 {
			a, _, err := c.getApplication(ctx, pos[0])
			if err != nil {
				return err
			}
			*version = a.Version
		}
		body := map[string]any{"version": *version, "note": *note}
		if act == membership.ActionFile {
			body["filing"] = map[string]string{"date": *date, "reference": *ref}
		}
		path := "/api/admin/applications/" + url.PathEscape(pos[0]) + "/" + string(act)
		if act == membership.ActionCertify {
			var res struct {
				Application membership.Application
				Member      membership.Member
			}
			raw, err := c.call(ctx, "POST", path, body, &res)
			if err != nil {
				return err
			}
			return c.print(raw, func(w io.Writer) {
				fmt.Fprintf(w, "%s\tcertified: certificate %s, member %s, joined %s\n", res.Application.Number, res.Member.Certificate, res.Member.Profile.Name, res.Member.JoinedOn)
			})
		}
		var a membership.Application
		raw, err := c.call(ctx, "POST", path, body, &a)
		if err != nil {
			return err
		}
		return c.print(raw, func(w io.Writer) {
			fmt.Fprintf(w, "%s\t%s (%s)\tversion %d\n", a.Number, membership.StatusLabels[a.Status], a.Status, a.Version)
		})
	}
}

func (c *adminCLI) members(ctx context.Context, args []string) error {
	fs := c.flags("members", "members [--status S]", "alliance admin members --status active")
	status := fs.String("status", "", "only this `status`: active, exited, expelled, lapsed")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	var body struct{ Members []membership.Member }
	raw, err := c.call(ctx, "GET", "/api/admin/members?status="+url.QueryEscape(*status), nil, &body)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintln(w, "CERTIFICATE\tSTATUS\tTYPE\tNAME\tJOINED\tLEFT\tVERSION")
		for _, m := range body.Members {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", m.Certificate, m.Status, m.Type, m.Profile.Name, m.JoinedOn, m.LeftOn, m.Version)
		}
	})
}

func (c *adminCLI) getMember(ctx context.Context, cert string) (*membership.Member, []byte, error) {
	var m membership.Member
	raw, err := c.call(ctx, "GET", "/api/admin/members/"+url.PathEscape(cert), nil, &m)
	return &m, raw, err
}

func printMember(w io.Writer, m *membership.Member) {
	fmt.Fprintf(w, "%s\t%s (%s)\tversion %d\n", m.Certificate, membership.MemberStatusLabels[m.Status], m.Status, m.Version)
	fmt.Fprintf(w, "%s\t%s\tjoined %s\tapplication %s\n", membership.Label(membership.MemberTypes, string(m.Type)), m.Profile.Name, m.JoinedOn, m.Application)
	if m.LeftOn != "" {
		fmt.Fprintf(w, "left\t%s\t%s\n", m.LeftOn, m.LeftNote)
	}
	if e := m.PendingExpulsion; e != nil {
		fmt.Fprintf(w, "expulsion proposed\t%s by %s\t%s\n", e.ProposedAt.In(membership.China).Format(time.DateOnly), e.ProposedBy, e.Reason)
	}
	for _, e := range m.History {
		fmt.Fprintf(w, "  %s\t%s\t%s → %s\t%s (%s)\t%s\n", e.At.In(membership.China).Format("2006-01-02 15:04"), e.Action, e.From, e.To, actorLabel(e.Actor, e.ActorName), e.Role, e.Note)
	}
}

func (c *adminCLI) member(ctx context.Context, args []string) error {
	fs := c.flags("member", "member CERTIFICATE", "alliance admin member LM-2026-0001")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	m, raw, err := c.getMember(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) { printMember(w, m) })
}

// changeMember posts body (with the member's version) to the member route.
func (c *adminCLI) changeMember(ctx context.Context, cert, route string, version int, body map[string]any) error {
	if version == 0 {
		m, _, err := c.getMember(ctx, cert)
		if err != nil {
			return err
		}
		version = m.Version
	}
	body["version"] = version
	var m membership.Member
	raw, err := c.call(ctx, "POST", "/api/admin/members/"+url.PathEscape(cert)+route, body, &m)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) { printMember(w, &m) })
}

func (c *adminCLI) exit(ctx context.Context, args []string) error {
	fs := c.flags("exit", "exit CERTIFICATE --requested-on D --certificate-returned [--note]",
		"alliance admin exit LM-2026-0001 --requested-on 2026-05-01 --certificate-returned")
	on := fs.String("requested-on", "", "`date` of the written exit request")
	returned := fs.Bool("certificate-returned", false, "the member certificate was returned")
	note := fs.String("note", "", "note")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	return c.changeMember(ctx, pos[0], "/exit", *version, map[string]any{"requested_on": *on, "certificate_returned": *returned, "note": *note})
}

func (c *adminCLI) expel(ctx context.Context, args []string) error {
	fs := c.flags("expel", "expel CERTIFICATE --reason R", `alliance admin expel LM-2026-0001 --reason "严重违反章程"`)
	reason := fs.String("reason", "", "reason for the expulsion")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	return c.changeMember(ctx, pos[0], "/expulsion", *version, map[string]any{"reason": *reason})
}

func (c *adminCLI) decideExpulsion(ctx context.Context, args []string) error {
	fs := c.flags("decide-expulsion", "decide-expulsion CERTIFICATE --approve | --refuse --note R",
		"alliance admin decide-expulsion LM-2026-0001 --approve")
	approve := fs.Bool("approve", false, "approve the proposed expulsion")
	refuse := fs.Bool("refuse", false, "refuse it (needs --note)")
	note := fs.String("note", "", "note, or the reason for refusing")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *approve == *refuse {
		return errors.New("admin decide-expulsion: give exactly one of --approve and --refuse")
	}
	return c.changeMember(ctx, pos[0], "/expulsion/decision", *version, map[string]any{"approve": *approve, "note": *note})
}

func (c *adminCLI) lapse(ctx context.Context, args []string) error {
	fs := c.flags("lapse", "lapse CERTIFICATE [--date D]", "alliance admin lapse LM-2024-0003 --date 2027-01-01")
	date := fs.String("date", "", "`date` the rule is applied for (default today)")
	version := fs.Int("version", 0, "member version (default: the current one)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	return c.changeMember(ctx, pos[0], "/lapse", *version, map[string]any{"date": *date})
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
	pos, err := parse(fs, args, -1)
	if err != nil {
		return err
	}
	if *void {
		var res struct {
			Voided      []string `json:"voided"`
			NotRecorded []string `json:"not_recorded"`
		}
		raw, err := c.call(ctx, "POST", "/api/admin/attendance", map[string]any{"event": *event, "void": true, "note": *note, "members": pos}, &res)
		if err != nil {
			return err
		}
		return c.print(raw, func(w io.Writer) {
			fmt.Fprintf(w, "voided\t%d\t%s\n", len(res.Voided), strings.Join(res.Voided, " "))
			if len(res.NotRecorded) > 0 {
				fmt.Fprintf(w, "not recorded\t%d\t%s\n", len(res.NotRecorded), strings.Join(res.NotRecorded, " "))
			}
		})
	}
	var res struct{ Added, Already []string }
	raw, err := c.call(ctx, "POST", "/api/admin/attendance", map[string]any{"event": *event, "kind": *kind, "date": *date, "title": *title, "members": pos}, &res)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintf(w, "recorded\t%d\t%s\n", len(res.Added), strings.Join(res.Added, " "))
		if len(res.Already) > 0 {
			fmt.Fprintf(w, "already recorded\t%d\t%s\n", len(res.Already), strings.Join(res.Already, " "))
		}
	})
}

func (c *adminCLI) attendance(ctx context.Context, args []string) error {
	fs := c.flags("attendance", "attendance [--member CERTIFICATE]", "alliance admin attendance --member LM-2026-0001")
	member := fs.String("member", "", "only this member")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	var res struct{ Attendance []membership.Attendance }
	raw, err := c.call(ctx, "GET", "/api/admin/attendance?member="+url.QueryEscape(*member), nil, &res)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintln(w, "DATE\tEVENT\tKIND\tMEMBER\tTITLE\tVOIDED")
		for _, a := range res.Attendance {
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
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	var r membership.LapseReport
	raw, err := c.call(ctx, "GET", "/api/admin/lapse-report?date="+url.QueryEscape(*date), nil, &r)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintf(w, "as of %s: %d active members, %d at risk, %d lapsed\n", r.AsOf, r.Active, len(r.AtRisk), len(r.Lapsed))
		fmt.Fprintln(w, "STATE\tCERTIFICATE\tNAME\tLAST ATTENDED\tABSENT YEARS\tDATE")
		for _, s := range append(r.Lapsed, r.AtRisk...) {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\t%s%s\n", s.State, s.Certificate, s.Name, s.LastAttended, s.AbsentYears, s.LapsedOn, s.LapsesOn)
		}
	})
}

func (c *adminCLI) fees(ctx context.Context, args []string) error {
	fs := c.flags("fees", "fees YEAR", "alliance admin fees 2027")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	var s membership.FeeSchedule
	raw, err := c.call(ctx, "GET", "/api/admin/fees/"+url.PathEscape(pos[0]), nil, &s)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) { printFees(w, &s) })
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
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *version < 0 {
		var cur membership.FeeSchedule
		if _, err := c.call(ctx, "GET", "/api/admin/fees/"+url.PathEscape(pos[0]), nil, &cur); err != nil {
			return err
		}
		*version = cur.Version
	}
	body := map[string]any{"version": *version, "note": *note}
	for k, v := range map[string]string{"enterprise": *ent, "group": *grp, "individual": *ind} {
		fen, err := parseYuan(v)
		if err != nil {
			return fmt.Errorf("admin set-fees: --%s: %w", k, err)
		}
		body[k] = fen
	}
	var s membership.FeeSchedule
	raw, err := c.call(ctx, "POST", "/api/admin/fees/"+url.PathEscape(pos[0]), body, &s)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) { printFees(w, &s) })
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
	year := fs.Int("year", 0, "the `year` paid for")
	amount := fs.String("amount", "", "amount paid, in `yuan`")
	paidOn := fs.String("paid-on", "", "`date` paid (YYYY-MM-DD)")
	receipt := fs.String("receipt", "", "the centre's receipt `number` (收款凭证号)")
	note := fs.String("note", "", "note; required when the amount differs from the schedule or for a correction")
	corrects := fs.String("corrects", "", "`id` of the entry this one corrects (e.g. LM-2026-0001/2026/1)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	fen, err := parseYuan(*amount)
	if err != nil {
		return fmt.Errorf("admin pay: --amount: %w", err)
	}
	var p membership.Payment
	raw, err := c.call(ctx, "POST", "/api/admin/payments", membership.PaymentInput{Member: *member, Year: *year, Amount: fen,
		PaidOn: *paidOn, Receipt: *receipt, Note: *note, Corrects: *corrects}, &p)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintf(w, "recorded\t%s\t%s 元\treceipt %s\n", p.ID, membership.Yuan(p.Amount), p.Receipt)
	})
}

func (c *adminCLI) payments(ctx context.Context, args []string) error {
	fs := c.flags("payments", "payments [--year Y] [--member C]", "alliance admin payments --year 2026 --member LM-2026-0001")
	year := fs.String("year", "", "the `year` (default this year)")
	member := fs.String("member", "", "only this member's entries")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	var res struct{ Payments []membership.Payment }
	raw, err := c.call(ctx, "GET", "/api/admin/payments?year="+url.QueryEscape(*year)+"&member="+url.QueryEscape(*member), nil, &res)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
		fmt.Fprintln(w, "ID\tAMOUNT\tPAID ON\tRECEIPT\tCORRECTS\tRECORDED\tBY\tNOTE")
		for _, p := range res.Payments {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, membership.Yuan(p.Amount), p.PaidOn, p.Receipt, p.Corrects,
				p.RecordedAt.In(membership.China).Format("2006-01-02 15:04"), p.RecordedBy, p.Note)
		}
	})
}

func (c *adminCLI) dues(ctx context.Context, args []string) error {
	fs := c.flags("dues", "dues YEAR [--csv FILE]", "alliance admin dues 2026 --csv dues-2026.csv")
	csvFile := fs.String("csv", "", "write the report as CSV for Excel (UTF-8 with BOM) to this `file`")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	if *csvFile != "" {
		b, err := c.call(ctx, "GET", "/api/admin/dues/"+url.PathEscape(pos[0])+"/csv", nil, nil)
		if err != nil {
			return err
		}
		if err := os.WriteFile(*csvFile, b, 0o644); err != nil {
			return fmt.Errorf("admin dues: %w", err)
		}
		fmt.Fprintf(c.errOut, "wrote %s (%d bytes)\n", *csvFile, len(b))
		return nil
	}
	var r membership.DuesReport
	raw, err := c.call(ctx, "GET", "/api/admin/dues/"+url.PathEscape(pos[0]), nil, &r)
	if err != nil {
		return err
	}
	return c.print(raw, func(w io.Writer) {
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
