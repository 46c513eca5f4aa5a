package searchindex

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// Page is how many results a search shows before "显示更多结果".
const Page = 20

// Search runs a query on an index as search.js does for its first page of
// results, reading the index's files with read (by name under search/,
// "meta.json", "g/3.json" …). It returns the ids of the documents that hold
// every word among the candidates it checked, in the index's order (at
// least Page of them unless there are fewer; every candidate of a document
// file read is checked), and the names of the files it read: what the
// browser downloads.
//
// With the documents in one file (a small site), the grams would narrow
// the candidates to that one file: the search reads it alone.
func Search(read func(name string) ([]byte, error), query string) (ids []int, files []string, err error) {
	cache := map[string][]byte{}
	get := func(name string, v any) error {
		b, ok := cache[name]
		if !ok {
			files = append(files, name)
			if b, err = read(name); err != nil {
				return err
			}
			cache[name] = b
		}
		return json.Unmarshal(b, v)
	}
	words := Words(query)
	if len(words) == 0 {
		return nil, nil, nil
	}
	var meta Meta
	if err := get("meta.json", &meta); err != nil {
		return nil, files, fmt.Errorf("search: %w", err)
	}
	cands, err := candidateIDs(get, meta, words)
	if err != nil {
		return nil, files, fmt.Errorf("search: %w", err)
	}
	loaded := map[int][][]string{}
	for next := 0; next < len(cands) && len(ids) < Page; {
		var need []int // the document shards of as many candidates as results are missing
		for _, id := range cands[next:min(len(cands), next+Page-len(ids))] {
			if d := docShard(meta, id); !slices.Contains(need, d) {
				need = append(need, d)
			}
		}
		for _, d := range need {
			var rows [][]string
			if err := get(fmt.Sprintf("d/%d.json", d), &rows); err != nil {
				return nil, files, fmt.Errorf("search: %w", err)
			}
			loaded[d] = rows
		}
		for ; next < len(cands); next++ {
			id := cands[next]
			d := docShard(meta, id)
			rows, ok := loaded[d]
			if !ok {
				break
			}
			if Matches(Normalize(rows[id-meta.Docs[d]][4]), words) {
				ids = append(ids, id)
			}
		}
	}
	return ids, files, nil
}

// candidateIDs returns the ids of the documents that hold every gram the
// words are looked up by, ascending; all of them when the documents are in
// one file.
func candidateIDs(get func(string, any) error, meta Meta, words []string) ([]int, error) {
	if len(meta.Docs) == 1 {
		all := make([]int, meta.Count)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	var ids []int
	for i, g := range QueryGrams(words) {
		var shard map[string][]int
		if err := get(fmt.Sprintf("g/%d.json", ShardOf(g, meta.Grams)), &shard); err != nil {
			return nil, err
		}
		var mine []int
		id := 0
		for _, d := range shard[g] {
			id += d
			mine = append(mine, id)
		}
		if i == 0 {
			ids = mine
			continue
		}
		ids = slices.DeleteFunc(ids, func(x int) bool { _, found := slices.BinarySearch(mine, x); return !found })
	}
	return ids, nil
}

// docShard returns the document shard that holds id.
func docShard(meta Meta, id int) int {
	return sort.Search(len(meta.Docs), func(k int) bool { return meta.Docs[k] > id }) - 1
}
