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
	k, _ := h.Dims()
	for c := range k {
		top := largest(h.RawRowView(c), n)
		terms := make([]string, len(top))
		for i, j := range top {
			terms[i] = vocab[j]
		}
		fmt.Fprintf(w, "topic %d: %s\n", c+1, strings.Join(terms, " "))
	}
}

// printRowTopics prints the n components of largest weight in each row of
// wm, leaving out weights of zero, as "row 1: topic 3 (0.52), topic 1
// (0.0417)", or "row 1: none" when every weight is zero.
func printRowTopics(w io.Writer, wm *mat.Dense, n int) {
	rows, _ := wm.Dims()
	for i := range rows {
		row := wm.RawRowView(i)
		var topics []string
		for _, c := range largest(row, n) {
			if row[c] > 0 {
				topics = append(topics, fmt.Sprintf("topic %d (%.3g)", c+1, row[c]))
			}
		}
		if topics == nil {
			topics = []string{"none"}
		}
		fmt.Fprintf(w, "row %d: %s\n", i+1, strings.Join(topics, ", "))
	}
}

// largest returns the indices of the n largest values of v, or of all of
// them when there are fewer, largest first and the first of equal ones
// first.
func largest(v []float64, n int) []int {
	order := make([]int, len(v))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(v[b], v[a]) })
	return order[:min(n, len(v))]
}
