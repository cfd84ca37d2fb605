package main

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// maxVocabLine is the longest line readVocab accepts, in bytes: a name of
// a column is short, and a file that is no list of names, such as
// /dev/zero, fails there instead of filling memory.
const maxVocabLine = 1 << 20

// readVocab reads the names of the m columns of X from file, one a line.
// A line may hold maxVocabLine bytes, its line end not counted.
func readVocab(file string, m int) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, maxVocabLine+len("\r\n"))
	var terms []string
	n := 0 // lines read
	tooLong := func() error { return fmt.Errorf("%s:%d: line longer than %d MiB", file, n, maxVocabLine>>20) }
	for sc.Scan() {
		if n++; len(sc.Bytes()) > maxVocabLine {
			return nil, tooLong()
		}
		if n <= m { // count the others, without holding them
			terms = append(terms, sc.Text())
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		n++
		return nil, tooLong()
	} else if err != nil {
		return nil, err
	}
	if n != m {
		return nil, fmt.Errorf("%s has %d terms, but the data has %d columns: want one term per column", file, n, m)
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
