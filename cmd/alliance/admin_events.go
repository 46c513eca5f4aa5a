package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/smelisting/alliance/functions/backoffice"
	"github.com/smelisting/alliance/functions/events"
	"github.com/smelisting/alliance/functions/membership"
)

// beijing writes a moment as 2026-12-05 14:00, Beijing time.
func beijing(t time.Time) string { return t.In(membership.China).Format("2006-01-02 15:04") }

func (c *adminCLI) events(ctx context.Context, args []string) error {
	fs := c.flags("events", "events", "alliance admin events")
	_, o, err := c.parse(fs, args, 0)
	if err != nil {
		return err
	}
	es, err := o.Events(ctx)
	if err != nil {
		return err
	}
	return c.print(es, func(w io.Writer) {
		fmt.Fprintln(w, "SLUG\tSTART\tSTATE\tCAPACITY\tCONFIRMED\tWAITLIST\tCHECKED IN\tTITLE")
		for _, e := range es {
			fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%s\n", e.Event.Slug, beijing(e.Event.Start), e.Label, e.Counts.Capacity,
				e.Counts.Confirmed, e.Counts.Waitlisted, e.Counts.CheckedIn, e.Event.Title)
		}
	})
}

func (c *adminCLI) registrations(ctx context.Context, args []string) error {
	fs := c.flags("registrations", "registrations SLUG [--csv FILE]", "alliance admin registrations 2026-shenzhen-salon --csv salon.csv")
	csvFile := fs.String("csv", "", "write the registrants as CSV for Excel (UTF-8 with BOM) to this `file`")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	ro, err := o.Roster(ctx, pos[0])
	if err != nil {
		return err
	}
	if *csvFile != "" {
		b := ro.CSV()
		if err := os.WriteFile(*csvFile, b, 0o644); err != nil {
			return fmt.Errorf("admin registrations: %w", err)
		}
		fmt.Fprintf(c.errOut, "wrote %s (%d bytes)\n", *csvFile, len(b))
		return nil
	}
	return c.print(ro, func(w io.Writer) {
		fmt.Fprintln(w, "CODE\tSTATE\tNAME\tORG\tJOB TITLE\tPHONE\tMEMBER\tREGISTERED\tCHECKED IN")
		for _, l := range ro.Registrations {
			checked := ""
			if l.CheckedIn != nil {
				checked = beijing(l.CheckedIn.At)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Code, l.Label, l.Name, l.Org, l.JobTitle, l.Phone, l.Member,
				beijing(l.CreatedAt), checked)
		}
		n := ro.Counts
		fmt.Fprintf(w, "total\tcapacity %d, confirmed %d, left %d, waitlisted %d, cancelled %d, walk-ins %d, checked in %d\t\t\t\t\t\t\t\n",
			n.Capacity, n.Confirmed, n.Left, n.Waitlisted, n.Cancelled, n.WalkIns, n.CheckedIn)
	})
}

func (c *adminCLI) checkin(ctx context.Context, args []string) error {
	fs := c.flags("checkin", "checkin SLUG CODE|PHONE  or  checkin SLUG --void --note REASON CODE", "alliance admin checkin 2026-shenzhen-salon 7KQ3-M9XD")
	void := fs.Bool("void", false, "void a check-in entered by mistake (and the attendance it recorded)")
	note := fs.String("note", "", "the `reason` of a void")
	pos, o, err := c.parse(fs, args, 2)
	if err != nil {
		return err
	}
	if *void {
		v, err := o.VoidCheckIn(ctx, pos[0], backoffice.VoidCheckInRequest{Code: pos[1], Note: *note})
		if err != nil {
			return err
		}
		return c.print(v, func(w io.Writer) {
			fmt.Fprintf(w, "check-in of %s (%s) voided; attendance voided: %v\n", v.Registration.Code, v.Registration.Name, v.AttendanceVoided)
		})
	}
	q := backoffice.CheckInRequest{Code: pos[1]}
	if !events.ValidCode(events.NormalCode(pos[1])) {
		q = backoffice.CheckInRequest{Phone: pos[1]}
	}
	res, err := o.CheckIn(ctx, pos[0], q)
	if err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) { printCheckedIn(w, res) })
}

