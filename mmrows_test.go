package factor_test

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/factorgo/factor"
)

// rowOrderedFile writes a coordinate file of a random rows×cols matrix in
// row order, with the columns of each row shuffled, some entries split in
// two (duplicates, to be summed), empty rows, comments and blank lines.
func rowOrderedFile(rng *rand.Rand, rows, cols int) string {
	var entries []string
	for i := 1; i <= rows; i++ {
		if rng.IntN(4) == 0 {
			continue // an empty row
		}
		var row []string
		for j := 1; j <= cols; j++ {
			if rng.IntN(3) != 0 {
				continue
			}
			v := float64(rng.IntN(1000)) / 8
			if rng.IntN(5) == 0 {
				row = append(row, fmt.Sprintf("%d %d %g", i, j, v/2), fmt.Sprintf("%d %d %g", i, j, v-v/2))
			} else {
				row = append(row, fmt.Sprintf("%d %d %g", i, j, v))
			}
		}
		rng.Shuffle(len(row), func(a, b int) { row[a], row[b] = row[b], row[a] })
		entries = append(entries, row...)
		if rng.IntN(6) == 0 {
			entries = append(entries, "% a comment", "")
		}
	}
	return fmt.Sprintf("%%%%MatrixMarket matrix coordinate real general\n%% made by the test\n%d %d %d\n%s\n",
		rows, cols, len(strings.Fields(strings.Join(filterEntries(entries), "\n")))/3, strings.Join(entries, "\n"))
}

func filterEntries(lines []string) []string {
	var out []string
	for _, l := range lines {
		if l != "" && l[0] != '%' {
			out = append(out, l)
		}
	}
	return out
}

// TestMatrixMarketRowReader: read in blocks of every size from 1 to past
// the end, a row-ordered file gives, block after block, exactly the rows of
// ReadMatrixMarket's matrix of the same file (its values the same bits,
// duplicates summed in file order), and then io.EOF.
func TestMatrixMarketRowReader(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, shape := range [][2]int{{1, 1}, {7, 5}, {30, 12}, {13, 1}} {
		file := rowOrderedFile(rng, shape[0], shape[1])
		whole, err := factor.ReadMatrixMarket(strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range []int{1, 2, 3, 7, shape[0], shape[0] + 5} {
			t.Run(fmt.Sprintf("%dx%d/block=%d", shape[0], shape[1], block), func(t *testing.T) {
				r := factor.NewMatrixMarketRowReader(strings.NewReader(file))
				if n, m, err := r.Dims(); err != nil || n != shape[0] || m != shape[1] {
					t.Fatalf("Dims: %d×%d, %v", n, m, err)
				}
				row := 0
				for {
					b, err := r.Next(block)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					n, m := b.Dims()
					if m != shape[1] || n != min(block, shape[0]-row) {
						t.Fatalf("block of %d×%d at row %d", n, m, row)
					}
					for i := range n {
						for j := range m {
							if got, want := b.At(i, j), whole.At(row+i, j); got != want {
								t.Fatalf("(%d, %d): %g, want %g", row+i, j, got, want)
							}
						}
					}
					row += n
				}
				if row != shape[0] {
					t.Errorf("blocks covered %d of %d rows", row, shape[0])
				}
				if _, err := r.Next(block); err != io.EOF {
					t.Errorf("after the end: %v, want io.EOF again", err)
				}
			})
		}
	}
}

// TestMatrixMarketRowReaderErrors: what cannot be read a row at a time,
// or is malformed, is an error wrapping ErrFormat (naming the line where
// there is one), returned by every later call too.
func TestMatrixMarketRowReaderErrors(t *testing.T) {
	const banner = "%%MatrixMarket matrix coordinate real general\n"
	for _, c := range []struct {
		name, file, want string
	}{
		{"out of row order", banner + "3 3 3\n1 1 1\n3 2 1\n2 2 1\n", "line 5: entry (2, 2) comes after an entry of row 3"},
		{"symmetric", "%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 1 1\n", "general coordinate file"},
		{"array", "%%MatrixMarket matrix array real general\n1 1\n1\n", "want a coordinate file"},
		{"too few entries", banner + "2 2 3\n1 1 1\n2 1 1\n", "want entry 3 of the 3 declared on line 2"},
		{"too many entries", banner + "2 2 1\n1 1 1\n2 2 1\n", "want end of file after the 1 entries"},
		{"bad value", banner + "2 2 1\n1 1 x\n", `want a real value, got "x"`},
		{"index out of range", banner + "2 2 1\n3 1 1\n", "row index 3: want 1 to 2"},
		{"bad banner", "%%MatrixMarket vector\n", "want banner"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := factor.NewMatrixMarketRowReader(strings.NewReader(c.file))
			var err error
			for range 10 {
				if _, err = r.Next(1); err != nil {
					break
				}
			}
			if !errors.Is(err, factor.ErrFormat) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want ErrFormat with %q", err, c.want)
			}
			if _, again := r.Next(1); again != err {
				t.Errorf("the next call: %v, want the same error", again)
			}
		})
	}
	if _, err := factor.NewMatrixMarketRowReader(strings.NewReader(banner + "1 1 0\n")).Next(0); !errors.Is(err, factor.ErrInvalidOption) {
		t.Errorf("Next(0): %v, want ErrInvalidOption", err)
	}
}

// TestMatrixMarketRowReaderHugeHeader: a file declaring 67108864 rows
// streams without holding them: its first block is a small CSR, and
// reading it allocates little, where ReadMatrixMarket needs 512 MiB.
func TestMatrixMarketRowReaderHugeHeader(t *testing.T) {
	file := "%%MatrixMarket matrix coordinate real general\n67108864 67108864 1\n2 5 1.5\n"
	r := factor.NewMatrixMarketRowReader(strings.NewReader(file))
	var b *factor.CSR
	var err error
	if n := bytesAllocated(func() { b, err = r.Next(4) }); err != nil || n > 1<<20 {
		t.Fatalf("first block: %v, %d bytes allocated", err, n)
	}
	if n, m := b.Dims(); n != 4 || m != 67108864 || b.At(1, 4) != 1.5 || b.NNZ() != 1 {
		t.Errorf("first block %d×%d with %d entries, (1, 4) = %g", n, m, b.NNZ(), b.At(1, 4))
	}
}

// TestMatrixMarketRowReaderHugeBlock: a block size near the int range,
// after a first block, returns the rest of the rows (row + n would
// overflow).
func TestMatrixMarketRowReaderHugeBlock(t *testing.T) {
	file := "%%MatrixMarket matrix coordinate real general\n3 2 2\n1 1 1\n3 2 2\n"
	r := factor.NewMatrixMarketRowReader(strings.NewReader(file))
	if _, err := r.Next(1); err != nil {
		t.Fatal(err)
	}
	b, err := r.Next(math.MaxInt)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Dims(); n != 2 || b.At(1, 1) != 2 {
		t.Errorf("the rest: %d rows, (1, 1) = %g; want 2 rows and 2", n, b.At(1, 1))
	}
}
