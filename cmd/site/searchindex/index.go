package searchindex

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/smelisting/alliance/cmd/site/parallel"
)

// Doc is one search result: a page, or an article of the charter (its URL
// then ends in the article's anchor).
type Doc struct {
	URL     string
	Title   string
	Section string // 章程, 活动, 新闻 …
	Date    string // of an event, as 2026年5月20日; "" for others
	// Text is the visible text, runs of whitespace as one space.
	Text string
}

// Version is the index format's version, in meta.json.
const Version = 2

// MaxGrams is the most grams a query's candidates are looked up by: a
// longer query is narrowed by some of its grams and checked by its text.
const MaxGrams = 8

// Sizes: the documents come in files (blocks) of about blockBytes of
// text, or in one file while all their texts fit in smallSiteBytes (the
// search then reads that one file and needs no grams); a gram shard holds
// about gramShardBytes of postings.
// (Variables for the golden test of a small index.)
var (
	blockBytes     = 4 << 10
	smallSiteBytes = 48 << 10
	gramShardBytes = 8 << 10
)

// Meta is meta.json.
type Meta struct {
	Version int `json:"v"`
	// Grams is the number of gram shards (g/0.json … g/Grams-1.json), 0
	// when the documents are in one block.
	Grams int `json:"grams"`
	// Blocks is the number of document files (d/0.json …).
	Blocks int `json:"blocks"`
	// Count is the number of documents.
	Count int `json:"count"`
}

// Build returns the files of the index of docs, by path under search/.
// The documents keep their order, in blocks; a gram's postings are the
// blocks that hold it, as ascending deltas.
func Build(docs []Doc) map[string][]byte {
	blocks := splitBlocks(docs)
	files := make(map[string][]byte, len(blocks)+1)
	meta := Meta{Version: Version, Blocks: len(blocks), Count: len(docs)}
	if len(blocks) > 1 {
		meta.Grams = buildGramShards(files, blocks) // and the blocks' files
	} else {
		files["d/0.json"] = blockJSON(blocks[0], nil)
	}
	b, _ := json.Marshal(meta)
	files["meta.json"] = append(b, '\n')
	return files
}

// splitBlocks cuts docs into blocks of about blockBytes of text, or one
// block for a small site.
func splitBlocks(docs []Doc) [][]Doc {
	total := 0
	for _, d := range docs {
		total += len(d.Text)
	}
	if total <= smallSiteBytes {
		return [][]Doc{docs}
	}
	var blocks [][]Doc
	start, size := 0, 0
	for i, d := range docs {
		size += len(d.URL) + len(d.Title) + len(d.Text)
		if size >= blockBytes || i == len(docs)-1 {
			blocks = append(blocks, docs[start:i+1])
			start, size = i+1, 0
		}
	}
	return blocks
}

// blockJSON is a document file: [[url, title, section, date, text], …],
// as json.Marshal writes it. plain (if not nil) tells for each document
// whether its text is known to need no escape.
func blockJSON(docs []Doc, plain []bool) []byte {
	n := 16
	for _, d := range docs {
		n += len(d.URL) + len(d.Title) + len(d.Section) + len(d.Date) + len(d.Text) + 16
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, d := range docs {
		if i > 0 {
			b = append(b, ',')
		}
		for j, f := range [...]string{d.URL, d.Title, d.Section, d.Date} {
			b = append(b, "[,"[min(j, 1)]) // [ before the first field, else ,
			b = appendJSONString(b, f)
		}
		b = append(b, ',')
		if plain != nil && plain[i] {
			b = append(b, '"')
			b = append(b, d.Text...)
			b = append(b, '"')
		} else {
			b = appendJSONString(b, d.Text)
		}
		b = append(b, ']')
	}
	return append(b, "]\n"...)
}

// appendJSONString appends s quoted as json.Marshal quotes it: as it is
// unless it has a character to escape (or is not UTF-8), which a Chinese
// text seldom has.
func appendJSONString(b []byte, s string) []byte {
	if !needsEscape(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// needsEscape reports whether json.Marshal writes s other than between
// quotes: control characters, '"', '\\', HTML's <, > and &, U+2028 and
// U+2029 and invalid UTF-8.
func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		switch escapeByte[s[i]] {
		case 0:
		case mayEscape: // the first byte of U+2028 and U+2029, among others
			if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
				return true
			}
		default:
			return true
		}
	}
	return !utf8.ValidString(s)
}

// escapeByte tells for each byte whether json.Marshal escapes it
// (mustEscape) or it may start a character that it escapes (mayEscape).
var escapeByte = func() (t [256]byte) {
	for c := range 0x20 {
		t[c] = mustEscape
	}
	for _, c := range `"\<>&` {
		t[c] = mustEscape
	}
	t[0xE2] = mayEscape
	return t
}()

