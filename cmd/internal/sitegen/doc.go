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
// [Build] renders the pages in parallel, writing each into a working
// folder beside the output folder as soon as it is rendered, checks every
// internal link and anchor, then swaps the folder in, so a failed build
// leaves the previous site untouched. The working folder is the build
// before last (.site-previous), rewritten in place: see siteWriter. [Builder.Render] keeps the site in
// memory instead, and a [Builder] keeps parsed pages between renders for
// the dev server.
package sitegen
