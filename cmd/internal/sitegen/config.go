package sitegen

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config is the site configuration read from content/config.yaml.
type Config struct {
	Title       string `yaml:"title"`
	ShortTitle  string `yaml:"shortTitle"`
	Description string `yaml:"description"`
	BaseURL     string `yaml:"baseURL"`
	Language    string `yaml:"language"`
	// ICP is the ICP 备案 number shown in the footer with a link to the MIIT's filing
	// site; empty until the filing is approved, and then the footer leaves the line out.
	ICP string `yaml:"icp"`
	// PublicSecurityFiling is the 公安联网备案 number (京公网安备…号), shown in the footer
	// with a link to its record on beian.mps.gov.cn when set.
	PublicSecurityFiling string  `yaml:"publicSecurityFiling"`
	Contact              Contact `yaml:"contact"`
	// APIPath is the base path of the membership API the join form posts to.
	APIPath string `yaml:"apiPath"`
	// PrivacyNoticeVersion is the version of the privacy notice the join form shows.
	PrivacyNoticeVersion string `yaml:"privacyNoticeVersion"`
	// EventPrivacyNoticeVersion is the version of the privacy notice the event
	// registration form shows (events.PrivacyNoticeVersions).
	EventPrivacyNoticeVersion string `yaml:"eventPrivacyNoticeVersion"`
	// Paginate is the number of items on a list page.
	Paginate int `yaml:"paginate"`
	// FeedLimit is the number of newest items in each feed (default 100).
	FeedLimit   int        `yaml:"feedLimit"`
	Menu        []MenuItem `yaml:"menu"`
	EventKinds  []Term     `yaml:"eventKinds"`
	MemberKinds []Term     `yaml:"memberKinds"`
	Industries  []Term     `yaml:"industries"`
}

// Contact holds the secretariat's contact details.
type Contact struct {
	Organisation string `yaml:"organisation"`
	Address      string `yaml:"address"`
	Phone        string `yaml:"phone"`
	Email        string `yaml:"email"`
	Hours        string `yaml:"hours"`
}

// MenuItem is an entry of the main navigation.
type MenuItem struct {
	Name string `yaml:"name"`
	URL  string `yaml:"url"`
}

// Term is a value of a classification (event kind, member kind, industry)
// with the ASCII slug used in URLs and its display name.
type Term struct {
	Slug string `yaml:"slug"`
	Name string `yaml:"name"`
}

func parseConfig(name string, data []byte) (*Config, error) {
	c := &Config{Language: "zh-CN", Paginate: 10, FeedLimit: 100, APIPath: "/api/"}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("%s", yamlError(name, 0, err))
	}
	if c.Title == "" {
		return nil, fmt.Errorf("%s: title is required", name)
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: baseURL %q is not an absolute http(s) URL", name, c.BaseURL)
	}
	c.BaseURL = strings.TrimSuffix(c.BaseURL, "/") + "/"
	if c.PublicSecurityFiling != "" && len(c.PublicSecurityCode()) < 6 {
		return nil, fmt.Errorf("%s: publicSecurityFiling %q has no record number (digits, as in 京公网安备11010802012345号)", name, c.PublicSecurityFiling)
	}
	if c.Paginate < 1 {
		return nil, fmt.Errorf("%s: paginate must be at least 1, got %d", name, c.Paginate)
	}
	for _, list := range [][]Term{c.EventKinds, c.MemberKinds, c.Industries} {
		seen := map[string]bool{}
		for _, t := range list {
			if t.Slug == "" || t.Name == "" || strings.ContainsAny(t.Slug, "/ ?#") {
				return nil, fmt.Errorf("%s: term %q/%q needs a slug without / ? # or spaces and a name", name, t.Slug, t.Name)
			}
			if seen[t.Slug] {
				return nil, fmt.Errorf("%s: duplicate slug %q", name, t.Slug)
			}
			seen[t.Slug] = true
		}
	}
	return c, nil
}

// PublicSecurityCode returns the digits of the 公安联网备案 number, which name its
// record in the link https://beian.mps.gov.cn/#/query/webSearch?code=….
func (c *Config) PublicSecurityCode() string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, c.PublicSecurityFiling)
}

// Warnings lists what a site published at its base URL should not lack: the ICP filing
// number and the secretariat's email address. A site at an example or loopback address
// (a test, `alliance serve`) gets none. file names the configuration in each line.
func (c *Config) Warnings(file string) []string {
	u, err := url.Parse(c.BaseURL)
	if err != nil || placeholderHost(u.Hostname()) {
		return nil
	}
	var w []string
	if c.ICP == "" {
		w = append(w, file+": icp is empty: the footer shows no ICP 备案号, which a site served in mainland China must show once its filing is approved")
	}
	if c.Contact.Email == "" {
		w = append(w, file+": contact.email is empty: the site shows the secretariat's phone and address but no email address")
	}
	return w
}

// placeholderHost reports whether host is reserved for examples and tests (RFC 2606,
// RFC 6761) or is the machine itself.
func placeholderHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || ip.IsUnspecified()
	}
	for _, d := range []string{"example", "example.com", "example.net", "example.org", "test", "invalid", "localhost"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// termBySlugOrName finds a term by its slug or its display name.
func termBySlugOrName(terms []Term, v string) (Term, bool) {
	for _, t := range terms {
		if t.Slug == v || t.Name == v {
			return t, true
		}
	}
	return Term{}, false
}

// EventKind returns the display name of an event kind slug.
func (c *Config) EventKind(slug string) string {
	t, _ := termBySlugOrName(c.EventKinds, slug)
	return t.Name
}

// MemberKind returns the display name of a member kind slug.
func (c *Config) MemberKind(slug string) string {
	t, _ := termBySlugOrName(c.MemberKinds, slug)
	return t.Name
}

// Industry returns the term of an industry given by slug or name.
func (c *Config) Industry(v string) Term {
	t, _ := termBySlugOrName(c.Industries, v)
	return t
}
