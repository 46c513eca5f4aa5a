package httpapi

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// modules reads the dark modules back out of QRSVG's path.
func modules(t *testing.T, svg string) (n int, dark map[[2]int]bool) {
	t.Helper()
	var doc struct {
		ViewBox string `xml:"viewBox,attr"`
		Path    []struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("the SVG is not XML: %v", err)
	}
	if _, err := fmt.Sscanf(doc.ViewBox, "0 0 %d %d", &n, &n); err != nil || len(doc.Path) != 1 {
		t.Fatalf("viewBox %q, %d paths", doc.ViewBox, len(doc.Path))
	}
	dark = map[[2]int]bool{}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(doc.Path[0].D, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		w, _ := strconv.Atoi(m[3])
		for i := range w {
			dark[[2]int{x + i, y}] = true
		}
	}
	return n, dark
}

// TestQRSVG checks the code's structure as a reader finds it: a square of 21
// + 4k modules inside the quiet zone, and the three finder patterns (a dark
// 7×7 ring, a light ring, a dark 3×3 centre) in three corners.
func TestQRSVG(t *testing.T) {
	for _, text := range []string{"7KQ3-M9XD", strings.Repeat("LM-2026-0001 ", 10)} {
		svg, err := QRSVG(text, `报名二维码 "<&>"`)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(svg, `aria-label="报名二维码 &quot;&lt;&amp;>&quot;"`) {
			t.Errorf("label not escaped: %.200s", svg)
		}
		n, dark := modules(t, svg)
		size := n - 2*qrQuiet
		if size < 21 || (size-21)%4 != 0 {
			t.Fatalf("%d modules a side, want 21 + 4k", size)
		}
		for _, c := range [][2]int{{qrQuiet, qrQuiet}, {n - qrQuiet - 7, qrQuiet}, {qrQuiet, n - qrQuiet - 7}} {
			for dy := range 7 {
				for dx := range 7 {
					ring := max(abs(dx-3), abs(dy-3))
					if want := ring != 2; dark[[2]int{c[0] + dx, c[1] + dy}] != want {
						t.Fatalf("%q: finder pattern at %v: module (%d,%d) dark %v, want %v", text, c, dx, dy, !want, want)
					}
				}
			}
		}
		for p := range dark {
			if p[0] < qrQuiet || p[1] < qrQuiet || p[0] >= n-qrQuiet || p[1] >= n-qrQuiet {
				t.Fatalf("dark module %v in the quiet zone", p)
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }

// BenchmarkQRSVG makes the QR code of a registration code (target: 1 ms) and
// reports the median.
func BenchmarkQRSVG(b *testing.B) {
	var ds []time.Duration
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if _, err := QRSVG("7KQ3-M9XD", "报名二维码：7KQ3-M9XD"); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
}
