// Package budoux splits a line of Simplified Chinese into phrases, the places where a
// line may break without cutting a word in two: a Go port of the inference of Google's
// BudouX (https://github.com/google/budoux, the parser of its JavaScript package 0.9.2)
// with its Simplified Chinese model.
//
// The model, zh-hans.json, is BudouX's src/data/models/zh-hans.ts of the npm package
// budoux 0.9.2 written out as JSON (keys sorted, values unchanged). Both the model and
// the algorithm are Copyright 2021 Google LLC, under the Apache License 2.0 (LICENSE in
// this folder). No Go module of BudouX is available to this project, and the inference
// is a few dozen lines: for each gap between two characters, the weights of the
// characters and character pairs and triples around it are summed, and a sum above half
// of all the weights marks a phrase boundary.
//
// The one difference from the JavaScript parser: it indexes UTF-16 code units, this
// port runes, so the two differ only around characters outside the Basic Multilingual
// Plane (which the model does not contain).
package budoux

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"
)

//go:embed zh-hans.json
var zhHans []byte

// Parser splits text into phrases with one model. The model's thirteen feature groups
// (the character at each of six places around a gap, the pairs at three, the triples at
// four) are held as three tables keyed by the characters packed into a number, so that
// the parser looks each unigram, bigram and trigram of the text up once rather than once
// per group, without hashing strings.
type Parser struct {
	uni   map[uint64][6]int32 // UW1…UW6: the character at i-3 … i+2
	bi    map[uint64][3]int32 // BW1…BW3: the pair starting at i-2, i-1, i
	tri   map[uint64][4]int32 // TW1…TW4: the triple starting at i-3 … i
	total int64               // sum of every weight: a gap is a boundary when 2·score > total
}

// pack packs up to three runes (21 bits each) into a table key.
func pack(rs ...rune) uint64 {
	var k uint64
	for _, r := range rs {
		k = k<<21 | uint64(r)
	}
	return k
}

// New returns a Parser for a BudouX model in its JSON form: feature group (UW1…UW6,
// BW1…BW3, TW1…TW4) → character sequence → weight.
func New(model []byte) (*Parser, error) {
	var m map[string]map[string]int32
	if err := json.Unmarshal(model, &m); err != nil {
		return nil, fmt.Errorf("budoux: read model: %w", err)
	}
	p := &Parser{uni: map[uint64][6]int32{}, bi: map[uint64][3]int32{}, tri: map[uint64][4]int32{}}
	for name, weights := range m {
		var k int
		if _, err := fmt.Sscanf(name[min(len(name), 2):], "%d", &k); err != nil || len(name) != 3 {
			return nil, fmt.Errorf("budoux: read model: unknown feature group %q", name)
		}
		k-- // UW1 is index 0
		for seq, w := range weights {
			p.total += int64(w)
			rs := []rune(seq)
			switch {
			case name[:2] == "UW" && k < 6:
				if len(rs) == 1 {
					v := p.uni[pack(rs...)]
					v[k] = w
					p.uni[pack(rs...)] = v
				}
			case name[:2] == "BW" && k < 3:
				if len(rs) == 2 {
					v := p.bi[pack(rs...)]
					v[k] = w
					p.bi[pack(rs...)] = v
				}
			case name[:2] == "TW" && k < 4:
				if len(rs) == 3 {
					v := p.tri[pack(rs...)]
					v[k] = w
					p.tri[pack(rs...)] = v
				}
			default:
				return nil, fmt.Errorf("budoux: read model: unknown feature group %q", name)
			}
			// A sequence of another length never matches a window of its group: its
			// weight counts in the total only, as in BudouX.
		}
	}
	return p, nil
}

// SimplifiedChinese returns the parser with BudouX's Simplified Chinese model.
var SimplifiedChinese = sync.OnceValue(func() *Parser {
	p, err := New(zhHans)
	if err != nil {
		panic(err) // the embedded model is tested
	}
	return p
})

// Parse splits s into phrases; joined, they are s again. An empty s has none.
func (p *Parser) Parse(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	start := 0
	for _, b := range p.Boundaries(nil, s) {
		out = append(out, s[start:b])
		start = b
	}
	return append(out, s[start:])
}

// Boundaries appends to dst the byte offset in s of every phrase but the first, in order,
// and returns the extended slice.
func (p *Parser) Boundaries(dst []int, s string) []int {
	// For a title, everything fits in arrays on the stack.
	var (
		offA [64]int
		rsA  [64]rune
		uniA [64][6]int32
		biA  [64][3]int32
		triA [64][4]int32
	)
	off, rs := offA[:0], rsA[:0]
	for i, r := range s {
		off, rs = append(off, i), append(rs, r)
	}
	n := len(rs)
	uni, bi, tri := uniA[:], biA[:], triA[:]
	if n > len(uniA) {
		uni, bi, tri = make([][6]int32, n), make([][3]int32, n), make([][4]int32, n)
	}
	for j := range n {
		uni[j] = p.uni[pack(rs[j])]
		if j+2 <= n {
			bi[j] = p.bi[pack(rs[j], rs[j+1])]
		}
		if j+3 <= n {
			tri[j] = p.tri[pack(rs[j], rs[j+1], rs[j+2])]
		}
	}
	// The gap before rune i: unigrams at i-3+k, bigrams at i-2+k, trigrams at i-3+k,
	// each weighted by the k-th group of its kind; windows that leave s count nothing.
	for i := 1; i < n; i++ {
		var score int64
		for k := range 6 {
			if j := i - 3 + k; j >= 0 && j < n {
				score += int64(uni[j][k])
			}
		}
		for k := range 3 {
			if j := i - 2 + k; j >= 0 && j+2 <= n {
				score += int64(bi[j][k])
			}
		}
		for k := range 4 {
			if j := i - 3 + k; j >= 0 && j+3 <= n {
				score += int64(tri[j][k])
			}
		}
		if 2*score > p.total {
			dst = append(dst, off[i])
		}
	}
	return dst
}
