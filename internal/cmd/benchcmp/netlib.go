//go:build netlib

package main

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With -tags netlib (and CGO_LDFLAGS=-lopenblas), dense products run in
// OpenBLAS through gonum's netlib bindings.
func init() { blas64.Use(netlib.Implementation{}) }
