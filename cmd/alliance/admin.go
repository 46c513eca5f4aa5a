package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/httpapi"
	"github.com/smelisting/alliance/functions/membership"
	"github.com/smelisting/alliance/functions/outbox"
)

const adminUsage = `Usage: alliance admin [--api URL] [--token TOKEN] COMMAND [flags] [ARGS]

Runs the secretariat's work against the secretariat API (/api/admin/...).
The API and the token come from --api/--token or ALLIANCE_API/ALLIANCE_TOKEN;
the API defaults to ` + "`alliance serve`" + ` at ` + defaultAdminAPI + `.

Applications (第十四条):
  dashboard                                工作台: counts, what waits for me, lapse risks, unpaid dues
  applications [--status S] [--search Q] [--limit N]
                                           list applications, oldest first (Q: a number, a credit
                                           code or part of a name; at most N, else all)
  show NUMBER                              one application with its history
  review NUMBER [--note]                   秘书处审核通过            (secretariat)
  approve NUMBER [--note]                  理事长办公会批准          (chair; not the reviewer)
  reject NUMBER --note REASON              不予通过                  (secretariat, then chair)
  file NUMBER --date D --reference R       报中促中心备案            (secretariat)
  certify NUMBER                           颁发会员证书, creates the member (secretariat)
  document NUMBER ID [--out FILE]          save a document the applicant uploaded (show lists them)
Members (第十五条):
  members [--status S]                     list members
  member CERTIFICATE                       one member with its history
  exit CERTIFICATE --requested-on D --certificate-returned [--note]
  expel CERTIFICATE --reason R             propose an expulsion      (secretariat)
  decide-expulsion CERTIFICATE --approve | --refuse --note R         (chair)
  lapse CERTIFICATE [--date D]             record a lapse the rule confirms
  showcase CERTIFICATE --consent | --withdraw --requested-by WHO --requested-on D [--note N]
                                           a later consent to 会员风采, or its withdrawal (secretariat)
  certificate CERTIFICATE [--out FILE]     the printable certificate: its URL, or the HTML in FILE
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
Events (registration and check-in at the door):
  events                                   published events with registration and their counts
  registrations SLUG [--csv FILE]          an event's registrants; --csv writes them for Excel
  checkin SLUG CODE|PHONE                  check a registrant in (a member's attendance is recorded)
  checkin SLUG --void --note REASON CODE   void a check-in entered by mistake, and its attendance
  walk-in SLUG --name N --org O --phone P [--title T] [--email E] [--certificate C] --privacy-accepted
                                           register and check in at once a person without a registration
  cancel-registration SLUG CODE --note REASON
                                           cancel a registration on the registrant's behalf (its place
                                           goes to the first waiting)
  promote SLUG                             补位: give the places free (capacity raised) to the waiting
Mail (every change of an application, registration and promotion sends one):
  mail [--pending]                         messages that could not be delivered (or still wait)
  retry-mail --version V [--to ADDRESS] ID send a failed message again, to a corrected address
Personal data:
  erase --note BASIS [--application N]... [--member C]... [--registration SLUG/CODE]...
                                           erase a person's data on their request (secretariat);
                                           the records stay, their history says who erased when
Other:
  whoami                                   the identity and roles of the token
  dev-token --role ROLE                    a token for ` + "`alliance serve`" + ` (development only)

Every command takes --json to print its answer as JSON. Changes send the
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

// office is the back office as `alliance admin` uses it: httpapi.AdminClient
// over the API. backoffice.Service has the same methods with the same types
// (admin_test.go checks it), so the commands speak the API's contract in Go
// types, as benbjohnson/wtf's CLI does through its http package.
type office interface {
	WhoAmI(ctx context.Context) (*backoffice.Me, error)
	Dashboard(ctx context.Context) (*backoffice.Dashboard, error)
	Applications(ctx context.Context, q membership.ApplicationQuery) (*membership.ApplicationPage, error)
	AttachmentURL(ctx context.Context, number, id string) (*backoffice.Download, error)
	ErasePerson(ctx context.Context, q backoffice.ErasureRequest) (*backoffice.Erased, error)
	Application(ctx context.Context, number string) (*backoffice.ApplicationDetail, error)
	ChangeApplication(ctx context.Context, number string, act membership.Action, q backoffice.ChangeRequest) (*membership.Application, error)
	Certify(ctx context.Context, number string, q backoffice.ChangeRequest) (*backoffice.Certified, error)
	Members(ctx context.Context, status membership.MemberStatus) ([]membership.Member, error)
	Member(ctx context.Context, certificate string) (*backoffice.MemberDetail, error)
	Exit(ctx context.Context, certificate string, q backoffice.ExitRequest) (*membership.Member, error)
	ProposeExpulsion(ctx context.Context, certificate string, q backoffice.ExpulsionRequest) (*membership.Member, error)
	DecideExpulsion(ctx context.Context, certificate string, q backoffice.DecisionRequest) (*membership.Member, error)
	MarkLapsed(ctx context.Context, certificate string, q backoffice.LapseRequest) (*membership.Member, error)
	ChangeShowcase(ctx context.Context, certificate string, q backoffice.ShowcaseRequest) (*membership.Member, error)
	Attendance(ctx context.Context, member string) ([]membership.Attendance, error)
	RecordAttendance(ctx context.Context, q backoffice.AttendanceRequest) (*backoffice.AttendanceAdded, error)
	VoidAttendance(ctx context.Context, q backoffice.AttendanceRequest) (*backoffice.AttendanceVoided, error)
	LapseReport(ctx context.Context, date string) (*membership.LapseReport, error)
	FeeSchedule(ctx context.Context, year int) (*membership.FeeSchedule, error)
	ChangeFees(ctx context.Context, year int, q backoffice.FeesRequest) (*membership.FeeSchedule, error)
	RecordPayment(ctx context.Context, q membership.PaymentInput) (*membership.Payment, error)
	Payments(ctx context.Context, year int, member string) ([]membership.Payment, error)
	DuesReport(ctx context.Context, year int) (*membership.DuesReport, error)
	Events(ctx context.Context) ([]backoffice.EventSummary, error)
	Roster(ctx context.Context, slug string) (*events.Roster, error)
	CheckIn(ctx context.Context, slug string, q backoffice.CheckInRequest) (*backoffice.CheckedIn, error)
	VoidCheckIn(ctx context.Context, slug string, q backoffice.VoidCheckInRequest) (*backoffice.CheckInVoided, error)
	WalkIn(ctx context.Context, slug string, q backoffice.WalkInRequest) (*backoffice.CheckedIn, error)
	CancelRegistration(ctx context.Context, slug, code string, q backoffice.CancelRegistrationRequest) (*backoffice.RegistrationCancelled, error)
	Promote(ctx context.Context, slug string) (*backoffice.Promoted, error)
	Mail(ctx context.Context, state outbox.State) (*backoffice.MailList, error)
	RetryMail(ctx context.Context, q outbox.RetryRequest) (*backoffice.MailItem, error)
}

// adminCLI is one run of `alliance admin`: where to print, and where the API is.
type adminCLI struct {
	out, errOut io.Writer
	api, token  string
	json        bool
}

// adminMain runs `alliance admin` with the given output and environment.
func adminMain(ctx context.Context, args []string, out, errOut io.Writer, env func(string) string) error {
	c := &adminCLI{out: out, errOut: errOut}
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

// adminCommands maps each subcommand to its function (admin_commands.go).
var adminCommands = map[string]func(c *adminCLI, ctx context.Context, args []string) error{
	"whoami":              (*adminCLI).whoami,
	"dashboard":           (*adminCLI).dashboard,
	"applications":        (*adminCLI).applications,
	"show":                (*adminCLI).show,
	"review":              transition(membership.ActionReview),
	"approve":             transition(membership.ActionApprove),
	"reject":              transition(membership.ActionReject),
	"file":                transition(membership.ActionFile),
	"certify":             transition(membership.ActionCertify),
	"members":             (*adminCLI).members,
	"member":              (*adminCLI).member,
	"exit":                (*adminCLI).exit,
	"expel":               (*adminCLI).expel,
	"decide-expulsion":    (*adminCLI).decideExpulsion,
	"lapse":               (*adminCLI).lapse,
	"showcase":            (*adminCLI).showcase,
	"certificate":         (*adminCLI).certificate,
	"attend":              (*adminCLI).attend,
	"attendance":          (*adminCLI).attendance,
	"lapse-report":        (*adminCLI).lapseReport,
	"fees":                (*adminCLI).fees,
	"set-fees":            (*adminCLI).setFees,
	"pay":                 (*adminCLI).pay,
	"payments":            (*adminCLI).payments,
	"dues":                (*adminCLI).dues,
	"events":              (*adminCLI).events,
	"registrations":       (*adminCLI).registrations,
	"checkin":             (*adminCLI).checkin,
	"walk-in":             (*adminCLI).walkIn,
	"cancel-registration": (*adminCLI).cancelRegistration,
	"promote":             (*adminCLI).promote,
	"mail":                (*adminCLI).mail,
	"retry-mail":          (*adminCLI).retryMail,
	"document":            (*adminCLI).document,
	"erase":               (*adminCLI).erase,
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
	fs.BoolVar(&c.json, "json", false, "print the answer as JSON")
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

// parse parses the subcommand's flags and arguments as parse does and
// returns the client of the API they name.
func (c *adminCLI) parse(fs *flag.FlagSet, args []string, npos int) ([]string, office, error) {
	pos, err := parse(fs, args, npos)
	if err != nil {
		return nil, nil, err
	}
	o, err := c.office()
	return pos, o, err
}

// office returns the client of the API the flags name.
func (c *adminCLI) office() (office, error) {
	if c.api == "" {
		return nil, errors.New("admin: no API: pass --api or set ALLIANCE_API")
	}
	if c.token == "" {
		return nil, errors.New("admin: no token: pass --token or set ALLIANCE_TOKEN (locally: alliance admin dev-token --role secretariat)")
	}
	return httpapi.NewAdminClient(c.api, c.token), nil
}

// print prints v as indented JSON with --json, else calls human.
func (c *adminCLI) print(v any, human func(w io.Writer)) error {
	if c.json {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("admin: print JSON: %w", err)
		}
		_, err = c.out.Write(append(b, '\n'))
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
