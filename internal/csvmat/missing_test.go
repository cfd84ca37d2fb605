package csvmat

import (
	"math"
	"strings"
	"testing"
)

// nan marks a missing entry in the rows a test wants.
var nan = math.NaN()

// checkMissing reads in with ReadMissing and compares the matrix, the
// header and the lines with what they should be.
func checkMissing(t *testing.T, in string, rows [][]float64, header []string, lines []int) {
	t.Helper()
	m, err := ReadMissing("in", strings.NewReader(in))
	if err != nil {
		t.Fatalf("ReadMissing(%q): %v", in, err)
	}
	check(t, in, m, rows, header, lines)
}

// wantMissingErrors checks that each input fails to read with ReadMissing
// with its message.
func wantMissingErrors(t *testing.T, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		if _, err := ReadMissing("in", strings.NewReader(in)); err == nil || err.Error() != want {
			t.Errorf("ReadMissing(%q) error = %v, want %q", in, err, want)
		}
	}
}

// TestMissingSpellings reads the fields that are missing values: empty
// or white space, quoted or not, and NA and NaN in any case.
func TestMissingSpellings(t *testing.T) {
	in := "1,,3\nNA,5,nan\n NaN ,\"\",7\nna,NAN, \n\"NA\",8, 9 \n"
	checkMissing(t, in, [][]float64{{1, nan, 3}, {nan, 5, nan}, {nan, nan, 7}, {nan, nan, nan}, {nan, 8, 9}}, nil, []int{1, 2, 3, 4, 5})

	// A row of only missing values after the first is a row.
	in = "1,2\n,\n3,4\n"
	checkMissing(t, in, [][]float64{{1, 2}, {nan, nan}, {3, 4}}, nil, []int{1, 2, 3})

	// No other spelling, not even those other programs write.
	const why = "is not a finite number nor a missing value (empty, NA or NaN)"
	cases := map[string]string{}
	for _, f := range []string{"?", "N/A", "#N/A", "null", "None", "-nan", "+NaN", "inf", "-Inf", "1e999", "NaNa", "N A"} {
		cases["1,2\n3,"+f+"\n"] = `in:2: column 2: "` + f + `" ` + why
	}
	cases["1,2\n3,0x1p4\n"] = `in:2: column 2: "0x1p4" is not a decimal number`
	cases["1,2\n3,4;5\n"] = `in:2: column 2: "4;5" is not a number (separate fields with commas)`
	wantMissingErrors(t, cases)
}

// TestMissingHeader checks the header rule with missing values: a missing
// field is neither a name nor a number, so that a row with missing values
// is never read as a header, and a first line of nothing but missing
// values is an error.
func TestMissingHeader(t *testing.T) {
	// Rows whose other fields are numbers, which Read takes for a header
	// ("NaN,NA") or refuses ("1,,3", "NaN,2").
	for in, rows := range map[string][][]float64{
		"1,,3\n4,5,6\n":     {{1, nan, 3}, {4, 5, 6}},
		"NaN,2\n3,4\n":      {{nan, 2}, {3, 4}},
		" na ,NaN,7\n8,,\n": {{nan, nan, 7}, {8, nan, nan}},
		"\ufeffNA,1\n2,3\n": {{nan, 1}, {2, 3}},
	} {
		checkMissing(t, in, rows, nil, []int{1, 2})
	}

	// Headers whose other fields are names: the missing ones are names
	// too, kept as written.
	checkMissing(t, "a,,c\n1,NA,3\n", [][]float64{{1, nan, 3}}, []string{"a", "", "c"}, []int{2})
	checkMissing(t, "x,NaN,y\n,2,3\n", [][]float64{{nan, 2, 3}}, []string{"x", "NaN", "y"}, []int{2})
	checkMissing(t, "x\nNA\n1\n", [][]float64{{nan}, {1}}, []string{"x"}, []int{2, 3})
	checkMissing(t, "a,inf\n1,NA\n", [][]float64{{1, nan}}, []string{"a", "inf"}, []int{2})

	const all = "every field is missing (empty, NA or NaN): the line is a header without a name or a row without a value, and nothing tells which; start the file with a header line of names, or leave the row out"
	const hint = "(a header must have no numeric names)"
	wantMissingErrors(t, map[string]string{
		",\n1,2\n":            "in:1: " + all,
		"NA,nan\n1,2\n":       "in:1: " + all,
		"\n\"\", NaN\n":       "in:2: " + all,
		"NA\n1\n":             "in:1: " + all,
		"1,NA,x\n2,3,4\n":     `in:1: column 3: "x" is not a finite number nor a missing value (empty, NA or NaN), and the line is no header: column 1, "1", is a number ` + hint,
		"year,,2020\n1,2,3\n": `in:1: column 1: "year" is not a finite number nor a missing value (empty, NA or NaN), and the line is no header: column 3, "2020", is a number ` + hint,
		// The rows after a header of names are read as ever.
		"a,b\n1,x\n": `in:2: column 2: "x" ` + "is not a finite number nor a missing value (empty, NA or NaN)",
		"a,b\n":      "in: no rows of numbers",
	})
}

// TestMissingOnlyWithReadMissing checks that Read still refuses what
// ReadMissing reads, with its own messages, and reads the header rule as
// before.
func TestMissingOnlyWithReadMissing(t *testing.T) {
	wantErrors(t, map[string]string{
		"1,2\n3,NA\n":  `in:2: column 2: "NA" is not a finite number`,
		"1,2\n3,nan\n": `in:2: column 2: "nan" is not a finite number`,
		"1,2\n,4\n":    "in:2: column 1: empty field, want a number",
		"1,,3\n":       `in:1: column 2: empty field, want a number, and the line is no header: column 1, "1", is a number (a header must have no numeric names)`,
	})
	in := "NA,nan\n1,2\n"
	check(t, in, read(t, in), [][]float64{{1, 2}}, []string{"NA", "nan"}, []int{2})
}
