package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
)

// FramePath is the file of the published site that frames the pages the form handler
// renders itself (the answers of the join form without JavaScript). The site generator
// writes it from templates/api-frame.html, a layout on templates/base.html, so that these
// pages have the header, footer and stylesheet of every other page from the same
// templates; its stylesheet and icon are inlined, so it names no other file of the site.
const FramePath = "api-frame.html"

// The frame's slots: its <title> holds FrameTitleSlot and its <main> FrameMainSlot, each
// exactly once.
const (
	FrameTitleSlot = "[[title]]"
	FrameMainSlot  = "[[main]]"
)

// A FrameSource returns the current frame: the bytes of FramePath as the site was last
// published (functions/sitebucket reads it from the site's bucket; `alliance serve`
// gives the one of its build in memory).
type FrameSource interface {
	Frame(ctx context.Context) ([]byte, error)
}

// FrameFunc is a function that is a FrameSource.
type FrameFunc func(ctx context.Context) ([]byte, error)

// Frame calls f.
func (f FrameFunc) Frame(ctx context.Context) ([]byte, error) { return f(ctx) }

// frame is a frame ready to use: a page is head + its title + middle + its main + tail,
// under csp.
type frame struct {
	head, middle, tail string
	csp                string
}

// parseFrame splits a frame at its slots. When the site is on another origin than the
// API (siteOrigin set, as in the China layout), the frame's root-relative links go to
// the site's origin; on one origin (behind CloudFront, in `alliance serve`) they stay.
// The Content-Security-Policy allows the frame's inline style elements by their hashes
// and its inline icon, and nothing else: no script, no other origin.
func parseFrame(b []byte, siteOrigin string) (frame, error) {
	s := string(b)
	if strings.Count(s, FrameTitleSlot) != 1 || strings.Count(s, FrameMainSlot) != 1 {
		return frame{}, errors.New("httpapi: frame: want each slot exactly once")
	}
	if siteOrigin != "" {
		s = rootRelativeRE.ReplaceAllString(s, "${1}"+siteOrigin+"/${2}")
	}
	head, rest, _ := strings.Cut(s, FrameTitleSlot)
	middle, tail, ok := strings.Cut(rest, FrameMainSlot)
	if !ok {
		return frame{}, errors.New("httpapi: frame: the main slot comes before the title slot")
	}
	return frame{head: head, middle: middle, tail: tail, csp: frameCSP(s)}, nil
}

// rootRelativeRE matches an href or src attribute whose value is a root-relative URL
// (/charter/, not //host/ or #main), up to the first character of its path.
var rootRelativeRE = regexp.MustCompile(`(\s(?:href|src)=")/([^/])`)

var styleRE = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// frameCSP returns the policy of a page in frame s: its style elements by hash, images
// only as data: URLs (the inlined icon), forms only to this origin.
func frameCSP(s string) string {
	styles := "'none'"
	if m := styleRE.FindAllStringSubmatch(s, -1); m != nil {
		var hashes []string
		for _, st := range m {
			sum := sha256.Sum256([]byte(st[1]))
			hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		}
		styles = strings.Join(hashes, " ")
	}
	return "default-src 'none'; style-src " + styles + "; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

// fallbackFrame is the frame of a handler without a FrameSource, or whose source has
// never answered: the page alone, with a link to the site's home page instead of the
// site's header and footer.
const fallbackFrame = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>` + FrameTitleSlot + `</title>
</head>
<body>
<header><p><a href="/">返回联盟网站首页</a></p></header>
<main id="main">
` + FrameMainSlot + `
</main>
</body>
</html>
`
