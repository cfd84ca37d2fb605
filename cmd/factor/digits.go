package main

import _ "embed"

// digitsGz is the built-in data set used when no FILE is given:
// scikit-learn's 8×8 handwritten digits, 1797 rows of 64 integers 0 to 16,
// one image per row in row-major pixel order. It is a gzip-compressed copy
// of the repository's testdata/digits.csv (go:embed cannot reach outside
// this directory); regenerate it with
//
//	gzip -9 -n -c testdata/digits.csv > cmd/factor/data/digits.csv.gz
//
//go:embed data/digits.csv.gz
var digitsGz []byte

// Settings of the built-in digits demo.
const (
	digitsName = "digits (built in)" // the data set's name in messages
	digitsK    = 16                  // components, when -k is not given
)

// digitsImage is the size of a digit image, the default -image.
var digitsImage = imageSize{w: 8, h: 8}
