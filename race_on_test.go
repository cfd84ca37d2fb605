//go:build race

package factor_test

// raceEnabled reports a -race build, in which the passes over the data run
// many times slower.
const raceEnabled = true
