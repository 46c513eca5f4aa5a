package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/smelisting/alliance/cmd/internal/sitegen"
)

// newKinds are the content types `alliance new` writes: folder and front
// matter. The front matter is a text/template over newData.
var newKinds = map[string]struct {
	dir         string
	frontMatter string
}{
	"event": {"events", `title: {{printf "%q" .Title}}
date: {{.Day}}
summary: ""
start: {{.Start}} 14:00
end: {{.Start}} 17:00
city: 北京
venue: ""
kind: {{first .EventKinds "salon"}} # one of {{slugs .EventKinds}} (content/config.yaml)
register: 请致电秘书处报名 # the page adds the secretariat's phone from content/config.yaml
# Online registration on the page: registration: open with capacity (places; then a waitlist),
# registerBy (deadline, default the start); closed (no more registrations); external with
# registrationURL: https://…; fee: 会务费 text, shown only.
# registration: open
# capacity: 100
# registerBy: {{.Start}} 12:00
# fee: 免费
draft: true
`},
	"member": {"members", `title: {{printf "%q" .Title}}
date: {{.Day}}
name: {{printf "%q" .Title}}
kind: {{first .MemberKinds "enterprise"}} # one of {{slugs .MemberKinds}} (content/config.yaml)
industry: {{first .Industries "manufacturing"}} # one of {{slugs .Industries}} (content/config.yaml)
region: ""
joined: {{.Year}}
website: ""
summary: ""
sample: false # true marks sample data, shown with a badge
draft: true
`},
	"news": {"news", `title: {{printf "%q" .Title}}
date: {{.Day}}
summary: ""
draft: true
`},
}

// newData is what the front matter of a new file is made from: the title,
// the clock and the terms of content/config.yaml, so that a new draft
// builds with --drafts as it is.
type newData struct {
	Title, Day, Start, Year             string
	EventKinds, MemberKinds, Industries []sitegen.Term
}

var newFuncs = template.FuncMap{
	// first is the slug of the first term, or def when there is none.
	"first": func(terms []sitegen.Term, def string) string {
		if len(terms) == 0 {
			return def
		}
		return terms[0].Slug
	},
	// slugs lists the slugs of the terms.
	"slugs": func(terms []sitegen.Term) string {
		var s []string
		for _, t := range terms {
			s = append(s, t.Slug)
		}
		if len(s) == 0 {
			return "the slugs"
		}
		return strings.Join(s, ", ")
	},
}

// readTerms reads the event kinds, member kinds, industries and phone of the
// site configuration; a missing file gives none and the defaults are used.
func readTerms(content string) (sitegen.Config, error) {
	var c sitegen.Config
	data, err := os.ReadFile(filepath.Join(content, "config.yaml"))
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("new: %w", err)
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("new: %s: %w", filepath.Join(content, "config.yaml"), err)
	}
	return c, nil
}

func runNew(ctx context.Context, args []string) error {
	fs := newFlagSet("new", "new event|member|news [flags] \"标题\"", `alliance new event "2027 年投融资沙龙（深圳）" --slug 2027-shenzhen-salon`)
	content := fs.String("content", "content", "content `folder`")
	slug := fs.String("slug", "", "file name and URL segment (default: from the title)")
	// flags may come before, between or after the kind and the title
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 2 {
		fs.Usage()
		return errors.New("new: want a kind (event, member or news) and one title")
	}
	k, ok := newKinds[pos[0]]
	if !ok {
		fs.Usage()
		return fmt.Errorf("new: unknown kind %q, want event, member or news", pos[0])
	}
	kind := pos[0]
	title := strings.TrimSpace(pos[1])
	if title == "" {
		return errors.New("new: the title is empty")
	}
	now := time.Now().In(sitegen.Shanghai)
	name := *slug
	if name == "" {
		name = slugFromTitle(title, now)
	}
	if strings.ContainsAny(name, `/\?#`) {
		return fmt.Errorf("new: slug %q must be a single path segment", name)
	}
	p := filepath.Join(*content, k.dir, name+".md")
	cfg, err := readTerms(*content)
	if err != nil {
		return err
	}
	var fm strings.Builder
	err = template.Must(template.New(kind).Funcs(newFuncs).Parse(k.frontMatter)).Execute(&fm, newData{
		Title: title, Day: now.Format("2006-01-02"), Start: now.AddDate(0, 0, 30).Format("2006-01-02"),
		Year:       now.Format("2006"),
		EventKinds: cfg.EventKinds, MemberKinds: cfg.MemberKinds, Industries: cfg.Industries,
	})
	if err != nil {
		return fmt.Errorf("new: %w", err)
	}
	body := "---\n" + fm.String() + "---\n\n在此用 Markdown 撰写正文。\n"
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("new: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("new: %w", err)
	}
	if _, err := f.WriteString(body); err != nil {
		f.Close()
		return fmt.Errorf("new: write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("new: write %s: %w", p, err)
	}
	fmt.Printf("Created %s (draft: true; set draft: false to publish)\n", p)
	return nil
}

// slugFromTitle keeps ASCII letters and digits of the title; a title with
// fewer than three ASCII letters (most Chinese titles) gets the date and
// time instead.
func slugFromTitle(title string, now time.Time) string {
	var b []rune
	dash := false
	for _, r := range strings.ToLower(title) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			b = append(b, r)
			dash = false
		} else {
			dash = true
		}
	}
	letters := 0
	for _, r := range b {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	if letters < 3 {
		return now.Format("2006-01-02-150405")
	}
	return string(b)
}
