package sitegen

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"path"
	"strings"
)

// The frame of the membership API's own pages: templates/api-frame.html, a layout on
// base.html whose title and main blocks are the slots [[title]] and [[main]], rendered
// once per build to /api-frame.html (functions/httpapi.FramePath). The API fills the
// slots, so its pages have the header, footer and stylesheet of every other page from
// the same templates, and change with the site when it is published.
//
// The stylesheet and the icon are inlined (a <style> element, a data: URL): the frame
// then names no hashed asset file, which `alliance publish` deletes once a new build
// replaces it while the API may still hold the old frame, and it needs no request to
// the site's origin, which in the China layout is another origin than the API's (and
// may be plain HTTP, which an HTTPS page may not load a stylesheet from).
const (
	frameLayout = "api-frame"
	frameFile   = "api-frame.html"
	frameTitle  = "[[title]]"
	frameMain   = "[[main]]"
)

// renderFrame adds the frame to the plan's files when the templates have its layout, in
// render after the pages: its links are checked with theirs.
func (p *plan) renderFrame() error {
	frame, err := renderFrame(p.layouts, p.site, p.opts.TemplatesName)
	if err != nil || frame == nil {
		return err
	}
	p.files[frameFile] = frame
	p.sources[frameFile] = p.opts.TemplatesName + "/" + frameLayout + ".html"
	return nil
}

// renderFrame renders the frame when the templates have its layout (else nil). Its page
// is the join page (the menu marks 申请入盟, and the canonical link points there), or the
// home page on a site without one.
func renderFrame(lay *layouts, site *Site, templatesName string) ([]byte, error) {
	t, _, ok := lay.pick(frameLayout)
	if !ok {
		return nil, nil
	}
	file := templatesName + "/" + frameLayout + ".html"
	page := site.GetPage("/join/")
	if page == nil {
		page = site.GetPage("/")
	}
	if page == nil {
		page = &Page{}
	}
	data := &PageData{Site: site, Page: page, Feeds: site.feeds, URL: "/" + frameFile,
		Title: site.Config.Title, Description: site.Config.Description,
		Canonical: site.BaseURL + strings.TrimPrefix(page.URL, "/")}
	if len(data.Feeds) > 0 {
		data.FeedsKey = data.Feeds[0].URL
	}
	data.HeaderKey = site.MenuCurrent(data.URL) + "|" + page.Section
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base.html", data); err != nil {
		return nil, fmt.Errorf("%s: render /%s: %w", file, frameFile, err)
	}
	out, err := inlineAssets(buf.String(), lay)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for _, slot := range []string{frameTitle, frameMain} {
		if n := strings.Count(out, slot); n != 1 {
			return nil, fmt.Errorf("%s: /%s holds the slot %s %d times, want once", file, frameFile, slot, n)
		}
	}
	return []byte(out), nil
}

// inlineAssets replaces the page's links to hashed stylesheets by <style> elements and
// its SVG icon by a data: URL, and fails if any other asset is still named.
func inlineAssets(page string, lay *layouts) (string, error) {
	for name, u := range lay.assets {
		data := lay.files[strings.TrimPrefix(u, "/")]
		switch path.Ext(name) {
		case ".css":
			if bytes.Contains(bytes.ToLower(data), []byte("</style")) {
				return "", fmt.Errorf("assets/%s cannot be inlined: it contains </style", name)
			}
			page = strings.ReplaceAll(page, `<link rel="stylesheet" href="`+u+`">`, "<style>"+string(data)+"</style>")
		case ".svg":
			page = strings.ReplaceAll(page, `href="`+u+`"`, `href="data:image/svg+xml;base64,`+base64.StdEncoding.EncodeToString(data)+`"`)
		}
		if strings.Contains(page, u) {
			return "", fmt.Errorf("/%s still loads %s: only stylesheets and SVG icons can be inlined", frameFile, u)
		}
	}
	return page, nil
}
