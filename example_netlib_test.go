//go:build netlib

package factor_test

import (
	"fmt"
	"log"

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
func Example_openBLAS() {
	blas64.Use(netlib.Implementation{})
	defer blas64.Use(gonum.Implementation{}) // back to gonum's pure Go

	x := loadCSV("testdata/digits.csv")
	m := factor.NewNMF(factor.WithK(16), factor.WithMaxIter(100), factor.WithSolver(factor.MU))
	if err := m.Fit(x); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.NIter() > 0)
	// Output: true
}
