// Package datafile opens the data files of the module's commands: it
// decompresses a gzip-compressed file and tells a MatrixMarket file from
// CSV, so that the factor command and factor-beam (module
// github.com/factorgo/factor/beam) accept the same files.
package datafile

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Banner starts every MatrixMarket file.
const Banner = "%%MatrixMarket"

// File is the content of a data file, decompressed, and its format.
type File struct {
	*bufio.Reader
	// MatrixMarket reports a MatrixMarket file: one named *.mtx (or
	// *.mtx.gz) or starting with Banner. Any other file is CSV.
	MatrixMarket bool
	zr           *gzip.Reader
}

// Open returns the content of the data file name read from r,
// decompressed when it starts with gzip's magic bytes. Errors start with
// the name.
func Open(name string, r io.Reader) (*File, error) {
	br := bufio.NewReader(r)
	f := &File{}
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		f.zr = zr
		br = bufio.NewReader(zr)
	}
	f.Reader = br
	ext := filepath.Ext(strings.TrimSuffix(strings.ToLower(name), ".gz"))
	banner, _ := br.Peek(len(Banner))
	f.MatrixMarket = ext == ".mtx" || strings.EqualFold(string(banner), Banner)
	return f, nil
}

// Close closes the decompressor, if any; the reader given to Open is the
// caller's to close.
func (f *File) Close() error {
	if f.zr != nil {
		return f.zr.Close()
	}
	return nil
}
