package sitegen

import (
	"context"
	"html/template"
	"net/url"
	"time"
)

// plan is one build of the site on its way through the phases. load fills
// in the inputs, assemble the site and every output, render the bytes
// and links of the outputs, check verifies the links, and write puts what
// render did not write on disk. Render keeps its plan for RenderChanged,
// which re-renders entries of it.
type plan struct {
	opts Options
	now  time.Time // the build clock, in Asia/Shanghai

	// Inputs (load).
	cfg     *Config
	cfgRaw  []byte            // content/config.yaml as read
	pages   []*Page           // every Markdown file by path, drafts and future pages too
	static  map[string][]byte // the other content files by path, copied as they are
	layouts *layouts

	// Outputs (assemble, render).
	site    *Site
	base    *url.URL             // the parsed base URL, for the site's own absolute links
	jobs    []job                // the outputs rendered with a layout
	files   map[string][]byte    // output path → bytes (nil for a page written already)
	sources map[string]string    // output path → the file it comes from, for errors
	links   map[string]pageLinks // HTML output → its ids and links (render)
	// headFeeds are the feeds the pages of a section advertise: its own
	// first, then the site's other feeds (assemble).
	headFeeds map[string][]FeedLink
	summary   Summary

	// Kept by Render for RenderChanged (keep).
	tmplSum [32]byte
	pubSig  []bool          // published and upcoming flags of every page, in order
	jobsOf  map[*Page][]int // page → the jobs of its own pages (not the lists it is on)
}

// job is one output to render with a layout.
type job struct {
	out  string
	tmpl *template.Template
	data *PageData
	file string // source for errors
	// layout is the template file, for errors about what it renders.
	layout string
}

// siteWriter is where a Build writes the site (a [sitewriter.Writer]):
// render hands it each page as soon as it is rendered, write the rest.
type siteWriter interface {
	Write(name string, data []byte) error
	WriteAll(ctx context.Context, files map[string][]byte, skip func(name string) bool) error
}
