package searchindex

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
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
const Version = 1

// MaxGrams is the most grams a query's candidates are looked up by: a
// longer query is narrowed by some of its grams and checked by its text.
const MaxGrams = 8

// Sizes of the shards: a gram shard holds about gramShardBytes of
// postings; the documents come in one file while all their texts fit in
// smallSiteBytes (the first search then needs one document file), else in
// files of about docShardBytes.
const (
	gramShardBytes = 8 << 10
	smallSiteBytes = 48 << 10
	docShardBytes  = 8 << 10
)

// Meta is meta.json.
type Meta struct {
	Version int `json:"v"`
	// Grams is the number of gram shards (g/0.json … g/Grams-1.json).
	Grams int `json:"grams"`
	// Docs holds the id of the first document of each document shard.
	Docs []int `json:"docs"`
	// Count is the number of documents.
	Count int `json:"count"`
}

// ShardOf returns the gram shard of a gram among n: FNV-1a over its code
// points, as search.js computes it.
func ShardOf(gram string, n int) int {
	h := uint32(2166136261)
	for _, r := range gram {
		h ^= uint32(r)
		h *= 16777619
	}
	return int(h % uint32(n))
}

// Grams returns the distinct grams of a normalised text: each character
// and each pair of adjacent characters.
func Grams(norm string) []string {
	rs := []rune(norm)
	seen := make(map[string]struct{}, 2*len(rs))
	out := make([]string, 0, 2*len(rs))
	for i := range rs {
		for _, g := range []string{string(rs[i : i+1]), pairAt(rs, i)} {
			if _, ok := seen[g]; g != "" && !ok {
				seen[g] = struct{}{}
				out = append(out, g)
			}
		}
	}
	return out
}

func pairAt(rs []rune, i int) string {
	if i+1 >= len(rs) {
		return ""
	}
	return string(rs[i : i+2])
}

// QueryGrams returns the grams a query's words are looked up by: a
// one-character word by itself, a longer one by its bigrams, first the
// first and last of each word, then those between, at most MaxGrams.
func QueryGrams(words []string) []string {
	var first, rest []string
	for _, w := range words {
		rs := []rune(w)
		if len(rs) == 1 {
			first = append(first, w)
			continue
		}
		last := len(rs) - 2
		first = append(first, string(rs[0:2]), string(rs[last:last+2]))
		for i := 1; i < last; i++ {
			rest = append(rest, string(rs[i:i+2]))
		}
	}
	var out []string
	for _, g := range append(first, rest...) {
		if len(out) == MaxGrams {
			break
		}
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// Build returns the files of the index of docs, by path under search/;
// a document's id is its place in docs.
func Build(docs []Doc) map[string][]byte {
	postings := map[string][]int{}
	total := 0
	for id, d := range docs {
		for _, g := range Grams(Normalize(d.Text)) {
			postings[g] = append(postings[g], id)
		}
		total += len(d.Text)
	}
	files := map[string][]byte{}
	meta := Meta{Version: Version, Count: len(docs)}
	meta.Grams = buildGramShards(files, postings)
	meta.Docs = buildDocShards(files, docs, total)
	b, _ := json.Marshal(meta)
	files["meta.json"] = append(b, '\n')
	return files
}

// buildGramShards adds g/K.json to files and returns their number.
func buildGramShards(files map[string][]byte, postings map[string][]int) int {
	grams := make([]string, 0, len(postings))
	size := 0
	for g, ids := range postings {
		grams = append(grams, g)
		size += len(g) + 4 + 2*len(ids)
	}
	slices.Sort(grams)
	n := max(1, (size+gramShardBytes-1)/gramShardBytes)
	bufs := make([]bytes.Buffer, n)
	for _, g := range grams {
		b := &bufs[ShardOf(g, n)]
		if b.Len() == 0 {
			b.WriteByte('{')
		} else {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(g)
		b.Write(key)
		b.WriteString(":[")
		prev := 0
		for i, id := range postings[g] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(id - prev))
			prev = id
		}
		b.WriteByte(']')
	}
	for k := range bufs {
		if bufs[k].Len() == 0 {
			bufs[k].WriteByte('{')
		}
		bufs[k].WriteString("}\n")
		files[fmt.Sprintf("g/%d.json", k)] = bufs[k].Bytes()
	}
	return n
}

// buildDocShards adds d/K.json to files and returns the first id of each.
func buildDocShards(files map[string][]byte, docs []Doc, total int) []int {
	limit := docShardBytes
	if total <= smallSiteBytes {
		limit = math.MaxInt
	}
	var starts []int
	var b bytes.Buffer
	flush := func() {
		if b.Len() > 0 {
			b.WriteString("]\n")
			files[fmt.Sprintf("d/%d.json", len(starts)-1)] = bytes.Clone(b.Bytes())
			b.Reset()
		}
	}
	for id, d := range docs {
		if b.Len() == 0 || b.Len() >= limit {
			flush()
			starts = append(starts, id)
			b.WriteByte('[')
		} else {
			b.WriteByte(',')
		}
		row, _ := json.Marshal([]string{d.URL, d.Title, d.Section, d.Date, d.Text})
		b.Write(row)
	}
	flush()
	if starts == nil {
		starts = []int{}
	}
	return starts
}
