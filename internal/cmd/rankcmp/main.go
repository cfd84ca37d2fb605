// Rankcmp writes what bench/rank_nmf.R compares with R's NMF package: the
// first 100 digits without the pixels that are 0 in all of them (R's NMF
// refuses a zero row of its data), and factor's consensus matrix of each
// k = 2…6 from 10 runs of KL NMF from random starts; it prints factor's
// cophenetic and dispersion coefficients and explained variance.
//
//	go run ./internal/cmd/rankcmp [-seed 1] DIR
//	Rscript bench/rank_nmf.R DIR [SEED]
//
// The R script computes R's cophcor and dispersion of factor's consensus
// matrices (the same matrices, so the linkages are compared) and runs
// nmfEstimateRank with method "brunet" (KL multiplicative updates), 10
// runs, on the transpose (R's samples are columns).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of factor's runs")
	flag.Parse()
	if flag.NArg() != 1 {
		log.Fatal("usage: rankcmp [-seed S] DIR")
	}
	dir := flag.Arg(0)
	m, err := csvmat.ReadFile("testdata/digits.csv")
	if err != nil {
		log.Fatal(err)
	}
	const rows = 100
	var cols []int
	for j := range 64 {
		for i := range rows {
			if m.X.At(i, j) != 0 {
				cols = append(cols, j)
				break
			}
		}
	}
	x := mat.NewDense(rows, len(cols), nil)
	for i := range rows {
		for c, j := range cols {
			x.Set(i, c, m.X.At(i, j))
		}
	}
	writeCSV(filepath.Join(dir, "digits100.csv"), x)
	scores, err := factor.EstimateRank(context.Background(), x, []int{2, 3, 4, 5, 6},
		factor.WithBeta(factor.KullbackLeibler), factor.WithInit(factor.InitRandom),
		factor.WithRestarts(10), factor.WithHeldOutFolds(0), factor.WithSeed(*seed),
		factor.WithMaxIter(2000), factor.WithTol(1e-6))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("k,cophenetic,dispersion,evar")
	for _, s := range scores {
		fmt.Printf("%d,%.10f,%.10f,%.10f\n", s.K, s.Cophenetic, s.Dispersion, s.ExplainedVariance)
		writeCSV(filepath.Join(dir, fmt.Sprintf("cons%d.csv", s.K)), s.Consensus)
	}
}

// writeCSV writes a as CSV with every digit.
func writeCSV(path string, a mat.Matrix) {
	r, c := a.Dims()
	var b strings.Builder
	for i := range r {
		for j := range c {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatFloat(a.At(i, j), 'g', -1, 64))
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}
