package factor_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/factorgo/factor"
	"github.com/factorgo/factor/internal/csvmat"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// The toy matrix of scikit-learn's NMF documentation, factorized with k = 2,
// then new rows transformed with H fixed.
func Example() {
	x := mat.NewDense(6, 2, []float64{1, 1, 2, 1, 3, 1.2, 4, 1, 5, 0.8, 6, 1})
	m := factor.NewNMF(factor.WithK(2), factor.WithInit(factor.InitRandom), factor.WithSeed(0), factor.WithMaxIter(1000))
	if err := m.Fit(x); err != nil {
		log.Fatal(err)
	}
	// X has rank 2, so k = 2 factors fit it exactly.
	fmt.Printf("relative error below 1e-6: %t\n", m.ReconstructionErr()/mat.Norm(x, 2) < 1e-6)

	// The fit is exact, so the cone spanned by H's rows holds X's rows, whose
	// ratios x₂/x₁ run from 0.16 to 1; the new rows' ratios, 0.55 and 0.18,
	// lie inside it, so Transform finds non-negative weights that reproduce
	// them and InverseTransform(Transform(x)) gives x back.
	newRows := mat.NewDense(2, 2, []float64{2, 1.1, 5, 0.9})
	w, err := m.Transform(newRows)
	if err != nil {
		log.Fatal(err)
	}
	back, err := m.InverseTransform(w)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("new rows rebuilt from their %d components:\n%.3f\n", 2, mat.Formatted(back))
	// Output:
	// relative error below 1e-6: true
	// new rows rebuilt from their 2 components:
	// ⎡2.000  1.100⎤
	// ⎣5.000  0.900⎦
}

// Six short documents as word counts: NMF with the Kullback-Leibler loss
// finds three topics, and documents that share words get similar topic
// vectors (rows of W).
func ExampleNMF_documents() {
	vocab := []string{"cat", "dog", "pet", "vet", "stock", "market", "trade", "price", "goal", "match", "team", "league"}
	docs := []string{
		"cat dog pet pet vet",
		"dog pet vet cat cat",
		"stock market trade price price",
		"market stock stock trade price",
		"goal match team league goal",
		"team league match goal team",
	}
	column := map[string]int{}
	for j, word := range vocab {
		column[word] = j
	}
	counts := mat.NewDense(len(docs), len(vocab), nil)
	for i, d := range docs {
		for _, word := range strings.Fields(d) {
			counts.Set(i, column[word], counts.At(i, column[word])+1)
		}
	}
	m := factor.NewNMF(factor.WithK(3), factor.WithBeta(factor.KullbackLeibler), factor.WithMaxIter(500))
	w, err := m.FitTransform(counts)
	if err != nil {
		log.Fatal(err)
	}
	for i := range docs {
		best, bestSim := -1, -1.0
		for j := range docs {
			if sim := cosine(w.RawRowView(i), w.RawRowView(j)); j != i && sim > bestSim {
				best, bestSim = j, sim
			}
		}
		fmt.Printf("%-30q is closest to %q\n", docs[i], docs[best])
	}
	// Output:
	// "cat dog pet pet vet"          is closest to "dog pet vet cat cat"
	// "dog pet vet cat cat"          is closest to "cat dog pet pet vet"
	// "stock market trade price price" is closest to "market stock stock trade price"
	// "market stock stock trade price" is closest to "stock market trade price price"
	// "goal match team league goal"  is closest to "team league match goal team"
	// "team league match goal team"  is closest to "goal match team league goal"
}

func cosine(a, b []float64) float64 {
	return floats.Dot(a, b) / (floats.Norm(a, 2) * floats.Norm(b, 2))
}

// VanillaALS factorizes data of any sign with a ridge penalty.
func ExampleVanillaALS() {
	// A rank-2 matrix with negative entries.
	u := mat.NewDense(5, 2, []float64{1, 0, 0, 1, 1, 1, 2, -1, -1, 3})
	v := mat.NewDense(2, 4, []float64{1, 2, -1, 0, 0.5, -1, 2, 1})
	var x mat.Dense
	x.Mul(u, v)
	a := factor.NewVanillaALS(factor.WithK(2), factor.WithAlpha(1e-6), factor.WithMaxIter(500), factor.WithTol(1e-12))
	if err := a.Fit(&x); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("relative error below 1e-4: %t\n", a.ReconstructionErr()/mat.Norm(&x, 2) < 1e-4)
	back, _ := a.InverseTransform(a.W())
	fmt.Printf("%.2f\n", mat.Formatted(back))
	// Output:
	// relative error below 1e-4: true
	// ⎡ 1.00   2.00  -1.00   0.00⎤
	// ⎢ 0.50  -1.00   2.00   1.00⎥
	// ⎢ 1.50   1.00   1.00   1.00⎥
	// ⎢ 1.50   5.00  -4.00  -1.00⎥
	// ⎣ 0.50  -5.00   7.00   3.00⎦
}

// NMF finds parts: its components of the handwritten digits are sparse,
// local strokes, where principal components (gonum's stat.PC) spread over
// the whole image.
func ExampleNMF_parts() {
	digits := loadCSV("testdata/digits.csv") // 1797 images of 8×8 pixels, 0..16
	const k = 16
	m := factor.NewNMF(factor.WithK(k), factor.WithMaxIter(300))
	if err := m.Fit(digits); err != nil {
		log.Fatal(err)
	}
	var pc stat.PC
	if !pc.PrincipalComponents(digits, nil) {
		log.Fatal("PCA failed")
	}
	var vecs mat.Dense
	pc.VectorsTo(&vecs) // 64×64, one component per column
	pca := vecs.Slice(0, 64, 0, k).T()

	// Rounded to 10%: scikit-learn 1.2 gives 78% and 20% on the same data.
	fmt.Printf("near-zero pixels in %d components: NMF about %.0f%%, PCA about %.0f%%\n",
		k, 10*math.Round(10*nearZero(m.H())), 10*math.Round(10*nearZero(pca)))
	// Output:
	// near-zero pixels in 16 components: NMF about 80%, PCA about 20%
}

