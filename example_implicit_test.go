package factor_test

import (
	"compress/gzip"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/mat"
)

// Recommending Debian packages from implicit feedback: the relations matrix
// says which of 8640 packages each of 32089 packages depends on (r = 3),
// recommends (2) or suggests (1); the example fits the first 12000 of them
// (the rows are in random order). Its rows are unnamed (the data set keeps
// only the names of the 8640 related packages), so the user here is a new
// package described by its relations, folded in by RecommendRow: a Python
// package that depends on python3, python3-numpy and python3-scipy and
// recommends python3-matplotlib. SimilarItems finds the packages whose
// factors are closest to python3-flask's: its own dependencies
// (itsdangerous, werkzeug) come first. (A part of the data, a small k and
// few iterations, so that the example runs in seconds; internal/cmd/recall
// measures the settings on all of it, see the README.)
func ExampleImplicitALS_RecommendRow() {
	f, err := os.Open("testdata/debian_relations.mtx.gz")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		log.Fatal(err)
	}
	all, err := factor.ReadMatrixMarket(gz)
	if err != nil {
		log.Fatal(err)
	}
	// The first 12000 packages (the rows are in random order), to keep the
	// example fast.
	rel := all.(*factor.CSR)
	_, m := rel.Dims()
	indptr := []int{0}
	var indices []int
	var data []float64
	for i := 0; i < 12000; i++ {
		cols, vals := rel.RowNNZ(i)
		indices, data = append(indices, cols...), append(data, vals...)
		indptr = append(indptr, len(indices))
	}
	x, err := factor.NewCSR(12000, m, indptr, indices, data)
	if err != nil {
		log.Fatal(err)
	}
	b, err := os.ReadFile("testdata/debian_relations_cols.txt")
	if err != nil {
		log.Fatal(err)
	}
	names := strings.Split(strings.TrimSpace(string(b)), "\n")
	index := map[string]int{}
	for j, name := range names {
		index[name] = j
	}

	model := factor.NewImplicitALS(factor.WithK(16), factor.WithAlpha(1), factor.WithConfidence(40),
		factor.WithMaxIter(5), factor.WithSeed(1))
	if err := model.Fit(x); err != nil {
		log.Fatal(err)
	}

	row := mat.NewDense(1, len(names), nil)
	for name, r := range map[string]float64{"python3": 3, "python3-numpy": 3, "python3-scipy": 3, "python3-matplotlib": 2} {
		row.Set(0, index[name], r)
	}
	items, _, err := model.RecommendRow(row, 5)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("depends on python3, python3-numpy, python3-scipy; recommends python3-matplotlib:")
	for _, j := range items {
		fmt.Println(" ", names[j])
	}

	items, _, err = model.SimilarItems(index["python3-flask"], 5)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("like python3-flask:")
	for _, j := range items {
		fmt.Println(" ", names[j])
	}
	// Output:
	// depends on python3, python3-numpy, python3-scipy; recommends python3-matplotlib:
	//   python3-pkg-resources
	//   python3-six
	//   python3-requests
	//   python3-yaml
	//   python3-numpy-abi9
	// like python3-flask:
	//   python3-itsdangerous
	//   python3-werkzeug
	//   python3-wtforms
	//   python3-protobuf
	//   python3-redis
}
