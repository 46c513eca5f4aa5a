// Package mailtemplates holds the templates of the mail the alliance sends
// (one pair per outbox.Kind: <kind>.txt with text/template, whose "subject"
// block is the subject, and <kind>.html with html/template inside
// layout.html), embedded into the binaries that send mail. They live here,
// beside the site's templates, so that whoever edits the site's wording
// finds them; `alliance serve` reads them from disk instead, so an edit
// shows in the next mail without a restart. See package mail for the data
// they are given.
package mailtemplates

import "embed"

// FS holds every template of this folder.
//
//go:embed *.txt *.html
var FS embed.FS
