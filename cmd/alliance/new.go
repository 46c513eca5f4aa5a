package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/smelisting/alliance/cmd/internal/sitegen"
)

// newKinds are the content types `alliance new` writes: folder and front matter.
var newKinds = map[string]struct {
	dir         string
	frontMatter string // fmt format: title, date
}{
	"event": {"events", `title: %q
date: %s
summary: ""
start: %s 14:00
end: %s 17:00
city: 北京
venue: ""
kind: salon # one of the eventKinds slugs of content/config.yaml
register: 请致电秘书处 010-68200012 报名
draft: true
`},
	"member": {"members", `title: %q
date: %s
name: %[1]q
kind: enterprise # enterprise or group
industry: "" # one of the industries of content/config.yaml
region: ""
joined: %.4[3]s
website: ""
summary: ""
draft: true
`},
	"news": {"news", `title: %q
date: %s
summary: ""
draft: true
`},
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
	day := now.Format("2006-01-02")
	var fm string
	switch kind {
	case "event":
		fm = fmt.Sprintf(k.frontMatter, title, day, now.AddDate(0, 0, 30).Format("2006-01-02"), now.AddDate(0, 0, 30).Format("2006-01-02"))
	case "member":
		fm = fmt.Sprintf(k.frontMatter, title, day, day)
	default:
		fm = fmt.Sprintf(k.frontMatter, title, day)
	}
	body := "---\n" + fm + "---\n\n在此用 Markdown 撰写正文。\n"
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