const (
	mustEscape = 1 + iota
	mayEscape
)

// gram is a character (second rune noRune) or a pair of characters of a
// normalised text, packed for sorting and hashing.
type gram uint64

const noRune = 0xFFFFFFFF

func (g gram) String() string {
	if uint32(g) == noRune {
		return string(rune(g >> 32))
	}
	return string(rune(g>>32)) + string(rune(uint32(g)))
}

// shard is ShardOf(g.String(), n) without the string.
func (g gram) shard(n int) int {
	h := (2166136261 ^ uint32(g>>32)) * 16777619
	if uint32(g) != noRune {
		h = (h ^ uint32(g)) * 16777619
	}
	return int(h % uint32(n))
}

// gramRun is the grams of a run of consecutive blocks, one worker's.
type gramRun struct {
	first int      // the run's first block
	grams [][]gram // each block's distinct grams
	files [][]byte // each block's file (blockJSON)
}

// readRun reads blocks[lo:hi], each text once: it returns, per block, its
// grams (its characters and the pairs of characters next to each other,
// each once) and its file.
func readRun(blocks [][]Doc, lo, hi int) gramRun {
	var set gramSet
	var arena gramArena
	run := gramRun{first: lo, grams: make([][]gram, 0, hi-lo), files: make([][]byte, 0, hi-lo)}
	var plain []bool // for each document of a block: its text needs no escape in JSON
	for _, docs := range blocks[lo:hi] {
		set.reset()
		plain = plain[:0]
		for _, d := range docs {
			plain = append(plain, set.addText(d.Text))
		}
		run.grams = append(run.grams, arena.copy(set.list))
		run.files = append(run.files, blockJSON(docs, plain))
	}
	return run
}

// gramArena hands out room for grams from large allocations, to keep the
// grams of all blocks with few allocations and no copying over.
type gramArena struct{ free []gram }

// copy returns a copy of gs.
func (a *gramArena) copy(gs []gram) []gram {
	if len(a.free) < len(gs) {
		a.free = make([]gram, max(len(gs), 1<<16))
	}
	out := a.free[:len(gs):len(gs)]
	copy(out, gs)
	a.free = a.free[len(gs):]
	return out
}

// addText adds the grams of a text, normalised, and reports whether
// json.Marshal writes the text as it is.
func (s *gramSet) addText(text string) (plain bool) {
	rs, plain := s.runes[:0], true
	for t := text; len(t) > 0; {
		if r, isHan := han(t); isHan { // Fold's commonest case, inline
			rs = append(rs, r)
			t = t[3:]
			continue
		}
		r, n := utf8.DecodeRuneInString(t)
		t = t[n:]
		// utf8.RuneError also stands for invalid UTF-8
		plain = plain && jsonPlain(r) && r != utf8.RuneError
		rs = Fold(rs, r)
	}
	for i, r := range rs {
		s.addChar(r)
		if i > 0 {
			s.add(gram(rs[i-1])<<32 | gram(r))
		}
	}
	s.runes = rs
	return plain
}

// han decodes the character at the start of t if it is a CJK Unified
// Ideograph of U+4E00 … U+9FFF (three bytes, the first E4 … E9: none of
// UTF-8's special cases), which Fold keeps as it is.
func han(t string) (rune, bool) {
	if len(t) < 3 || t[0] < 0xE4 || t[0] > 0xE9 || t[1]&0xC0 != 0x80 || t[2]&0xC0 != 0x80 {
		return 0, false
	}
	r := rune(t[0]&0x0F)<<12 | rune(t[1]&0x3F)<<6 | rune(t[2]&0x3F)
	return r, r >= 0x4E00
}

// gramSet is the set of the grams of a block by open addressing, and of
// its characters of the Basic Multilingual Plane by a stamp each: grams go
// in a few million times per build, where a map costs four times as much.
type gramSet struct {
	slots []gram   // 0 is empty (no gram is 0: its second half is a rune or noRune)
	used  []uint32 // the slots taken, to empty them
	list  []gram   // the grams, in the order added
	chars []uint32 // by character: the stamp of the block that holds it
	stamp uint32   // this block's, as a character's in chars
	runes []rune   // room for a normalised text
}

// addChar adds the gram of the single character r.
func (s *gramSet) addChar(r rune) {
	if r >= 0x10000 || r < 0 {
		s.add(gram(r)<<32 | noRune)
		return
	}
	if s.chars[r] != s.stamp {
		s.chars[r] = s.stamp
		s.list = append(s.list, gram(r)<<32|noRune)
	}
}

