package sitegen

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
)

// newMarkdown returns the goldmark converter of the site: GFM (tables,
// strikethrough, autolinks, task lists), footnotes, East Asian line breaks
// (a line break between two Chinese characters adds no space), explicit
// heading attributes ({#article-14}) and typographic substitutions that suit
// Chinese text (... becomes ……, --- becomes ——; Chinese text already uses
// full-width quotes, so ASCII quotes become the same “” ‘’).
func newMarkdown() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(
			extension.GFM,
			extension.Footnote,
			extension.NewCJK(extension.WithEastAsianLineBreaks(extension.EastAsianLineBreaksCSS3Draft), extension.WithEscapedSpace()),
			extension.NewTypographer(extension.WithTypographicSubstitutions(map[extension.TypographicPunctuation]string{
				extension.Ellipsis:        "……",
				extension.EmDash:          "——",
				extension.LeftAngleQuote:  "《",
				extension.RightAngleQuote: "》",
			})),
		),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(), parser.WithAttribute()),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
}

// headingIDs generates heading IDs that keep Chinese characters: letters
// (any script) and digits stay, ASCII letters are lowered, runs of anything
// else become one "-". Duplicates get -1, -2 … suffixes.
type headingIDs struct{ used map[string]bool }

func newHeadingIDs() *headingIDs { return &headingIDs{used: map[string]bool{}} }

// Generate returns a unique ID for a heading text.
func (h *headingIDs) Generate(value []byte, _ ast.NodeKind) []byte {
	base := slugify(string(value))
	if base == "" {
		base = "heading"
	}
	id := base
	for i := 1; h.used[id]; i++ {
		id = base + "-" + strconv.Itoa(i)
	}
	h.used[id] = true
	return []byte(id)
}

// Put records an ID given explicitly.
func (h *headingIDs) Put(value []byte) { h.used[string(value)] = true }

func slugify(s string) string {
	var b []rune
	dash := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, unicode.ToLower(r))
		default:
			dash = true
		}
	}
	return string(b)
}

// mdBuffers are reused by renderMarkdown: the HTML and plain text buffers
// and the buffered writer goldmark would otherwise allocate per page.
type mdBuffers struct {
	html, plain bytes.Buffer
	w           *bufio.Writer
}

var mdPool = sync.Pool{New: func() any { return &mdBuffers{w: bufio.NewWriter(nil)} }}

// renderMarkdown converts a page body and returns the HTML, the table of
// contents (h2 and h3, when wantTOC) and the plain text (when wantPlain);
// without either it skips a walk over the whole tree.
func renderMarkdown(md goldmark.Markdown, body []byte, wantTOC, wantPlain bool) (string, []Heading, string, error) {
	ctx := parser.NewContext(parser.WithIDs(newHeadingIDs()))
	doc := md.Parser().Parse(text.NewReader(body), parser.WithContext(ctx))
	var toc []Heading
	bufs := mdPool.Get().(*mdBuffers)
	defer mdPool.Put(bufs)
	plain := &bufs.plain
	plain.Reset()
	if wantTOC || wantPlain {
		err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				if n.Kind() == ast.KindParagraph || n.Kind() == ast.KindHeading {
					plain.WriteByte(' ')
				}
				return ast.WalkContinue, nil
			}
			switch n := n.(type) {
			case *ast.Heading:
				if wantTOC && (n.Level == 2 || n.Level == 3) {
					id, _ := n.AttributeString("id")
					idb, _ := id.([]byte)
					toc = append(toc, Heading{Level: n.Level, ID: string(idb), Text: nodeText(n, body)})
				}
			case *ast.Text:
				plain.Write(n.Segment.Value(body))
			case *ast.String:
				plain.Write(n.Value)
			}
			return ast.WalkContinue, nil
		})
		if err != nil {
			return "", nil, "", fmt.Errorf("walk markdown: %w", err)
		}
	}
	bufs.html.Reset()
	bufs.w.Reset(&bufs.html)
	if err := md.Renderer().Render(bufs.w, body, doc); err != nil {
		return "", nil, "", fmt.Errorf("render markdown: %w", err)
	}
	if err := bufs.w.Flush(); err != nil {
		return "", nil, "", fmt.Errorf("render markdown: %w", err)
	}
	return bufs.html.String(), toc, plain.String(), nil
}

func nodeText(n ast.Node, src []byte) string {
	var b bytes.Buffer
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
