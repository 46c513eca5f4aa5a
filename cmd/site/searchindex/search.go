package searchindex

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Page is how many results a search shows before "显示更多结果".
const Page = 10

// blocksAtOnce is how many document files a search reads in parallel.
const blocksAtOnce = 4

// MaxBlocks is how many document files a search reads for one page of
// results: a rare phrase whose grams occur apart in many blocks shows what
// it found (or that it found nothing yet) and reads on at the reader's
// "显示更多结果" or "继续查找", so that no page of results reads more than
// about 150 KB.
const MaxBlocks = 12

// ShardOf returns the gram shard of a gram among n: FNV-1a over its code
// points, as search.js computes it.
func ShardOf(g string, n int) int {
	h := uint32(2166136261)
	for _, r := range g {
		h ^= uint32(r)
		h *= 16777619
	}
	return int(h % uint32(n))
}

// QueryGrams returns the grams a query's words are looked up by: a
// one-character word by itself, a longer one by its bigrams, first the
// first and last of each word, then those between, the words' in turn (a
// short word's third bigram before a long word's fifth), at most MaxGrams.
func QueryGrams(words []string) []string {
	var first, rest []string
	var middles [][]string // of each word
	for _, w := range words {
		rs := []rune(w)
		if len(rs) == 1 {
			first = append(first, w)
			continue
		}
		last := len(rs) - 2
		first = append(first, string(rs[0:2]), string(rs[last:last+2]))
		var mid []string
		for i := 1; i < last; i++ {
			mid = append(mid, string(rs[i:i+2]))
		}
		middles = append(middles, mid)
	}
	for i := 0; ; i++ { // the words' middles in turn: a short word's too
		n := len(rest)
		for _, mid := range middles {
			if i < len(mid) {
				rest = append(rest, mid[i])
			}
		}
		if len(rest) == n {
			break
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

// Result is a document a search found: its block and place in it.
type Result struct{ Block, Index int }

// Search runs a query on an index as search.js does for its first page of
// results, reading the index's files with read (by name under search/:
// "meta.json", "g/3.json" …). It returns the documents that hold every
// word in the blocks it read, in the index's order, and the names of the
// files it read: what the browser downloads. It reads the candidate
// blocks (those holding every gram looked up; the one block of a small
// site) four at a time until it has Page results, or has read MaxBlocks
// blocks (with or without a result: a query whose grams narrow little reads
// on at the reader's "继续查找"), or no candidate is left.
func Search(read func(name string) ([]byte, error), query string) (found []Result, files []string, err error) {
	get := func(name string, v any) error {
		files = append(files, name)
		b, err := read(name)
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		return json.Unmarshal(b, v)
	}
	words := Words(query)
	if len(words) == 0 {
		return nil, nil, nil
	}
	var meta Meta
	if err := get("meta.json", &meta); err != nil {
		return nil, files, err
	}
	blocks, err := candidateBlocks(get, meta, words)
	if err != nil {
		return nil, files, err
	}
	for start := 0; start < len(blocks); start += blocksAtOnce {
		if len(found) >= Page || start >= MaxBlocks {
			break
		}
		for _, b := range blocks[start:min(start+blocksAtOnce, len(blocks))] {
			var rows [][]string
			if err := get(fmt.Sprintf("d/%d.json", b), &rows); err != nil {
				return nil, files, err
			}
			for i, row := range rows {
				if Matches(Normalize(row[4]), words) {
					found = append(found, Result{b, i})
				}
			}
		}
	}
	return found, files, nil
}

// candidateBlocks returns the blocks that hold every gram the words are
// looked up by, ascending; the one block of a small site.
func candidateBlocks(get func(string, any) error, meta Meta, words []string) ([]int, error) {
	if meta.Grams == 0 {
		return []int{0}, nil
	}
	var blocks []int
	read := map[int]map[string][]int{}
	for i, g := range QueryGrams(words) {
		k := ShardOf(g, meta.Grams)
		if read[k] == nil {
			var shard map[string][]int
			if err := get(fmt.Sprintf("g/%d.json", k), &shard); err != nil {
				return nil, err
			}
			read[k] = shard
		}
		var mine []int
		b := 0
		for _, d := range read[k][g] {
			b += d
			mine = append(mine, b)
		}
		if i == 0 {
			blocks = mine
			continue
		}
		blocks = slices.DeleteFunc(blocks, func(x int) bool { _, found := slices.BinarySearch(mine, x); return !found })
	}
	return blocks, nil
}
