// Impute measures how well factor fills in missing entries: it hides a
// share of the entries of a matrix (seeded), fits NMF and VanillaALS to the
// rest with WithObservedOnly, and reports the root mean square error of the
// model WH at the hidden entries, against filling each with its column's
// observed mean.
//
//	go run ./internal/cmd/impute [-hide 0.5] [-seed 1] [-mask FILE] [DATA.csv]
//
// DATA.csv defaults to testdata/digits.csv. It chooses k and alpha the way
// one would without the hidden entries: a tenth of the observed entries is
// held out as a validation set (WithWeights gives them weight 0), every
// setting of the grid is fitted to the other nine tenths and scored on
// them, and the setting with the lowest validation error is refitted to all
// observed entries and scored on the hidden ones. It prints, as a markdown
// table, the validation and hidden-entry RMSE of every setting, then the
// chosen ones. -mask writes the mask as CSV, 0 for a hidden entry, 2 for a
// validation entry and 1 for the others, for bench/impute_knn.py to score
// scikit-learn's imputers on the same entries.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

func main() {
	hide := flag.Float64("hide", 0.5, "share of the entries hidden")
	seed := flag.Uint64("seed", 1, "seed of the mask")
	maskOut := flag.String("mask", "", "write the mask (0 hidden, 2 validation, 1 the other observed) to this CSV file")
	flag.Parse()
	path := "testdata/digits.csv"
	if flag.NArg() > 0 {
		path = flag.Arg(0)
	}
	if err := run(path, *hide, *seed, *maskOut); err != nil {
		fmt.Fprintln(os.Stderr, "impute:", err)
		os.Exit(1)
	}
}

// split is the three sets of entries of the experiment.
type split struct {
	x            *mat.Dense
	observed     *mat.Dense // X with NaN at the hidden entries
	train, valid *mat.Dense // weights: the observed entries less the validation ones, and those
	hidden       [][2]int
	validation   [][2]int
}

func newSplit(x *mat.Dense, hide float64, seed uint64) *split {
	n, m := x.Dims()
	rng := rand.New(rand.NewPCG(seed, 2026))
	s := &split{x: x, observed: mat.DenseCopyOf(x), train: mat.NewDense(n, m, nil), valid: mat.NewDense(n, m, nil)}
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			switch u := rng.Float64(); {
			case u < hide:
				s.observed.Set(i, j, math.NaN())
				s.hidden = append(s.hidden, [2]int{i, j})
			case u < hide+(1-hide)/10:
				s.valid.Set(i, j, 1)
				s.validation = append(s.validation, [2]int{i, j})
			default:
				s.train.Set(i, j, 1)
			}
		}
	}
	return s
}

// rmse returns the RMSE of the estimate est at the entries.
func (s *split) rmse(est mat.Matrix, entries [][2]int) float64 {
	var sq float64
	for _, e := range entries {
		d := est.At(e[0], e[1]) - s.x.At(e[0], e[1])
		sq += d * d
	}
	return math.Sqrt(sq / float64(len(entries)))
}

// columnMeans returns the matrix whose every row holds the mean of each
// column over the entries where weights > 0.
func (s *split) columnMeans(weights *mat.Dense) *mat.Dense {
	n, m := s.x.Dims()
	out := mat.NewDense(n, m, nil)
	for j := 0; j < m; j++ {
		var sum, count float64
		for i := 0; i < n; i++ {
			if weights == nil && !math.IsNaN(s.observed.At(i, j)) || weights != nil && weights.At(i, j) > 0 {
				sum += s.x.At(i, j)
				count++
			}
		}
		mean := 0.0
		if count > 0 {
			mean = sum / count
		}
		for i := 0; i < n; i++ {
			out.Set(i, j, mean)
		}
	}
	return out
}

// model is one setting of the grid.
type model struct {
	name  string
	k     int
	alpha float64
	make  func(k int, alpha float64, extra ...factor.Option) fitter
}

type fitter interface {
	Fit(mat.Matrix) error
	W() *mat.Dense
	H() *mat.Dense
}

