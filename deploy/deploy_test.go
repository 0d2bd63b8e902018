package deploy

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// These tests decode the kustomize files: every manifest is valid YAML of a
// known kind, the kustomization names files that exist and every policy
// file, and the alert rules name metrics the code exports. The Helm chart
// has its own tests (helm_test.go).

func decodeAll(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []map[string]any
	for i, part := range bytes.Split(data, []byte("\n---")) {
		var doc map[string]any
		if err := yaml.Unmarshal(part, &doc); err != nil {
			t.Fatalf("%s document %d: %v", path, i, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

func TestManifestsDecode(t *testing.T) {
	kinds := map[string]string{}
	files, _ := filepath.Glob("k8s/*.yaml")
	for _, f := range files {
		for _, d := range decodeAll(t, f) {
			kind, _ := d["kind"].(string)
			if kind == "" || d["apiVersion"] == nil {
				t.Errorf("%s: a document without kind or apiVersion", f)
			}
			kinds[filepath.Base(f)] = kind
		}
	}
	want := map[string]string{"deployment.yaml": "Deployment", "pvc.yaml": "PersistentVolumeClaim", "service.yaml": "Service",
		"secret.yaml": "Secret", "prometheusrule.yaml": "PrometheusRule"}
	for f, k := range want {
		if kinds[f] != k {
			t.Errorf("k8s/%s is a %q, want %s", f, kinds[f], k)
		}
	}
	decodeAll(t, "compose.yaml")
	decodeAll(t, "slack-app-manifest.yaml")
}

// "the kustomization picks up every policy file without listing each by
// hand, or a test fails when one is missing": kustomize cannot glob, so
// this test is the guard. Every resource and generated file exists too.
func TestKustomizationListsEveryPolicy(t *testing.T) {
	docs := decodeAll(t, "kustomization.yaml")
	k := docs[0]
	for _, r := range k["resources"].([]any) {
		if _, err := os.Stat(r.(string)); err != nil {
			t.Errorf("resource %s: %v", r, err)
		}
	}
	var listed []string
	for _, g := range k["configMapGenerator"].([]any) {
		gen := g.(map[string]any)
		files, _ := gen["files"].([]any)
		envs, _ := gen["envs"].([]any)
		for _, f := range append(files, envs...) {
			name := f.(string)
			if _, err := os.Stat(name); err != nil {
				t.Errorf("configMapGenerator %s: %v", gen["name"], err)
			}
			if gen["name"] == "slabot-policies" {
				listed = append(listed, name)
			}
		}
	}
	var policies []string
	_ = fs.WalkDir(Policies, "policies", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			policies = append(policies, p)
		}
		return nil
	})
	sort.Strings(listed)
	sort.Strings(policies)
	if !slices.Equal(listed, policies) {
		t.Errorf("kustomization.yaml mounts %v, deploy/policies holds %v: list every policy file", listed, policies)
	}
}

// The deployment listens on :9090 inside the pod (the binary's default is
// loopback) and probes /healthz and /readyz there.
func TestDeploymentProbesAndListen(t *testing.T) {
	data, err := os.ReadFile("k8s/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, want := range []string{"path: /healthz", "path: /readyz", "containerPort: 9090", `value: ":9090"`} {
		if !strings.Contains(s, want) {
			t.Errorf("deployment.yaml lacks %q", want)
		}
	}
}

// Every metric an alert uses is one the code registers (a renamed metric
// would silence its alert), and the alerts the README recommends exist.
func TestPrometheusRuleNamesRealMetrics(t *testing.T) {
	docs := decodeAll(t, "k8s/prometheusrule.yaml")
	var exprs []string
	names := map[string]bool{}
	for _, g := range docs[0]["spec"].(map[string]any)["groups"].([]any) {
		for _, r := range g.(map[string]any)["rules"].([]any) {
			rule := r.(map[string]any)
			exprs = append(exprs, rule["expr"].(string))
			names[rule["alert"].(string)] = true
		}
	}
	var source strings.Builder
	for _, dir := range []string{"../bot", "../cmd", "../connectors"} {
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				b, _ := os.ReadFile(p)
				source.Write(b)
			}
			return nil
		})
	}
	metric := regexp.MustCompile(`slabot_[a-z_]+`)
	for _, e := range exprs {
		for _, m := range metric.FindAllString(e, -1) {
			if !strings.Contains(source.String(), `"`+m+`"`) {
				t.Errorf("alert expression %q names %s, which the code does not export", e, m)
			}
		}
	}
	for _, want := range []string{"SlabotEscalationsWaiting", "SlabotSlackErrors", "SlabotCyclesFailing", "SlabotProductBehind"} {
		if !names[want] {
			t.Errorf("no alert %s", want)
		}
	}
}