func (s *gramSet) add(g gram) {
	if 2*len(s.used) >= len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := (uint64(g) * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case g:
			return
		case 0:
			s.slots[i] = g
			s.used = append(s.used, uint32(i))
			s.list = append(s.list, g)
			return
		}
	}
}

// reset empties the set, keeping its room.
func (s *gramSet) reset() {
	for _, i := range s.used {
		s.slots[i] = 0
	}
	s.used, s.list = s.used[:0], s.list[:0]
	if s.chars == nil {
		s.chars = make([]uint32, 0x10000)
	}
	s.stamp++
	if s.stamp == 0 { // wrapped: no stale stamp may equal the new one
		clear(s.chars)
		s.stamp = 1
	}
}

func (s *gramSet) grow() {
	old := s.slots
	s.slots = make([]gram, max(4096, 2*len(s.slots)))
	s.used = s.used[:0]
	mask := uint64(len(s.slots) - 1)
	for _, g := range old {
		if g == 0 {
			continue
		}
		i := (uint64(g) * 0x9E3779B97F4A7C15) >> 32 & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = g
		s.used = append(s.used, uint32(i))
	}
}

// buildGramShards adds d/B.json and g/K.json to files and returns the
// number of gram shards. Each worker reads a run of consecutive blocks;
// the (gram, block) pairs are then put in order of shard by a counting
// sort, run after run (so blocks ascend within a shard), and each shard's
// postings are grouped and written, all in parallel and without maps or a
// slice per gram.
func buildGramShards(files map[string][]byte, blocks [][]Doc) int {
	if len(blocks) > maxBlocks {
		panic("searchindex: too many blocks")
	}
	ctx := context.Background()
	workers := runtime.GOMAXPROCS(0)
	runs := make([]gramRun, min(workers, len(blocks)))
	_ = parallel.For(ctx, len(runs), len(runs), func(w int) error {
		runs[w] = readRun(blocks, w*len(blocks)/len(runs), (w+1)*len(blocks)/len(runs))
		return nil
	})
	pairs := 0
	for _, r := range runs {
		for _, gs := range r.grams {
			pairs += len(gs)
		}
	}
	n := max(1, pairs*3/gramShardBytes) // about 3 bytes a posting, with its share of the keys
	byShard, start := placePairs(runs, pairs, n)
	out := make([][]byte, n)
	_ = parallel.For(ctx, workers, n, func(k int) error {
		out[k] = shardJSON(byShard[start[k]:start[k+1]])
		return nil
	})
	for k, data := range out {
		files[fmt.Sprintf("g/%d.json", k)] = data
	}
	for _, r := range runs {
		for i, data := range r.files {
			files[fmt.Sprintf("d/%d.json", r.first+i)] = data
		}
	}
	return n
}

// placePairs returns the (gram, block) pairs of the runs in order of shard
// among n, runs in turn within a shard (so blocks ascend), and where each
// shard's pairs start (start[n] is their number): a counting sort, each run
// counted and placed by a worker of its own.
func placePairs(runs []gramRun, pairs, n int) (byShard []posting, start []int) {
	ctx := context.Background()
	// next[w][k] is where run w's pairs of shard k go in byShard.
	next := make([][]int, len(runs))
	_ = parallel.For(ctx, len(runs), len(runs), func(w int) error {
		next[w] = make([]int, n)
		for _, gs := range runs[w].grams {
			for _, g := range gs {
				next[w][g.shard(n)]++
			}
		}
		return nil
	})
	start = make([]int, n+1)
	at := 0
	for k := range n {
		start[k] = at
		for w := range runs {
			c := next[w][k]
			next[w][k] = at
			at += c
		}
	}
	start[n] = at
	byShard = make([]posting, pairs)
	_ = parallel.For(ctx, len(runs), len(runs), func(w int) error {
		r, next := runs[w], next[w]
		for i, gs := range r.grams {
			for _, g := range gs {
				k := g.shard(n)
				byShard[next[k]] = newPosting(g, r.first+i)
				next[k]++
			}
		}
		return nil
	})
	return byShard, start
}

// posting is a gram in a block, packed so that postings sort by gram,
// then block: the gram's first rune, its second (or 0x1FFFFF for none),
// the block, in 21 bits each.
type posting uint64

// maxBlocks is the most blocks a posting holds.
const maxBlocks = 1 << 21

func newPosting(g gram, b int) posting {
	second := posting(uint32(g))
	if uint32(g) == noRune {
		second = 0x1FFFFF
	}
	return posting(g>>32)<<42 | second<<21 | posting(b)
}