// nearZero returns the share of entries below 1% of their row's largest
// magnitude.
func nearZero(components mat.Matrix) float64 {
	r, c := components.Dims()
	small := 0
	for i := 0; i < r; i++ {
		row := mat.Row(nil, i, components)
		top := math.Max(floats.Max(row), -floats.Min(row))
		for _, v := range row {
			if math.Abs(v) < 0.01*top {
				small++
			}
		}
	}
	return float64(small) / float64(r*c)
}

// Topics of a tf-idf matrix: Debian package descriptions from six sections
// (editors, video, math, kernel, electronics, hamradio), read from a
// MatrixMarket file as a sparse CSR matrix.
func ExampleNMF_topics() {
	f, err := os.Open("testdata/debian6_tfidf.mtx")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	x, err := factor.ReadMatrixMarket(f)
	if err != nil {
		log.Fatal(err)
	}
	vocab := loadLines("testdata/debian6_vocab.txt")
	m := factor.NewNMF(factor.WithK(6), factor.WithMaxIter(200))
	if err := m.Fit(x); err != nil {
		log.Fatal(err)
	}
	h := m.H()
	for t := 0; t < 6; t++ {
		fmt.Printf("topic %d: %s\n", t+1, strings.Join(topTerms(h.RawRowView(t), vocab, 5), " "))
	}
	// scikit-learn 1.2 (NMF(6, init="nndsvda")) finds the same topics.
	// Output:
	// topic 1: pcs 64 kernel linux signed
	// topic 2: editor files emacs support text
	// topic 3: kernel linux amd64 header deb12
	// topic 4: octave functions forge add project
	// topic 5: cloud linux amazon azure ec2
	// topic 6: gap computational groups algebra algebraic
}

// topTerms returns the n terms of the largest weights.
func topTerms(weights []float64, vocab []string, n int) []string {
	idx := make([]int, len(weights))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return weights[idx[a]] > weights[idx[b]] })
	terms := make([]string, n)
	for i := range terms {
		terms[i] = vocab[idx[i]]
	}
	return terms
}

// Kullback-Leibler NMF suits counts: it is the maximum-likelihood
// factorization under a Poisson model. At its fixed points the model keeps
// the total of the data: Σ WH = Σ X.
func ExampleWithBeta() {
	x := mat.NewDense(4, 5, []float64{
		3, 0, 5, 1, 2,
		6, 1, 9, 2, 5,
		0, 4, 1, 7, 3,
		1, 8, 2, 13, 5,
	})
	m := factor.NewNMF(factor.WithK(2), factor.WithBeta(factor.KullbackLeibler), factor.WithMaxIter(1000), factor.WithTol(1e-10))
	if err := m.Fit(x); err != nil {
		log.Fatal(err)
	}
	back, _ := m.InverseTransform(m.W())
	fmt.Printf("sum of X %.1f, sum of WH %.1f\n", mat.Sum(x), mat.Sum(back))
	// Output:
	// sum of X 78.0, sum of WH 78.0
}

// Several restarts keep the best of independent random starts.
func ExampleWithRestarts() {
	x := loadCSV("testdata/digits.csv")
	one := factor.NewNMF(factor.WithK(8), factor.WithInit(factor.InitRandom), factor.WithMaxIter(50), factor.WithSeed(1))
	five := factor.NewNMF(factor.WithK(8), factor.WithInit(factor.InitRandom), factor.WithMaxIter(50), factor.WithSeed(1), factor.WithRestarts(5))
	if err := one.Fit(x); err != nil {
		log.Fatal(err)
	}
	if err := five.Fit(x); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("five restarts do at least as well as one: %t\n", five.Objective() <= one.Objective())
	// Output:
	// five restarts do at least as well as one: true
}

// A progress callback sees every iteration.
func ExampleWithProgress() {
	x := loadCSV("testdata/digits.csv")
	report := func(p factor.Progress) {
		if p.Iter%50 == 0 {
			fmt.Printf("iteration %d: ½‖X − WH‖² = %.2g\n", p.Iter, p.Objective)
		}
	}
	m := factor.NewNMF(factor.WithK(10), factor.WithTol(0), factor.WithMaxIter(150), factor.WithProgress(report))
	if err := m.Fit(x); err != nil {
		log.Fatal(err)
	}
	// scikit-learn 1.2 reaches 3.79e5, 3.74e5 and 3.739e5 from its start.
	// Output:
	// iteration 50: ½‖X − WH‖² = 3.8e+05
	// iteration 100: ½‖X − WH‖² = 3.7e+05
	// iteration 150: ½‖X − WH‖² = 3.7e+05
}

// FitContext stops at a deadline and leaves the model as it was.
func ExampleNMF_FitContext() {
	x := loadCSV("testdata/digits.csv")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	m := factor.NewNMF(factor.WithK(10), factor.WithTol(0), factor.WithMaxIter(1_000_000))
	err := m.FitContext(ctx, x)
	fmt.Println(errors.Is(err, context.DeadlineExceeded), m.W() == nil)
	// Output:
	// true true
}

// loadCSV reads a CSV file of numbers.
func loadCSV(path string) *mat.Dense {
	m, err := csvmat.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	return m.X
}

// loadLines returns the lines of a text file.
func loadLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		log.Fatal(err)
	}
	return lines
}
