package sitegen

import (
	"regexp"
	"strings"
	"testing"
)

// TestFrame checks the frame of the API's pages in the real site: each slot once, the
// site's header and footer, the stylesheet inlined (byte for byte) and no asset file
// named, no script, kept out of search engines and the sitemap, and pointing at the
// join page.
func TestFrame(t *testing.T) {
	out := renderRealSite(t)
	frame := string(out.Files[frameFile])
	if frame == "" {
		t.Fatalf("got no /%s", frameFile)
	}
	var css string
	for name, data := range out.Files {
		if regexp.MustCompile(`^assets/site\.[0-9a-f]{10}\.css$`).MatchString(name) {
			css = string(data)
		}
	}
	for _, want := range []string{
		"<title>[[title]] · 中小企业上市服务联盟</title>",
		"<main id=\"main\" tabindex=\"-1\">\n[[main]]\n</main>",
		`<header class="site-header">`, `<footer class="site-footer">`, `<a class="skip-link" href="#main">`,
		"<style>" + css + "</style>",
		`<link rel="icon" href="data:image/svg+xml;base64,`,
		`<meta name="robots" content="noindex">`,
		`<link rel="canonical" href="https://www.smelisting.example/join/">`,
		`<a href="/join/" aria-current="true" class="nav-cta">申请入盟</a>`,
	} {
		if !strings.Contains(frame, want) {
			t.Errorf("/%s lacks %.120q", frameFile, want)
		}
	}
	if css == "" {
		t.Error("got no hashed site.css to compare with")
	}
	for _, bad := range []string{"/assets/", "<script", "[[title]][[", "[[main]]\n[[main]]"} {
		if strings.Contains(frame, bad) {
			t.Errorf("/%s contains %q", frameFile, bad)
		}
	}
	if strings.Contains(string(out.Files["sitemap.xml"]), frameFile) {
		t.Errorf("sitemap.xml lists /%s, want it left out", frameFile)
	}
}

func TestFrameNeedsItsSlots(t *testing.T) {
	_, err := renderFixture(t, map[string]string{"templates/api-frame.html": `{{define "main"}}[[main]] [[main]]{{end}}`})
	if err == nil || !strings.Contains(err.Error(), "templates/api-frame.html") || !strings.Contains(err.Error(), "[[title]] 0 times") {
		t.Errorf("a frame without a title slot and two main slots: error %v, want one naming templates/api-frame.html and the slot", err)
	}
	out, err := renderFixture(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.Files[frameFile]; ok {
		t.Errorf("templates without api-frame.html: got /%s, want none", frameFile)
	}
}
