package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// build renders a kustomization directory as `kubectl apply -k` would,
// with the components named.
func build(t *testing.T, dir string, components ...string) map[string][]string {
	t.Helper()
	fs := filesys.MakeFsOnDisk()
	if len(components) > 0 {
		// An overlay of dir with the components, as uncommenting the
		// `components:` line of deploy/kustomization.yaml makes it.
		abs, _ := filepath.Abs(dir)
		over := t.TempDir()
		rel, err := filepath.Rel(over, abs) // kustomize takes relative paths only
		if err != nil {
			t.Fatal(err)
		}
		text := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + rel + "\ncomponents:\n"
		for _, c := range components {
			text += "  - " + filepath.Join(rel, c) + "\n"
		}
		if err := os.WriteFile(filepath.Join(over, "kustomization.yaml"), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		dir = over
	}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(fs, dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	byKind := map[string][]string{}
	for _, r := range res.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		byKind[r.GetKind()] = append(byKind[r.GetKind()], string(y))
	}
	return byKind
}

// The base (SQLite) renders one pod on its volume; the PostgreSQL overlay
// renders two replicas rolled one at a time, a PodDisruptionBudget, no
// volume claim and no SLABOT_DB but the Secret's.
func TestKustomizeBuilds(t *testing.T) {
	base := build(t, ".")
	if len(base["PersistentVolumeClaim"]) != 1 || !strings.Contains(base["Deployment"][0], "replicas: 1") ||
		!strings.Contains(base["Deployment"][0], "type: Recreate") {
		t.Errorf("base: %d claims\n%s", len(base["PersistentVolumeClaim"]), base["Deployment"])
	}
	pg := build(t, ".", "k8s/postgres")
	if len(pg["PersistentVolumeClaim"]) != 0 || len(pg["PodDisruptionBudget"]) != 1 || len(pg["Deployment"]) != 1 {
		t.Fatalf("postgres: %d claims, %d budgets, %d deployments", len(pg["PersistentVolumeClaim"]), len(pg["PodDisruptionBudget"]), len(pg["Deployment"]))
	}
	dep := pg["Deployment"][0]
	for _, want := range []string{"replicas: 2", "type: RollingUpdate", "maxUnavailable: 0", "emptyDir: {}", "topologySpreadConstraints", "name: slabot-secrets"} {
		if !strings.Contains(dep, want) {
			t.Errorf("postgres Deployment lacks %q:\n%s", want, dep)
		}
	}
	for _, unwanted := range []string{"SLABOT_DB", "claimName", "Recreate"} {
		if strings.Contains(dep, unwanted) {
			t.Errorf("postgres Deployment has %q:\n%s", unwanted, dep)
		}
	}
}
