package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/goccy/go-yaml"
)

// The Helm chart in helm/slabot is checked twice. Without helm, its
// Chart.yaml and values.yaml decode, every template parses with the
// template functions it uses, and every setting it passes is one the code
// reads (.env.example lists them). With helm on PATH (or in SLABOT_HELM;
// `go install helm.sh/helm/v3/cmd/helm@v3.22.0` builds it from the Go
// module proxy), `helm lint` and `helm template` run and the rendered
// objects are decoded and checked.

const chartDir = "helm/slabot"

// chartForced are the variables the chart sets to paths inside the
// container; values.config must not carry them.
var chartForced = []string{"SLABOT_POLICIES", "SLABOT_DB", "SLABOT_FEED_CACHE", "SLABOT_LISTEN"}

func TestHelmChartFiles(t *testing.T) {
	chart := decodeAll(t, filepath.Join(chartDir, "Chart.yaml"))
	if len(chart) != 1 || chart[0]["apiVersion"] != "v2" || chart[0]["name"] != "slabot" {
		t.Fatalf("Chart.yaml: want apiVersion v2 and name slabot, got %v", chart)
	}
	values := decodeAll(t, filepath.Join(chartDir, "values.yaml"))
	if len(values) != 1 {
		t.Fatalf("values.yaml: %d documents", len(values))
	}
	env, err := os.ReadFile("../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	config, _ := values[0]["config"].(map[string]any)
	if len(config) == 0 {
		t.Fatal("values.yaml: no config")
	}
	for key := range config {
		if slices.Contains(chartForced, key) {
			t.Errorf("values.yaml config.%s: the chart sets it to a path inside the container", key)
		}
		if !strings.Contains(string(env), "\n"+key+"=") {
			t.Errorf("values.yaml config.%s: not a variable .env.example documents", key)
		}
	}

	// Parse only: the functions' bodies are Helm's (sprig); here they only
	// need to exist so that a syntax error or an unknown function fails.
	stub := func(...any) any { return "" }
	funcs := template.FuncMap{}
	for _, name := range []string{"include", "toYaml", "nindent", "quote", "default", "trunc", "trimSuffix",
		"contains", "toString", "sha256sum", "has", "list", "fail", "kindIs", "join", "append", "printf"} {
		funcs[name] = stub
	}
	files, _ := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	if len(files) < 5 {
		t.Fatalf("templates: %v", files)
	}
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := template.New(filepath.Base(f)).Funcs(funcs).Parse(string(text)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func helmBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SLABOT_HELM"); p != "" {
		return p
	}
	p, err := exec.LookPath("helm")
	if err != nil {
		t.Skip("helm not installed (go install helm.sh/helm/v3/cmd/helm@v3.22.0, or set SLABOT_HELM)")
	}
	return p
}

func TestHelmChartRenders(t *testing.T) {
	helm := helmBinary(t)
	policies, _ := filepath.Glob("policies/*.yaml")
	args := []string{"--set", "serviceMonitor.enabled=true", "--set", "secrets.slackAppToken=xapp-test"}
	for _, p := range policies {
		args = append(args, "--set-file", "policies."+strings.ReplaceAll(filepath.Base(p), ".", `\.`)+"="+p)
	}
	if out, err := exec.Command(helm, append([]string{"lint", chartDir}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("helm lint: %v\n%s", err, out)
	}
	render := func(extra ...string) map[string][]map[string]any {
		t.Helper()
		cmd := exec.Command(helm, append(append([]string{"template", "rel", chartDir}, args...), extra...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("helm template: %v", err)
		}
		byKind := map[string][]map[string]any{}
		for _, part := range bytes.Split(out, []byte("\n---")) {
			var doc map[string]any
			if err := yaml.Unmarshal(part, &doc); err != nil {
				t.Fatalf("rendered YAML: %v\n%s", err, part)
			}
			if doc != nil {
				kind, _ := doc["kind"].(string)
				byKind[kind] = append(byKind[kind], doc)
			}
		}
		return byKind
	}

	objs := render()
	for kind, n := range map[string]int{"Deployment": 1, "Service": 1, "PersistentVolumeClaim": 1, "ConfigMap": 2,
		"Secret": 1, "ServiceMonitor": 1} {
		if len(objs[kind]) != n {
			t.Errorf("%s: %d rendered, want %d", kind, len(objs[kind]), n)
		}
	}
	for _, cm := range objs["ConfigMap"] {
		name := cm["metadata"].(map[string]any)["name"]
		if name != "rel-slabot-policies" {
			continue
		}
		data := cm["data"].(map[string]any)
		for _, p := range policies {
			want, _ := os.ReadFile(p)
			if got, _ := data[filepath.Base(p)].(string); strings.TrimSpace(got) != strings.TrimSpace(string(want)) {
				t.Errorf("policies ConfigMap: %s differs from the file", filepath.Base(p))
			}
		}
	}
	secret := objs["Secret"][0]["stringData"].(map[string]any)
	if secret["SLABOT_SLACK_APP_TOKEN"] != "xapp-test" {
		t.Errorf("Secret: SLABOT_SLACK_APP_TOKEN = %v", secret["SLABOT_SLACK_APP_TOKEN"])
	}

	// Issue 25: "helm --set config.SLABOT_SLACK_CHANNELS='#a=C1,#b=C2'
	// silently keeps only the first pair". A list (--set '{...}') and a
	// map (a values file) render as the comma-separated pairs slabot reads.
	configData := func(objs map[string][]map[string]any) map[string]any {
		for _, cm := range objs["ConfigMap"] {
			if cm["metadata"].(map[string]any)["name"] == "rel-slabot-config" {
				return cm["data"].(map[string]any)
			}
		}
		t.Fatal("no rel-slabot-config ConfigMap")
		return nil
	}
	lists := filepath.Join(t.TempDir(), "lists.yaml")
	if err := os.WriteFile(lists, []byte("config:\n  SLABOT_SLACK_USERS:\n    bob@example.com: U2\n    alice@example.com: U1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := configData(render("--set", "config.SLABOT_SLACK_CHANNELS={#a=C1,#b=C2}", "-f", lists))
	if got := data["SLABOT_SLACK_CHANNELS"]; got != "#a=C1,#b=C2" {
		t.Errorf("a list in --set: SLABOT_SLACK_CHANNELS = %q, want both pairs", got)
	}
	if got := data["SLABOT_SLACK_USERS"]; got != "alice@example.com=U1,bob@example.com=U2" {
		t.Errorf("a map in a values file: SLABOT_SLACK_USERS = %q, want both pairs", got)
	}
	if got := configData(render("--set", `config.SLABOT_SLACK_CHANNELS=#a=C1\,#b=C2`))["SLABOT_SLACK_CHANNELS"]; got != "#a=C1,#b=C2" {
		t.Errorf("an escaped comma in --set: SLABOT_SLACK_CHANNELS = %q", got)
	}

	dep := objs["Deployment"][0]
	depYAML, _ := yaml.Marshal(dep)
	for _, want := range []string{"replicas: 1", "type: Recreate", "path: /readyz", "path: /healthz",
		"value: :9090", "claimName: rel-slabot-data", "name: rel-slabot-policies", "readOnlyRootFilesystem: true"} {
		if !strings.Contains(string(depYAML), want) {
			t.Errorf("Deployment lacks %q", want)
		}
	}

	// PostgreSQL mode (README "SQLite or PostgreSQL"): two replicas rolled
	// one at a time and spread over nodes, a PodDisruptionBudget, the URL
	// from the Secret, and no volume.
	objs = render("--set", "database.engine=postgres", "--set", "secrets.databaseURL=postgres://slabot:pw@db:5432/slabot")
	for kind, n := range map[string]int{"Deployment": 1, "PodDisruptionBudget": 1, "PersistentVolumeClaim": 0, "Secret": 1} {
		if len(objs[kind]) != n {
			t.Errorf("postgres: %s: %d rendered, want %d", kind, len(objs[kind]), n)
		}
	}
	depYAML, _ = yaml.Marshal(objs["Deployment"][0])
	for _, want := range []string{"replicas: 2", "type: RollingUpdate", "maxUnavailable: 0", "topologySpreadConstraints", "emptyDir"} {
		if !strings.Contains(string(depYAML), want) {
			t.Errorf("postgres: Deployment lacks %q", want)
		}
	}
	for _, unwanted := range []string{"claimName", "SLABOT_DB", "Recreate"} {
		if strings.Contains(string(depYAML), unwanted) {
			t.Errorf("postgres: Deployment has %q", unwanted)
		}
	}
	if got := objs["Secret"][0]["stringData"].(map[string]any)["SLABOT_DB"]; got != "postgres://slabot:pw@db:5432/slabot" {
		t.Errorf("postgres: Secret SLABOT_DB = %v", got)
	}
	if pdb := objs["PodDisruptionBudget"]; len(pdb) == 1 {
		if got := pdb[0]["spec"].(map[string]any)["minAvailable"]; fmt.Sprint(got) != "1" {
			t.Errorf("postgres: PodDisruptionBudget minAvailable %v, want 1", got)
		}
	}
	for name, bad := range map[string][]string{
		"an unknown engine":      {"--set", "database.engine=mysql"},
		"postgres without a URL": {"--set", "database.engine=postgres"},
	} {
		cmd := exec.Command(helm, append(append([]string{"template", "rel", chartDir}, args...), bad...)...)
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "database") {
			t.Errorf("%s renders (%v):\n%s", name, err, out)
		}
	}

	// Tokens from a Secret the operator made: the chart makes none and
	// points the pod at theirs.
	objs = render("--set", "secrets.existingSecret=slabot-secrets")
	if len(objs["Secret"]) != 0 {
		t.Errorf("existingSecret set: the chart still renders a Secret")
	}
	depYAML, _ = yaml.Marshal(objs["Deployment"][0])
	if !strings.Contains(string(depYAML), "name: slabot-secrets") {
		t.Errorf("existingSecret set: the Deployment does not read it")
	}
}
