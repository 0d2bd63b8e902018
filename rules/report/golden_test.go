package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenReports are the reports whose renderings are kept in testdata.
func goldenReports(t *testing.T) map[string]*Report {
	return map[string]*Report{
		"hydra-2026-11": hydraReport(t),
		"b2bee-2026-11": b2beeReport(t),
	}
}

// The three formats are compared byte for byte with testdata; rerun with
// -update after a deliberate change and review the diff.
func TestGolden(t *testing.T) {
	for name, r := range goldenReports(t) {
		for _, f := range []Format{Markdown, HTML, CSV} {
			t.Run(name+"."+string(f), func(t *testing.T) {
				var buf bytes.Buffer
				if err := r.Write(&buf, f); err != nil {
					t.Fatal(err)
				}
				// Rendering twice gives the same bytes (no map order leaks).
				var again bytes.Buffer
				if err := r.Write(&again, f); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(buf.Bytes(), again.Bytes()) {
					t.Fatal("two renderings differ")
				}
				path := filepath.Join("testdata", name+"."+string(f))
				if *update {
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./rules/report -run TestGolden -update)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("%s differs from the golden file; rerun with -update and review the diff.\ngot:\n%s", path, buf.String())
				}
			})
		}
	}
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"md": Markdown, "Markdown": Markdown, "html": HTML, "CSV": CSV} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("%q: %v %v, want %v", in, got, err, want)
		}
	}
	if _, err := ParseFormat("pdf"); err == nil {
		t.Error("pdf accepted")
	}
}
