package sitegen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// layouts holds the parsed layouts of a templates folder and its assets.
type layouts struct {
	sets   map[string]*template.Template // layout name → base + partials + layout
	assets map[string]string             // asset name → hashed URL
	files  map[string][]byte             // output path → asset bytes

	root     *template.Template // base.html and the partials, for partialCached
	partials sync.Map           // partial name + key → template.HTML, for this build
}

var weekdays = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func templateFuncs(cfg *Config, assets map[string]string) template.FuncMap {
	base := cfg.BaseURL
	return template.FuncMap{
		"eventKind":  cfg.EventKind,
		"memberKind": cfg.MemberKind,
		"industry":   cfg.Industry,
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"asset": func(name string) (string, error) {
			u, ok := assets[name]
			if !ok {
				return "", fmt.Errorf("asset %q not found in templates/assets", name)
			}
			return u, nil
		},
		"absURL":  func(u string) string { return base + strings.TrimPrefix(u, "/") },
		"tel":     telURL,
		"phrases": memoPhrases(),
		"origin":  originOf,
		"cndate":  func(t time.Time) string { return t.In(Shanghai).Format("2006年1月2日") },
		"cntime":  func(t time.Time) string { return t.In(Shanghai).Format("15:04") },
		"weekday": func(t time.Time) string { return weekdays[t.In(Shanghai).Weekday()] },
		"isotime": func(t time.Time) string { return t.In(Shanghai).Format(time.RFC3339) },
	}
}

// telURL returns the tel: link (RFC 3966) of a mainland number as people write it, as
// the global number so that it works from a phone abroad too: 010-68200012 is
// tel:+86-10-68200012, 138 0013 8000 tel:+86-13800138000, 010-68200012-256 has ;ext=256.
// It returns "" when phone holds no digits; the URL holds only digits, "+", "-" and ";ext=".
func telURL(phone string) template.URL {
	s := strings.TrimSpace(phone)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	groups := strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if len(groups) == 0 {
		return ""
	}
	if !strings.HasPrefix(groups[0], "0") { // a mobile, or a number after +86: all its digits
		return template.URL("tel:+86-" + strings.Join(groups, ""))
	}
	u := "tel:+86-" + strings.TrimPrefix(groups[0], "0") // the area code without its trunk 0
	if len(groups) > 1 {
		u += "-" + groups[1]
	}
	if len(groups) > 2 {
		u += ";ext=" + strings.Join(groups[2:], "")
	}
	return template.URL(u)
}

// originOf returns the origin (scheme://host) of an absolute URL and "" for
// a path: the API's origin when it is not the site's (apiPath), for the
// console's connect-src.
func originOf(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return ""
	}
	return p.Scheme + "://" + p.Host
}

// loadLayouts parses templates/base.html, templates/partials/*.html and
// every other templates/*.html as a layout, and hashes templates/assets/*.
func loadLayouts(tfs fs.FS, name string, cfg *Config) (*layouts, error) {
	l := &layouts{sets: map[string]*template.Template{}, assets: map[string]string{}, files: map[string][]byte{}}
	if err := l.hashAssets(tfs, name); err != nil {
		return nil, err
	}
	funcs := templateFuncs(cfg, l.assets)
	funcs["partialCached"] = l.partialCached
	funcs["partialCachedEach"] = l.partialCachedEach
	if err := l.parseBase(tfs, name, funcs); err != nil {
		return nil, err
	}
	files, _ := fs.Glob(tfs, "*.html")
	for _, f := range files {
		if f == "base.html" {
			continue
		}
		src, err := fs.ReadFile(tfs, f)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", name, f, err)
		}
		set, err := l.root.Clone()
		if err != nil {
			return nil, fmt.Errorf("%s/%s: clone base: %w", name, f, err)
		}
		if _, err := set.New(f).Parse(string(src)); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", name, f, err)
		}
		l.sets[strings.TrimSuffix(f, ".html")] = set
	}
	return l, nil
}

// hashAssets reads templates/assets/* and names each output after a hash
// of its bytes.
func (l *layouts) hashAssets(tfs fs.FS, name string) error {
	assetFiles, _ := fs.Glob(tfs, "assets/*")
	sort.Strings(assetFiles)
	for _, a := range assetFiles {
		data, err := fs.ReadFile(tfs, a)
		if err != nil {
			return fmt.Errorf("%s/%s: read asset: %w", name, a, err)
		}
		sum := sha256.Sum256(data)
		base := path.Base(a)
		ext := path.Ext(base)
		out := "assets/" + strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
		l.assets[base] = "/" + out
		l.files[out] = data
	}
	return nil
}

// parseBase parses base.html and the partials into l.root.
func (l *layouts) parseBase(tfs fs.FS, name string, funcs template.FuncMap) error {
	baseSrc, err := fs.ReadFile(tfs, "base.html")
	if err != nil {
		return fmt.Errorf("%s/base.html: %w", name, err)
	}
	if l.root, err = template.New("base.html").Funcs(funcs).Parse(string(baseSrc)); err != nil {
		return fmt.Errorf("%s/base.html: %w", name, err)
	}
	partials, _ := fs.Glob(tfs, "partials/*.html")
	sort.Strings(partials)
	for _, p := range partials {
		src, err := fs.ReadFile(tfs, p)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", name, p, err)
		}
		if _, err := l.root.New(path.Base(p)).Parse(string(src)); err != nil {
			return fmt.Errorf("%s/%s: %w", name, p, err)
		}
	}
	return nil
}

// partialCached renders a partial once per key and build: the header (one
// per menu entry), the footer, the cards shown on several lists.
func (l *layouts) partialCached(name, key string, data any) (template.HTML, error) {
	k := name + "\x00" + key
	if v, ok := l.partials.Load(k); ok {
		return v.(template.HTML), nil
	}
	var buf strings.Builder
	if err := l.root.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	h := template.HTML(buf.String())
	l.partials.Store(k, h)
	return h, nil
}

// partialCachedEach is partialCached for each page of a list, keyed by its
// URL: one call for a list of cards instead of one per card.
func (l *layouts) partialCachedEach(name string, pages []*Page) (template.HTML, error) {
	var b strings.Builder
	for _, p := range pages {
		h, err := l.partialCached(name, p.URL, p)
		if err != nil {
			return "", err
		}
		b.WriteString(string(h))
	}
	return template.HTML(b.String()), nil
}

// pick returns the first layout that exists among names.
func (l *layouts) pick(names ...string) (*template.Template, string, bool) {
	for _, n := range names {
		if n == "" {
			continue
		}
		if t, ok := l.sets[n]; ok {
			return t, n, true
		}
	}
	return nil, "", false
}
