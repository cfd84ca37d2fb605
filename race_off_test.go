//go:build !race

package factor_test

const raceEnabled = false
