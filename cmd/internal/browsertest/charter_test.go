package browsertest

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// articlePosition tells where an element is after a jump to its anchor.
type articlePosition struct {
	Found   bool    `json:"found"`
	Top     float64 `json:"top"`     // element top within the viewport, CSS px
	Height  float64 `json:"height"`  // viewport height
	ScrollY float64 `json:"scrollY"` // how far the page scrolled
	Hash    string  `json:"hash"`
}

// positionOf reads where the element with the given id is, once it is at the
// top of the viewport or, at the latest, after ten seconds: a page with
// smooth scrolling takes a moment to get there, and may start late.
func positionOf(tb *tab, id string) articlePosition {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	// A timeout is no error here: checkAtTop reports where the element is.
	chromedp.Run(ctx, chromedp.PollFunction[bool](`(id) => {
		const e = document.getElementById(id);
		if (!e) return true;
		const top = e.getBoundingClientRect().top;
		return window.scrollY > 0 && top >= -1 && top <= window.innerHeight / 4;
	}`, chromedp.WithPollingArgs(id), chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
	return eval[articlePosition](tb, `(() => {
		const e = document.getElementById('`+id+`');
		return {found: !!e, top: e ? e.getBoundingClientRect().top : 0, height: window.innerHeight,
			scrollY: window.scrollY, hash: location.hash};
	})()`)
}

// checkAtTop fails the test unless the element is at the top of the viewport
// (within a quarter of its height, for a sticky header or scroll-margin).
func checkAtTop(tb *tab, id string, p articlePosition) {
	tb.t.Helper()
	switch {
	case !p.Found:
		tb.t.Errorf("%s: got no element with id %q on the charter page", tb.vp.name, id)
	case p.ScrollY <= 0:
		tb.t.Errorf("%s: #%s: got scrollY %v, want the page scrolled down", tb.vp.name, id, p.ScrollY)
	case p.Top < -1 || p.Top > p.Height/4:
		tb.t.Errorf("%s: #%s: got element top %.0f px in a %.0f px viewport, want 0..%.0f", tb.vp.name, id, p.Top, p.Height, p.Height/4)
	}
}

// TestCharterDeepLink opens /charter/#article-14 and checks that 第十四条 is
// at the top of the screen.
func TestCharterDeepLink(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			tb := openTab(t, vp)
			tb.load("/charter/#article-14")
			tb.clean(nil)
			checkAtTop(tb, "article-14", positionOf(tb, "article-14"))
			if got := eval[string](tb, `document.getElementById('article-14')?.textContent ?? ''`); !containsAll(got, "第十四条") {
				t.Errorf("%s: #article-14 text: got %q, want it to contain 第十四条", vp.name, got)
			}
		})
	}
}

// TestCharterTOC follows the table of contents link to 第十四条 and checks that
// the article is at the top of the screen.
func TestCharterTOC(t *testing.T) {
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			tb := openTab(t, vp)
			tb.load("/charter/")
			// A table of contents folded in a <details> is opened as a visitor would.
			if !eval[bool](tb, `(() => {
				const a = document.querySelector('nav a[href$="#article-14"]');
				const d = a && a.closest('details');
				if (d && !d.open) d.querySelector('summary').click();
				return !!a;
			})()`) {
				t.Fatalf("%s: got no table of contents link to #article-14 on /charter/", vp.name)
			}
			tb.do(chromedp.Click(chromedp.CSS(`nav a[href$="#article-14"]`)))
			p := positionOf(tb, "article-14")
			if p.Hash != "#article-14" {
				t.Errorf("%s: after the TOC click: got location.hash %q, want #article-14", vp.name, p.Hash)
			}
			checkAtTop(tb, "article-14", p)
			tb.clean(nil)
		})
	}
}
