package sitegen

import (
	"bytes"
	"html"
	"slices"
	"strings"
)

// pageLinks are the ids and link targets of one HTML output.
type pageLinks struct {
	ids   map[string]bool
	hrefs []string
}

// extractLinks scans rendered HTML for id, href and src attributes, in one
// pass over the attribute values (="…").
func extractLinks(data []byte) pageLinks {
	pl := pageLinks{ids: map[string]bool{}}
	for {
		i := bytes.Index(data, []byte(`="`))
		if i < 0 {
			return pl
		}
		name := data[:i]
		data = data[i+2:]
		j := bytes.IndexByte(data, '"')
		if j < 0 {
			return pl
		}
		isID := bytes.HasSuffix(name, []byte(" id"))
		if isID || bytes.HasSuffix(name, []byte(" href")) || bytes.HasSuffix(name, []byte(" src")) {
			v := string(data[:j])
			if strings.IndexByte(v, '&') >= 0 {
				v = html.UnescapeString(v)
			}
			switch {
			case isID:
				pl.ids[v] = true
			// a page has few distinct links: a linear search beats a map
			case v != "" && !slices.Contains(pl.hrefs, v):
				pl.hrefs = append(pl.hrefs, v)
			}
		}
		data = data[j+1:]
	}
}