func printCheckedIn(w io.Writer, res *backoffice.CheckedIn) {
	r := res.Registration
	fmt.Fprintln(w, res.Message)
	fmt.Fprintf(w, "code\t%s\nname\t%s\norg\t%s\njob title\t%s\n", r.Code, r.Name, r.Org, r.JobTitle)
	if r.Member != "" {
		fmt.Fprintf(w, "member\t%s %s\nattendance recorded\t%v\n", r.Member, r.MemberName, res.AttendanceRecorded)
	}
	if r.CheckedIn != nil {
		fmt.Fprintf(w, "checked in\t%s\n", beijing(r.CheckedIn.At))
	}
}

func (c *adminCLI) walkIn(ctx context.Context, args []string) error {
	fs := c.flags("walk-in", "walk-in SLUG --name N --org O --phone P [--title T] [--email E] [--certificate C] --privacy-accepted",
		"alliance admin walk-in 2026-shenzhen-salon --name 李四 --org 某公司 --phone 13800138000 --title 董秘 --privacy-accepted")
	var q backoffice.WalkInRequest
	fs.StringVar(&q.Name, "name", "", "姓名")
	fs.StringVar(&q.Org, "org", "", "单位")
	fs.StringVar(&q.JobTitle, "title", "", "职务 (if the person gives it)")
	fs.StringVar(&q.Phone, "phone", "", "手机号码")
	fs.StringVar(&q.Email, "email", "", "电子邮箱 (if the person gives it)")
	fs.StringVar(&q.Certificate, "certificate", "", "会员证书编号, for a member (their attendance is recorded)")
	fs.BoolVar(&q.PrivacyAccepted, "privacy-accepted", false, "the person read the privacy notice and agreed")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	res, err := o.WalkIn(ctx, pos[0], q)
	if err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) { printCheckedIn(w, res) })
}

func (c *adminCLI) cancelRegistration(ctx context.Context, args []string) error {
	fs := c.flags("cancel-registration", "cancel-registration SLUG CODE --note REASON",
		`alliance admin cancel-registration 2026-shenzhen-salon 7KQ3-M9XD --note "本人来电取消"`)
	note := fs.String("note", "", "why the registration is cancelled (kept with it)")
	pos, o, err := c.parse(fs, args, 2)
	if err != nil {
		return err
	}
	res, err := o.CancelRegistration(ctx, pos[0], pos[1], backoffice.CancelRegistrationRequest{Note: *note})
	if err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "registration %s (%s) cancelled\n", res.Registration.Code, res.Registration.Name)
		printCounts(w, res.Counts)
	})
}

func (c *adminCLI) promote(ctx context.Context, args []string) error {
	fs := c.flags("promote", "promote SLUG", "alliance admin promote 2026-shenzhen-salon")
	pos, o, err := c.parse(fs, args, 1)
	if err != nil {
		return err
	}
	res, err := o.Promote(ctx, pos[0])
	if err != nil {
		return err
	}
	return c.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%d promoted from the waitlist\n", len(res.Promoted))
		for _, l := range res.Promoted {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", l.Code, l.Name, l.Org, l.Phone)
		}
		printCounts(w, res.Counts)
	})
}

// printCounts prints an event's counts on one line.
func printCounts(w io.Writer, n events.Counts) {
	fmt.Fprintf(w, "capacity %d, confirmed %d, left %d, waitlisted %d (%d could take a free place), cancelled %d, walk-ins %d, checked in %d\n",
		n.Capacity, n.Confirmed, n.Left, n.Waitlisted, n.Promotable, n.Cancelled, n.WalkIns, n.CheckedIn)
}
