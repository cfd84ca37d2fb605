// Benchcmp times factor on a matrix file the way ../shared/tools/
// sklearn_bench.py times scikit-learn, for side-by-side comparisons:
//
//	go run ./internal/cmd/benchcmp [-target OBJ] FILE K SOLVER BETA MAX_ITER TOL [dense]
//
// FILE is MatrixMarket (.mtx, kept sparse unless "dense" is given) or CSV;
// SOLVER is hals, ahals or mu; the start is NNDSVDA with seed 0, as in
// sklearn_bench.py. It prints one line,
//
//	seconds S iters N per_iter P relerr R objective O [reach T]
//
// where seconds is the whole fit (initialization included), relerr is
// ‖X − WH‖_F / ‖X‖_F, objective the beta divergence, and reach the seconds
// from the start of the fit until the objective first fell to OBJ.
//
// With -minibatch B it fits MiniBatchNMF instead, in batches of B rows for
// MAX_ITER epochs (SOLVER must be mu, and the no-improvement rule is off),
// as bench/minibatch_bench.py times
// scikit-learn's MiniBatchNMF, and adds "steps S" to the line.
//
//	go run ./internal/cmd/benchcmp -gen N M R FILE
//
// writes an N×M CSV matrix of rank R with ±10% multiplicative noise (seed 1).
//
//	go run ./internal/cmd/benchcmp -rates
//
// measures the machine: the dense product rate (2000×1000 by 1000×30, the
// shape of the dense case), the memory bandwidth, and the rate of the
// random row gathers the sparse products make.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/residual"
	"gonum.org/v1/gonum/mat"
)

func main() {
	target := flag.Float64("target", 0, "report when the objective first reaches this value")
	gen := flag.Bool("gen", false, "write a synthetic dense matrix: -gen N M R FILE")
	rates := flag.Bool("rates", false, "measure the dense product rate, memory bandwidth and gather rate")
	batch := flag.Int("minibatch", 0, "fit MiniBatchNMF in batches of this many rows")
	flag.Parse()
	var err error
	switch {
	case *gen:
		err = generate(flag.Args())
	case *rates:
		err = measureRates()
	case *batch > 0:
		err = benchMiniBatch(flag.Args(), *batch)
	default:
		err = bench(flag.Args(), *target)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

// run is the fit a command line asks for: FILE K SOLVER BETA MAX_ITER TOL [dense].
type run struct {
	x       mat.Matrix
	k       int
	solver  factor.Solver
	beta    float64
	maxIter int
	tol     float64
}

// parseRun reads the arguments and loads the file.
func parseRun(args []string, usage string) (*run, error) {
	if len(args) < 6 {
		return nil, fmt.Errorf("usage: %s", usage)
	}
	r := &run{}
	var errs [5]error
	r.k, errs[0] = strconv.Atoi(args[1])
	errs[1] = r.solver.UnmarshalText([]byte(args[2]))
	r.beta, errs[2] = strconv.ParseFloat(args[3], 64)
	r.maxIter, errs[3] = strconv.Atoi(args[4])
	r.tol, errs[4] = strconv.ParseFloat(args[5], 64)
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	var err error
	r.x, err = load(args[0], len(args) > 6 && args[6] == "dense")
	return r, err
}

func bench(args []string, target float64) error {
	r, err := parseRun(args, "benchcmp [-target OBJ] FILE K SOLVER BETA MAX_ITER TOL [dense]")
	if err != nil {
		return err
	}
	x, k, solver, beta, maxIter, tol := r.x, r.k, r.solver, r.beta, r.maxIter, r.tol
	var start time.Time
	reached := time.Duration(-1)
	progress := func(p factor.Progress) {
		if reached < 0 && target > 0 && p.Objective <= target {
			reached = time.Since(start)
		}
	}
	m := factor.NewNMF(factor.WithK(k), factor.WithSolver(solver), factor.WithBeta(beta), factor.WithMaxIter(maxIter),
		factor.WithTol(tol), factor.WithInit(factor.InitNNDSVDA), factor.WithSeed(0), factor.WithProgress(progress))
	start = time.Now()
	if err := m.Fit(x); err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()
	fmt.Printf("seconds %.4f iters %d per_iter %.5f relerr %.6f objective %.6g",
		seconds, m.NIter(), seconds/float64(max(m.NIter(), 1)), residual.Relative(x, m.W(), m.H()), divergence(m))
	if target > 0 {
		if reached < 0 {
			fmt.Printf(" reach never")
		} else {
			fmt.Printf(" reach %.4f", reached.Seconds())
		}
	}
	fmt.Println()
	return nil
}

// divergence returns the unpenalized beta divergence of the fit, which is
// what scikit-learn's _beta_divergence prints: ReconstructionErr is
// sqrt(2·D).
func divergence(m *factor.NMF) float64 {
	e := m.ReconstructionErr()
	return e * e / 2
}

// benchMiniBatch times a MiniBatchNMF fit of FILE K mu BETA EPOCHS TOL.
func benchMiniBatch(args []string, batch int) error {
	r, err := parseRun(args, "benchcmp -minibatch B FILE K mu BETA EPOCHS TOL [dense]")
	if err != nil {
		return err
	}
	if r.solver != factor.MU {
		return fmt.Errorf("-minibatch: SOLVER is %v, want mu", r.solver)
	}
	x, k, beta, epochs, tol := r.x, r.k, r.beta, r.maxIter, r.tol
	m := factor.NewMiniBatchNMF(factor.WithK(k), factor.WithBeta(beta), factor.WithBatchSize(batch), factor.WithMaxIter(epochs),
		factor.WithTol(tol), factor.WithMaxNoImprovement(0), factor.WithInit(factor.InitNNDSVDA), factor.WithSeed(0))
	start := time.Now()
	if err := m.Fit(x); err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()
	fmt.Printf("seconds %.4f iters %d per_iter %.5f relerr %.6f steps %d\n",
		seconds, m.NIter(), seconds/float64(max(m.NIter(), 1)), residual.Relative(x, m.W(), m.H()), m.NSteps())
	return nil
}
