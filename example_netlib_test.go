//go:build netlib

package factor_test

import (
	"fmt"
	"log"
	"math"

	"github.com/factorgo/factor"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/netlib/blas/netlib"
)

// Dense products go through gonum's blas64, so routing blas64 to OpenBLAS
// speeds them up. This example builds with the netlib tag and OpenBLAS
// installed (Debian: apt-get install libopenblas-dev):
//
//	CGO_LDFLAGS=-lopenblas go test -tags netlib -run Example_openBLAS
//
// It fits the same model with OpenBLAS and with gonum's pure-Go BLAS: the
// two sum in different orders, so the objectives differ only by rounding.
func Example_openBLAS() {
	defer blas64.Use(blas64.Implementation()) // restore the BLAS in use

	x := loadCSV("testdata/digits.csv")
	fit := func() float64 {
		m := factor.NewNMF(factor.WithK(16), factor.WithMaxIter(100), factor.WithSolver(factor.MU))
		if err := m.Fit(x); err != nil {
			log.Fatal(err)
		}
		return m.Objective()
	}
	blas64.Use(netlib.Implementation{})
	openBLAS := fit()
	blas64.Use(gonum.Implementation{})
	pureGo := fit()
	fmt.Println("objectives agree to 1e-10:", math.Abs(openBLAS-pureGo) <= 1e-10*math.Abs(pureGo))
	// Output: objectives agree to 1e-10: true
}
