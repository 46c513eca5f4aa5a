package searchindex

import (
	"bytes"
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
	files := map[string][]byte{}
	for b, blk := range blocks {
		files[fmt.Sprintf("d/%d.json", b)] = blockJSON(blk)
	}
	meta := Meta{Version: Version, Blocks: len(blocks), Count: len(docs)}
	if len(blocks) > 1 {
		meta.Grams = buildGramShards(files, blocks)
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
// as json.Marshal writes it.
func blockJSON(docs []Doc) []byte {
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
		for j, f := range [...]string{d.URL, d.Title, d.Section, d.Date, d.Text} {
			b = append(b, "[,"[min(j, 1)]) // [ before the first field, else ,
			b = appendJSONString(b, f)
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
		c := s[i]
		switch {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return true
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			return true
		}
	}
	return !utf8.ValidString(s)
}

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

// gramSets are the sets blockGrams reuses.
var gramSets = sync.Pool{New: func() any { return new(gramSet) }}

// blockGrams returns the distinct grams of the documents of a block.
func blockGrams(docs []Doc) []gram {
	set := gramSets.Get().(*gramSet)
	defer gramSets.Put(set)
	set.reset()
	var rs []rune
	for _, d := range docs {
		rs = rs[:0]
		for _, r := range d.Text {
			rs = Fold(rs, r)
		}
		for i := 1; i < len(rs); i++ {
			set.add(gram(rs[i-1])<<32 | gram(rs[i]))
		}
		if len(rs) > 0 { // the last character, which starts no pair
			set.add(gram(rs[len(rs)-1])<<32 | noRune)
		}
	}
	pairs := len(set.list)
	for _, g := range set.list[:pairs] { // each character starts a pair or is last
		if uint32(g) != noRune {
			set.add(g | noRune)
		}
	}
	return slices.Clone(set.list)
}

// gramSet is a set of grams by open addressing: a block's grams go in a
// few million times per build, where a map costs four times as much.
type gramSet struct {
	slots []gram // 0 is empty (no gram is 0: its second half is a rune or noRune)
	list  []gram // the grams, in the order added
}

func (s *gramSet) add(g gram) {
	if 2*len(s.list) >= len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := (uint64(g) * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case g:
			return
		case 0:
			s.slots[i] = g
			s.list = append(s.list, g)
			return
		}
	}
}

// reset empties the set, keeping its room.
func (s *gramSet) reset() {
	clear(s.slots)
	s.list = s.list[:0]
}

func (s *gramSet) grow() {
	s.slots = make([]gram, max(4096, 2*len(s.slots)))
	list := slices.Clone(s.list)
	s.list = s.list[:0]
	for _, g := range list {
		s.add(g)
	}
}

// buildGramShards adds g/K.json to files and returns their number. The
// grams of each block are found in parallel; then the (gram, block) pairs
// are put in order of shard by a counting sort (blocks ascending within
// a shard), and each shard's postings are gathered and written in
// parallel, without maps or a slice per gram.
func buildGramShards(files map[string][]byte, blocks [][]Doc) int {
	ctx := context.Background()
	workers := runtime.GOMAXPROCS(0)
	grams := make([][]gram, len(blocks))
	_ = parallel.For(ctx, workers, len(blocks), func(b int) error {
		grams[b] = blockGrams(blocks[b])
		return nil
	})
	pairs := 0
	for _, gs := range grams {
		pairs += len(gs)
	}
	n := max(1, pairs*3/gramShardBytes) // about 3 bytes a posting, with its share of the keys
	// start[k] is where shard k's pairs begin in byShard.
	start := make([]int, n+1)
	shardOf := make([]uint32, pairs)
	i := 0
	for _, gs := range grams {
		for _, g := range gs {
			k := g.shard(n)
			shardOf[i] = uint32(k)
			start[k+1]++
			i++
		}
	}
	for k := range n {
		start[k+1] += start[k]
	}
	if len(blocks) > maxBlocks {
		panic("searchindex: too many blocks")
	}
	byShard := make([]posting, pairs)
	next := slices.Clone(start[:n])
	i = 0
	for b, gs := range grams {
		for _, g := range gs {
			k := shardOf[i]
			byShard[next[k]] = newPosting(g, b)
			next[k]++
			i++
		}
	}
	out := make([][]byte, n)
	_ = parallel.For(ctx, workers, n, func(k int) error {
		out[k] = shardJSON(byShard[start[k]:start[k+1]])
		return nil
	})
	for k, data := range out {
		files[fmt.Sprintf("g/%d.json", k)] = data
	}
	return n
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
// its grams in order, of its postings.
func shardJSON(ps []posting) []byte {
	slices.Sort(ps)
	var b bytes.Buffer
	b.Grow(len(ps)*4 + 64)
	b.WriteByte('{')
	for i := 0; i < len(ps); {
		g := ps[i] >> 21
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(jsonString(ps[i].gram().String()))
		b.WriteString(":[")
		j := i
		for prev := int32(0); j < len(ps) && ps[j]>>21 == g; j++ {
			if j > i {
				b.WriteByte(',')
			}
			var num [12]byte
			b.Write(strconv.AppendInt(num[:0], int64(ps[j].block()-prev), 10))
			prev = ps[j].block()
		}
		i = j
		b.WriteByte(']')
	}
	b.WriteString("}\n")
	return b.Bytes()
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
