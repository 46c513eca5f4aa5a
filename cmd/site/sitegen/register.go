package sitegen

import (
	"context"
	"fmt"
	"html/template"
	"regexp"
	"strings"

	"github.com/smelisting/alliance/functions/membership"
)

// Register is the membership register 会员风采 is made from, read-only:
// every member with its certificate, those no longer shown too (their old
// pages must answer). functions/localstore.Store and functions/dynamo.Store
// implement it; the build reads only Member.Listing of each.
type Register interface {
	Members(ctx context.Context) ([]membership.Member, error)
}

// GoneLayout is the layout of the page at the old URL of a member no
// longer shown: it says so, without the name, and links to the list.
const GoneLayout = "members-gone"

// certificateRe is a certificate number as the store issues them, and
// so a safe URL segment once lowercased.
var certificateRe = regexp.MustCompile(`^[A-Z]{2}-[0-9]{4}-[0-9]{4,}$`)

// MemberURL is the site-relative URL of a member's page in 会员风采:
// /members/lm-2026-0001/.
func MemberURL(certificate string) string {
	return "/members/" + strings.ToLower(certificate) + "/"
}

// readRegister returns the public views of the register's members, none
// without a register. Errors name the operation.
func readRegister(ctx context.Context, r Register) ([]membership.Listing, error) {
	if r == nil {
		return nil, nil
	}
	ms, err := r.Members(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the register: %w", err)
	}
	ls := make([]membership.Listing, 0, len(ms))
	for i := range ms {
		l := ms[i].Listing()
		if !certificateRe.MatchString(l.Certificate) {
			return nil, fmt.Errorf("read the register: certificate %q is not a number like LM-2026-0001", l.Certificate)
		}
		ls = append(ls, l)
	}
	return ls, nil
}

// showcase makes the pages of the register's members: a member page for
// each member shown, enriched by the content file naming its certificate,
// and a page saying "no longer shown" at the URL of each other member.
// Content files naming a certificate make no page of their own, and the
// sample profiles go when the config says so (see Config.SampleMembers).
func (p *plan) showcase(ls []membership.Listing) {
	enrich := map[string]*Page{}
	var pages []*Page
	for _, pg := range p.pages {
		if pg.Certificate != "" {
			enrich[pg.Certificate] = pg
			continue
		}
		pages = append(pages, pg)
	}
	for _, l := range ls {
		if l.Shown {
			pages = append(pages, memberPage(p.cfg, l, enrich[l.Certificate]))
		} else {
			pages = append(pages, gonePage(l.Certificate))
		}
	}
	p.pages = p.withoutSamples(pages)
}

// withoutSamples drops the sample profiles when the config says so: with
// "auto", when a real member profile is published.
func (p *plan) withoutSamples(pages []*Page) []*Page {
	switch p.cfg.SampleMembers {
	case "always":
		return pages
	case "auto":
		real := false
		for _, pg := range pages {
			if pg.Section == "members" && pg.PageKind == "page" && !pg.Sample && published(pg, p.opts, p.now) {
				real = true
				break
			}
		}
		if !real {
			return pages
		}
	}
	kept := pages[:0:0]
	for _, pg := range pages {
		if !(pg.Section == "members" && pg.Sample) {
			kept = append(kept, pg)
		}
	}
	return kept
}

// memberPage is the page of a member shown: the register's facts, with the
// logo, summary, weight and body of the content file e when there is one
// (the introduction otherwise, and its start as the description the card
// shows).
func memberPage(cfg *Config, l membership.Listing, e *Page) *Page {
	pr := l.Profile
	industry := pr.Industry
	if t, ok := termBySlugOrName(cfg.Industries, industry); ok {
		industry = t.Slug
	}
	pg := &Page{
		FrontMatter: FrontMatter{Title: pr.Name, Name: pr.Name, Kind: string(l.Type), Industry: industry,
			Region: pr.Region, Joined: l.JoinedYear, Website: pr.Homepage, Certificate: l.Certificate},
		PageKind: "page", Section: "members", URL: MemberURL(l.Certificate), fromRegister: true,
	}
	intro := strings.TrimSpace(pr.Introduction)
	pg.Content, pg.Description = paragraphs(intro), makeExcerpt(intro)
	if e != nil {
		pg.File, pg.raw = e.File, e.raw
		pg.Logo, pg.Weight = e.Logo, e.Weight
		if e.Summary != "" {
			pg.Summary, pg.Description = e.Summary, e.Summary
		}
		if strings.TrimSpace(string(e.body)) != "" {
			pg.Content, pg.TOC = e.Content, e.TOC
		}
	}
	return pg
}

// gonePage answers the old URL of a member no longer shown (see GoneLayout).
func gonePage(certificate string) *Page {
	return &Page{
		FrontMatter: FrontMatter{Title: "该单位已不在会员风采中展示", Layout: GoneLayout, Noindex: true},
		PageKind:    "page", URL: MemberURL(certificate), fromRegister: true,
		Description: "该单位已不在会员风采中展示。",
	}
}

// paragraphs is text as HTML paragraphs, one a line, escaped.
func paragraphs(text string) template.HTML {
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			b.WriteString("<p>" + template.HTMLEscapeString(line) + "</p>\n")
		}
	}
	return template.HTML(b.String())
}
