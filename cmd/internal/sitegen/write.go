package sitegen

import "context"

// write is the last phase of a Build: it writes through w every output that
// render did not (content files, assets, redirects, feeds, sitemap). For a
// Render (w == nil) the outputs stay in p.files.
func (p *plan) write(ctx context.Context, w siteWriter) error {
	if w == nil {
		return nil
	}
	rendered := make(map[string]bool, len(p.jobs))
	for _, j := range p.jobs {
		rendered[j.out] = true
	}
	return w.WriteAll(ctx, p.files, func(name string) bool { return rendered[name] })
}
