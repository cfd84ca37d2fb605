package factor_test

import (
	"fmt"
	"log"
	"math"
	"math/rand/v2"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/mat"
)

// Filling in missing pixels: half of the pixels of 600 handwritten digits
// are hidden (NaN), NMF is fitted to the visible ones alone, and W·H
// estimates the hidden ones, better than each pixel's mean over the
// images where it is visible. k and alpha were chosen on held-out visible
// pixels (internal/cmd/impute; the README has the table).
func ExampleWithObservedOnly() {
	digits, err := csvmat.ReadFile("testdata/digits.csv")
	if err != nil {
		log.Fatal(err)
	}
	x := mat.DenseCopyOf(digits.X.Slice(0, 600, 0, 64))
	n, m := x.Dims()
	seen := mat.DenseCopyOf(x)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if rng.Float64() < 0.5 {
				seen.Set(i, j, math.NaN()) // hidden
			}
		}
	}
	model := factor.NewNMF(factor.WithK(10), factor.WithAlpha(0.1), factor.WithObservedOnly(), factor.WithSeed(1))
	if err := model.Fit(seen); err != nil {
		log.Fatal(err)
	}
	var estimate mat.Dense
	estimate.Mul(model.W(), model.H())

	// Each pixel's mean over the images where it is visible.
	means := make([]float64, m)
	for j := range means {
		var sum, count float64
		for i := 0; i < n; i++ {
			if v := seen.At(i, j); !math.IsNaN(v) {
				sum, count = sum+v, count+1
			}
		}
		means[j] = sum / count
	}
	var nmfSq, meanSq, hidden float64
	for i := 0; i < n; i++ {
		for j := 0; j < m; j++ {
			if math.IsNaN(seen.At(i, j)) {
				truth := x.At(i, j)
				nmfSq += math.Pow(estimate.At(i, j)-truth, 2)
				meanSq += math.Pow(means[j]-truth, 2)
				hidden++
			}
		}
	}
	fmt.Printf("RMSE at the hidden pixels (0 to 16): NMF %.1f, pixel means %.1f\n", math.Sqrt(nmfSq/hidden), math.Sqrt(meanSq/hidden))
	// Output:
	// RMSE at the hidden pixels (0 to 16): NMF 3.5, pixel means 4.3
}

// Ratings: six users rate five films from 1 to 5 stars, each only some
// of them (the unstored entries of a CSR are unknown, not zero): three like
// science fiction (5 stars) and not romance (1 star), three the other way
// round. Ridge ALS with the ridge weight scaled by each user's and film's
// number of ratings (ALS-WR, as Spark's ALS) and k = 2 predicts the missing
// ratings from the two tastes, and Transform folds in a new user from two
// ratings without refitting.
func ExampleWithCountScaledAlpha() {
	films := []string{"Alien", "Aliens", "Solaris", "Amélie", "Chocolat"}
	ratings := [][3]float64{ // user, film, stars
		{0, 0, 5}, {0, 1, 5}, {0, 3, 1},
		{1, 0, 5}, {1, 2, 5}, {1, 4, 1},
		{2, 1, 5}, {2, 2, 5}, {2, 3, 1},
		{3, 3, 5}, {3, 4, 5}, {3, 0, 1},
		{4, 3, 5}, {4, 4, 5}, {4, 1, 1},
		{5, 2, 1}, {5, 3, 5}, {5, 4, 5},
	}
	var users, cols []int
	var stars []float64
	for _, r := range ratings {
		users, cols, stars = append(users, int(r[0])), append(cols, int(r[1])), append(stars, r[2])
	}
	x, err := factor.NewCSRFromTriplets(6, len(films), users, cols, stars)
	if err != nil {
		log.Fatal(err)
	}
	model := factor.NewVanillaALS(factor.WithK(2), factor.WithAlpha(0.01), factor.WithObservedOnly(),
		factor.WithCountScaledAlpha(), factor.WithNonNegative(), factor.WithSeed(1))
	if err := model.Fit(x); err != nil {
		log.Fatal(err)
	}
	var predicted mat.Dense
	predicted.Mul(model.W(), model.H())
	fmt.Printf("user 0: Solaris %.0f stars, Chocolat %.0f\n", predicted.At(0, 2), predicted.At(0, 4))
	fmt.Printf("user 3: Aliens %.0f stars, Solaris %.0f\n", predicted.At(3, 1), predicted.At(3, 2))

	// A new user who gave Amélie 5 stars and Alien 1.
	newUser, err := factor.NewCSR(1, len(films), []int{0, 2}, []int{0, 3}, []float64{1, 5})
	if err != nil {
		log.Fatal(err)
	}
	w, err := model.Transform(newUser)
	if err != nil {
		log.Fatal(err)
	}
	var guess mat.Dense
	guess.Mul(w, model.H())
	fmt.Printf("new user: Aliens %.0f stars, Solaris %.0f, Chocolat %.0f\n", guess.At(0, 1), guess.At(0, 2), guess.At(0, 4))
	// Output:
	// user 0: Solaris 5 stars, Chocolat 1
	// user 3: Aliens 1 stars, Solaris 1
	// new user: Aliens 1 stars, Solaris 1, Chocolat 5
}
