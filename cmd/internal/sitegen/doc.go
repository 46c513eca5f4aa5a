// Package sitegen is the static site generator of the alliance site: it reads
// Markdown with YAML front matter from a content folder, renders it with Go
// html/template layouts from a templates folder and writes the site (pages,
// feeds, iCalendar files, sitemap, robots.txt, redirects, hashed assets).
//
// # Content
//
// A Markdown file is a page; a folder is a section and its _index.md is the
// section's list page; content/_index.md is the home page and content/404.md
// becomes /404.html. URLs are pretty: content/events/foo.md is /events/foo/
// (front matter slug overrides the file name). content/config.yaml is the
// site configuration (see [Config]). Other files under content/ are copied
// as they are. Front matter uses Hugo's names (title, date, draft, slug,
// summary, aliases, publishDate, expiryDate, weight) plus the section fields
// of [FrontMatter]; an unknown field or a bad date is an error naming the
// file and line.
//
// # Layouts
//
// templates/base.html defines the page skeleton and the blocks "title",
// "head" and "main" (with defaults), all inside the block "page", which a
// layout with a skeleton of its own (the console's) redefines whole. Every
// other templates/NAME.html is a
// layout: it is parsed on top of a copy of base.html and the files of
// templates/partials/, and redefines the blocks it needs, for example
//
//	{{define "main"}}<h1>{{.Page.Title}}</h1>{{.Page.Content}}{{end}}
//
// The layout of a page is chosen in this order: the front matter field
// layout (layout: join picks templates/join.html; a missing file is an
// error), then SECTION-single or SECTION-list (events-single.html,
// events-list.html), then single or list; the home page uses home, 404.md
// uses 404. Layouts receive a [PageData].
//
// # Template functions
//
// asset (hashed URL of an asset), partialCached NAME KEY DATA (a partial
// rendered once per key and build), partialCachedEach NAME PAGES (the same
// for each page, keyed by URL), eventKind, memberKind and industry (config
// terms by slug), absURL, origin (scheme://host of an absolute URL, "" for a
// path), dict, phrases (a title with a <wbr> between its phrases, see
// phrasesHTML), tel (the tel: link of a phone number), and cndate, cntime,
// weekday and isotime for a time.Time; a Date field already holds these as
// .CNDate, .CNTime, .CNWeekday and .ISO, which is cheaper on every page.
//
// # The API's frame
//
// templates/api-frame.html, when present, is rendered once on the join page
// to /api-frame.html with its stylesheet and icon inlined: the frame the
// membership API puts its own pages in (see frame.go and functions/httpapi).
//
// # Assets
//
// Files in templates/assets/ are written to site/assets/ with a content hash
// in their name; a template gets the URL with {{asset "site.css"}}.
//
// # Building
//
// A build is a pipeline of named phases around one plan value, in the
// manner of Hugo's hugolib/hugo_sites_build.go; each phase is a file:
//
//   - load (load.go) reads the inputs into a new plan: config.yaml, every
//     content file (Markdown parsed and converted, reusing the pages of the
//     last build whose bytes did not change), the layouts and assets;
//   - assemble (assemble.go) makes the [Site] of the published pages and
//     decides every output: the jobs (a page, or a page of a list, and the
//     layout that renders it), the files written as they are (content
//     files, assets, redirects of aliases), the events' registration
//     catalog /api-events.json (registration.go), the sitemap and robots.txt;
//   - render (render.go) executes the jobs in parallel and renders the
//     feeds (feeds.go, feedformats.go) and calendars, then the API's frame
//     (frame.go), reading the ids and links of every HTML output (links.go);
//   - check (check.go) verifies every internal link and anchor;
//   - write (write.go) writes the files through package sitewriter, which
//     swaps the new site in only when all of it is written.
//
// [Build] streams each page to disk as soon as it is rendered (render
// hands it to the writer), so a failed build leaves the previous site
// untouched. [Builder.Render] keeps the site in memory instead, with the
// plan: [Builder.RenderChanged], the dev server's rebuild after an edit,
// re-renders the jobs and feeds of the edited pages in that plan when only
// their bodies changed (incremental.go).
//
// Growing the build means a phase or an input, not a branch in another
// phase. An input (pages made from the membership register, say) is read
// in load through a small interface of this package's own and becomes
// pages of the plan like the content files. New pages of a kind are jobs
// that assemble adds with plan.addJob, next to addJobs and addListJobs (the
// console under /admin/ needed none: its pages are content files with
// layouts of their own and noindex, which keeps them out of the sitemap). A phase that needs every rendered page (a
// search index) reads each one in renderJobs, as the link extraction does,
// and adds its files to the plan before write. Each phase runs alone on a
// small in-memory site in its tests (phases_test.go).
package sitegen
