//go:build race

package main

// raceEnabled reports a -race build, whose runtime needs far more address
// space than an address-space limit leaves.
const raceEnabled = true
