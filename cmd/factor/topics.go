package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// readVocab reads the names of the m columns of X from file, one a line.
func readVocab(file string, m int) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	text := strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	var terms []string
	if text != "" {
		terms = strings.Split(text, "\n")
	}
	if len(terms) != m {
		return nil, fmt.Errorf("%s has %d terms, but the data has %d columns: want one term per column", file, len(terms), m)
	}
	return terms, nil
}

// printTopics prints the n terms of largest weight in each component, a
// row of h, as "topic 1: term term ...".
func printTopics(w io.Writer, h *mat.Dense, vocab []string, n int) {
	k, m := h.Dims()
	order := make([]int, m)
	for c := range k {
		comp := h.RawRowView(c)
		for j := range order {
			order[j] = j
		}
		slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(comp[b], comp[a]) })
		terms := make([]string, min(n, m))
		for i := range terms {
			terms[i] = vocab[order[i]]
		}
		fmt.Fprintf(w, "topic %d: %s\n", c+1, strings.Join(terms, " "))
	}
}