// gram returns the gram.
func (p posting) gram() gram {
	second := gram(p >> 21 & 0x1FFFFF)
	if second == 0x1FFFFF {
		second = noRune
	}
	return gram(p>>42)<<32 | second
}

// block returns the block.
func (p posting) block() int32 { return int32(p & 0x1FFFFF) }

// shardJSON is a gram shard: {"gram": [first block, delta, delta …], …},
// its grams in order, of its postings, which come in order of block.
func shardJSON(ps []posting) []byte {
	gr := groupers.Get().(*grouper)
	defer groupers.Put(gr)
	ps = gr.group(ps)
	b := make([]byte, 0, len(ps)*4+64)
	b = append(b, '{')
	for i := 0; i < len(ps); {
		g := ps[i] >> 21
		if i > 0 {
			b = append(b, ',')
		}
		b = appendGram(b, ps[i].gram())
		b = append(b, ":["...)
		j := i
		for prev := int32(0); j < len(ps) && ps[j]>>21 == g; j++ {
			if j > i {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(ps[j].block()-prev), 10)
			prev = ps[j].block()
		}
		i = j
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

// appendGram appends the gram quoted for JSON.
func appendGram(b []byte, g gram) []byte {
	first, second := rune(g>>32), rune(uint32(g))
	if !jsonPlain(first) || uint32(g) != noRune && !jsonPlain(second) {
		return append(b, jsonString(g.String())...)
	}
	b = append(b, '"')
	b = utf8.AppendRune(b, first)
	if uint32(g) != noRune {
		b = utf8.AppendRune(b, second)
	}
	return append(b, '"')
}

// jsonPlain reports whether json.Marshal writes r as it is.
func jsonPlain(r rune) bool {
	return r >= 0x20 && r != '"' && r != '\\' && r != '<' && r != '>' && r != '&' && r != 0x2028 && r != 0x2029 && utf8.ValidRune(r)
}

// groupers are the groupers shardJSON reuses.
var groupers = sync.Pool{New: func() any { return new(grouper) }}

// grouper puts postings in order of gram, keeping their order within a
// gram: what sorting them does when they come in order of block, at a
// fraction of its cost (a shard holds a few thousand postings of a few
// hundred grams).
type grouper struct {
	slots []int32   // open addressing: 1 + the index of a gram in grams, 0 empty
	grams []posting // the distinct grams (a posting's gram bits), then sorted with their index
	count []int32   // postings of each gram, then where its postings start
	of    []int32   // the gram index of each posting
	out   []posting
}

// group returns ps in order of gram, in a slice it reuses.
func (gr *grouper) group(ps []posting) []posting {
	size := 1
	for size < 2*len(ps) {
		size *= 2
	}
	gr.slots = slices.Grow(gr.slots[:0], size)[:size]
	clear(gr.slots)
	gr.grams, gr.count, gr.of = gr.grams[:0], gr.count[:0], slices.Grow(gr.of[:0], len(ps))[:len(ps)]
	mask := uint64(size - 1)
	for k, p := range ps {
		g := p >> 21
		i := (uint64(g) * 0x9E3779B97F4A7C15) >> 32 & mask
		for gr.slots[i] != 0 && gr.grams[gr.slots[i]-1] != g {
			i = (i + 1) & mask
		}
		if gr.slots[i] == 0 {
			gr.grams = append(gr.grams, g)
			gr.count = append(gr.count, 0)
			gr.slots[i] = int32(len(gr.grams))
		}
		x := gr.slots[i] - 1
		gr.of[k] = x
		gr.count[x]++
	}
	// Sort the grams, each with its index in the low bits (a gram has 42
	// bits, a shard fewer than 1<<21 grams), and turn counts into starts.
	for x, g := range gr.grams {
		gr.grams[x] = g<<21 | posting(x)
	}
	slices.Sort(gr.grams)
	at := int32(0)
	for _, g := range gr.grams {
		x := g & 0x1FFFFF
		n := gr.count[x]
		gr.count[x] = at
		at += n
	}
	gr.out = slices.Grow(gr.out[:0], len(ps))[:len(ps)]
	for k, p := range ps {
		x := gr.of[k]
		gr.out[gr.count[x]] = p
		gr.count[x]++
	}
	return gr.out
}

// jsonString quotes s for JSON, with a fast path for a printable gram
// that needs no escape.
func jsonString(s string) []byte {
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' || r == '<' || r == '>' || r == '&' || r == utf8.RuneError || r == 0x2028 || r == 0x2029 {
			b, _ := json.Marshal(s)
			return b
		}
	}
	return []byte(`"` + s + `"`)
}