func nmf(k int, alpha float64, extra ...factor.Option) fitter {
	return factor.NewNMF(append([]factor.Option{factor.WithK(k), factor.WithAlpha(alpha), factor.WithMaxIter(500), factor.WithSeed(1)}, extra...)...)
}

func als(k int, alpha float64, extra ...factor.Option) fitter {
	return factor.NewVanillaALS(append([]factor.Option{factor.WithK(k), factor.WithAlpha(alpha), factor.WithMaxIter(100), factor.WithSeed(1),
		factor.WithCountScaledAlpha()}, extra...)...)
}

// estimate fits f and returns W·H.
func estimate(f fitter, x mat.Matrix) (*mat.Dense, error) {
	if err := f.Fit(x); err != nil {
		return nil, err
	}
	var y mat.Dense
	y.Mul(f.W(), f.H())
	return &y, nil
}

func run(path string, hide float64, seed uint64, maskOut string) error {
	data, err := csvmat.ReadFile(path)
	if err != nil {
		return err
	}
	s := newSplit(data.X, hide, seed)
	n, m := data.X.Dims()
	if maskOut != "" {
		if err := writeMask(maskOut, s); err != nil {
			return err
		}
	}
	fmt.Printf("%s: %d×%d, %d entries hidden (%.0f%%), %d observed held out for validation\n\n",
		path, n, m, len(s.hidden), 100*hide, len(s.validation))
	fmt.Println("| model | k | alpha | validation RMSE | hidden RMSE | seconds |")
	fmt.Println("| --- | --- | --- | --- | --- | --- |")
	fmt.Printf("| column means | – | – | %.3f | %.3f | – |\n",
		s.rmse(s.columnMeans(s.train), s.validation), s.rmse(s.columnMeans(nil), s.hidden))
	var grid []model
	for _, name := range []string{"NMF (HALS)", "ALS-WR"} {
		for _, k := range []int{5, 10, 20, 30} {
			for _, a := range []float64{0, 0.03, 0.1, 0.3} {
				if name == "NMF (HALS)" {
					grid = append(grid, model{name, k, a, nmf})
				} else if a > 0 { // α = 0 leaves rows with fewer than k entries singular
					grid = append(grid, model{name, k, a, als})
				}
			}
		}
	}
	best := map[string]model{}
	bestErr := map[string]float64{}
	for _, g := range grid {
		start := time.Now()
		val, err := estimate(g.make(g.k, g.alpha, factor.WithWeights(s.train)), s.x)
		if err != nil {
			return fmt.Errorf("%s k=%d alpha=%g: %w", g.name, g.k, g.alpha, err)
		}
		full, err := estimate(g.make(g.k, g.alpha, factor.WithObservedOnly()), s.observed)
		if err != nil {
			return fmt.Errorf("%s k=%d alpha=%g: %w", g.name, g.k, g.alpha, err)
		}
		v, h := s.rmse(val, s.validation), s.rmse(full, s.hidden)
		fmt.Printf("| %s | %d | %g | %.3f | %.3f | %.2f |\n", g.name, g.k, g.alpha, v, h, time.Since(start).Seconds())
		if e, ok := bestErr[g.name]; !ok || v < e {
			best[g.name], bestErr[g.name] = g, v
		}
	}
	fmt.Println()
	for _, name := range []string{"NMF (HALS)", "ALS-WR"} {
		g := best[name]
		full, err := estimate(g.make(g.k, g.alpha, factor.WithObservedOnly()), s.observed)
		if err != nil {
			return err
		}
		fmt.Printf("chosen on validation: %s k=%d alpha=%g, hidden RMSE %.3f\n", name, g.k, g.alpha, s.rmse(full, s.hidden))
	}
	return nil
}

// writeMask writes 0 for the hidden entries, 2 for the validation ones and
// 1 for the other observed ones.
func writeMask(path string, s *split) error {
	n, m := s.x.Dims()
	var b strings.Builder
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if j > 0 {
				b.WriteByte(',')
			}
			switch {
			case math.IsNaN(s.observed.At(i, j)):
				b.WriteByte('0')
			case s.valid.At(i, j) > 0:
				b.WriteByte('2')
			default:
				b.WriteByte('1')
			}
		}
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
