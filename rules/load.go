package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Problem is one thing wrong with a policy file, located at file:line:column
// and carrying a hint on how to fix it.
type Problem struct {
	File    string
	Line    int
	Column  int
	Path    string // YAML path, e.g. goals[0].targets[2].calendar
	Message string
	Fix     string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(shortPath(p.Path))
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString(" (fix: ")
		b.WriteString(p.Fix)
		b.WriteString(")")
	}
	return b.String()
}

// Problems is every problem found in one or more policy files. Loaders
// return all of them, not only the first, so one edit round fixes a file.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// LoadFile reads and compiles one policy file.
func LoadFile(path string) (*Policy, error) {
	data, err := readFileBounded(path)
	var ps Problems
	switch {
	case errors.As(err, &ps):
		return nil, ps
	case err != nil:
		return nil, fmt.Errorf("read policy: %w", err)
	}
	return Load(path, data)
}

// LoadDir compiles every *.yaml and *.yml file in dir, sorted by name. It
// returns all problems of all files together, and also checks that no Jira
// project is governed by two policies. Calendar files among them (see
// IsCalendarFile) are checked, not returned: they are what policies include.
//
// The directory is read through os.Root: a policy file that is a symbolic
// link out of it is not read (links inside it, as a Kubernetes ConfigMap
// mounts its files, are followed).
func LoadDir(dir string) ([]*Policy, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("read policies: %w", err)
	}
	defer root.Close()
	return loadFS(root.FS(), ".", func(name string) string { return filepath.Join(dir, name) })
}

// LoadFS is LoadDir over a file system (the embedded example policies).
func LoadFS(fsys fs.FS, dir string) ([]*Policy, error) {
	return loadFS(fsys, dir, func(name string) string { return path.Join(dir, name) })
}

func loadFS(fsys fs.FS, dir string, display func(string) string) ([]*Policy, error) {
	var names []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		m, err := fs.Glob(fsys, path.Join(dir, pat))
		if err != nil {
			return nil, fmt.Errorf("list policies: %w", err)
		}
		names = append(names, m...)
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, fmt.Errorf("no policy files (*.yaml) in %s", display(""))
	}
	var all Problems
	var policies []*Policy
	for _, full := range names {
		name := display(path.Base(full))
		data, err := readFSBounded(fsys, full, name)
		var tooBig Problems
		switch {
		case errors.As(err, &tooBig):
			all = append(all, tooBig...)
			continue
		case err != nil:
			return nil, fmt.Errorf("read policy %s: %w", name, unwrapPath(err))
		}
		if IsCalendarFile(data) {
			// A shared calendar or holiday set that policies include with
			// file:. Its problems are reported here too, with its own
			// file:line; it governs no project.
			var ps Problems
			if _, _, err := compileCalendarFile(name, data, false); errors.As(err, &ps) {
				all = append(all, ps...)
			} else if err != nil {
				return nil, err
			}
			continue
		}
		p, err := Load(name, data)
		var ps Problems
		switch {
		case errors.As(err, &ps):
			all = append(all, ps...)
			continue
		case err != nil:
			return nil, err
		}
		policies = append(policies, p)
	}
	if len(policies) == 0 && len(all) == 0 {
		return nil, fmt.Errorf("no policy files in %s: only calendar files (a policy has product:, projects: and goals:)", display(""))
	}
	all = append(all, governedTwice(policies)...)
	if len(all) > 0 {
		return nil, all
	}
	return policies, nil
}

// Load compiles one policy file's contents. name is used in problem
// locations. Unknown keys, bad values and dangling references are all
// reported together as Problems.
func Load(name string, data []byte) (*Policy, error) {
	if len(data) > MaxFileBytes {
		return nil, Problems{tooLarge(name, int64(len(data)))}
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, Problems{yamlProblem(name, err)}
	}
	doc := firstBody(file)
	if doc == nil {
		return nil, Problems{{File: name, Line: 1, Column: 1, Message: "the policy file is empty", Fix: "start from one of deploy/policies/*.yaml"}}
	}
	pos := positions{}
	var ps Problems
	walkSchema(name, doc, reflect.TypeOf(policyFile{}), "", pos, &ps)
	if len(ps) > 0 {
		// Unknown keys and wrong value types first, all of them: decoding
		// would stop at the first and name it in Go's words.
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
		return nil, ps
	}
	var pf policyFile
	if err := decodeLoose(data, &pf); errors.Is(err, errDecodePanic) {
		return nil, Problems{decodePanicProblem(name, file)}
	} else if err != nil {
		return nil, Problems{yamlProblem(name, err)}
	}
	c := &compiler{file: name, pos: pos}
	p := c.compile(&pf)
	p.Warnings = c.warnings
	if len(c.problems) > 0 {
		sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Line < c.problems[j].Line })
		return nil, c.problems
	}
	return p, nil
}

func firstBody(f *ast.File) ast.Node {
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			return d.Body
		}
	}
	return nil
}

func decodeLoose(b []byte, v any) (err error) {
	// goccy/go-yaml v1.19.2 panics on some inputs (a bare tag such as
	// `projects: !foo`, upstream issue #735): a malformed policy must be a
	// problem with file:line, never a crash loop under systemd.
	defer func() {
		if r := recover(); r != nil {
			err = errDecodePanic
		}
	}()
	return yaml.UnmarshalWithOptions(b, v)
}

var errDecodePanic = errors.New("the YAML library could not decode this file")

// decodePanicProblem places a decoder crash: at the first tag (the known
// trigger), else at line 1.
func decodePanicProblem(name string, file *ast.File) Problem {
	p := Problem{File: name, Line: 1, Column: 1, Message: "the YAML could not be decoded",
		Fix: "remove the tag (!name) or write the value as a plain scalar, list or map"}
	if tags := ast.FilterFile(ast.TagType, file); len(tags) > 0 {
		t := tags[0].GetToken()
		p.Line, p.Column = t.Position.Line, t.Position.Column
		p.Message = fmt.Sprintf("the YAML could not be decoded at tag %s", t.Value)
	}
	return p
}

func yamlProblem(name string, err error) Problem {
	p := Problem{File: name, Message: shortenTo(err.Error(), quoteErrChars), Fix: "correct the YAML syntax or value type at this position"}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Message = shortenTo(ye.GetMessage(), quoteErrChars)
		if t := ye.GetToken(); t != nil && t.Position != nil {
			p.Line, p.Column = t.Position.Line, t.Position.Column
		}
	}
	return p
}

// positions maps a YAML path to where its value starts in the file, so the
// compiler can place a problem found after decoding.
type positions map[string][2]int

func (ps positions) at(path string) (line, col int) {
	for {
		if v, ok := ps[path]; ok {
			return v[0], v[1]
		}
		// fall back to the nearest enclosing node that was written
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			return 0, 0
		}
		path = path[:i]
	}
}

var bytesUnmarshaler = reflect.TypeOf((*yaml.BytesUnmarshaler)(nil)).Elem()

// walkSchema checks every mapping key in node against the yaml tags of t
// and every value against its Go type, recording problems for unknown keys
// and mismatched values (all of them, in plain words) and the position of
// every path.
func walkSchema(file string, node ast.Node, t reflect.Type, path string, pos positions, ps *Problems) {
	for {
		switch n := node.(type) {
		case *ast.TagNode:
			node = n.Value
			continue
		case *ast.AnchorNode:
			node = n.Value
			continue
		}
		break
	}
	if node == nil {
		return
	}
	if tk := node.GetToken(); tk != nil && tk.Position != nil {
		if _, seen := pos[path]; !seen {
			pos[path] = [2]int{tk.Position.Line, tk.Position.Column}
		}
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n := scalarChars(node); n > MaxValueChars {
		line, col := pos.at(path)
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		*ps = append(*ps, Problem{File: file, Line: line, Column: col, Path: path,
			Message: fmt.Sprintf("the value is %d characters long, over the limit of %d", n, MaxValueChars),
			Fix:     "shorten it: no key of a policy needs a value this long"})
		return
	}
	custom := reflect.PointerTo(t).Implements(bytesUnmarshaler)
	if msg, fix := typeMismatch(node, t, custom); msg != "" {
		line, col := pos.at(path)
		if tk := node.GetToken(); tk != nil && tk.Position != nil {
			line, col = tk.Position.Line, tk.Position.Column
		}
		*ps = append(*ps, Problem{File: file, Line: line, Column: col, Path: path, Message: msg, Fix: fix})
		return
	}
	mapping, isMap := node.(*ast.MappingNode)
	if !isMap {
		if mv, ok := node.(*ast.MappingValueNode); ok {
			mapping = &ast.MappingNode{Values: []*ast.MappingValueNode{mv}}
			isMap = true
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		if !isMap {
			return // scalar forms (custom unmarshalers) or a type error decode reports
		}
		fields := yamlFields(t)
		for _, mv := range mapping.Values {
			key := mv.Key.String()
			f, ok := fields[key]
			child := join(path, key)
			if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil {
				pos[child] = [2]int{tk.Position.Line, tk.Position.Column}
			}
			if !ok {
				line, col := pos.at(child)
				*ps = append(*ps, Problem{File: file, Line: line, Column: col, Path: child,
					Message: fmt.Sprintf("unknown key %q", shorten(key)), Fix: suggestKey(key, fields)})
				continue
			}
			walkSchema(file, mv.Value, f.Type, child, pos, ps)
		}
	case reflect.Map:
		if !isMap || custom {
			return
		}
		for _, mv := range mapping.Values {
			child := join(path, mv.Key.String())
			if tk := mv.Key.GetToken(); tk != nil && tk.Position != nil {
				pos[child] = [2]int{tk.Position.Line, tk.Position.Column}
			}
			walkSchema(file, mv.Value, t.Elem(), child, pos, ps)
		}
	case reflect.Slice:
		seq, ok := node.(*ast.SequenceNode)
		if !ok {
			return
		}
		for i, v := range seq.Values {
			walkSchema(file, v, t.Elem(), fmt.Sprintf("%s[%d]", path, i), pos, ps)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	m := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		m[tag] = f
	}
	return m
}

func suggestKey(key string, fields map[string]reflect.StructField) string {
	known := make([]string, 0, len(fields))
	best, bestDist := "", 1<<30
	for k := range fields {
		known = append(known, k)
		if d := editDistance(key, k); d < bestDist || (d == bestDist && k < best) {
			best, bestDist = k, d
		}
	}
	sort.Strings(known)
	if bestDist <= 2 || (bestDist <= len(key)/2 && best != "") {
		return fmt.Sprintf("did you mean %q? known keys here: %s", best, strings.Join(known, ", "))
	}
	return "remove it; known keys here: " + strings.Join(known, ", ")
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func trimYAMLScalar(b []byte) string {
	return strings.TrimSpace(string(b))
}

func containsColon(s string) bool {
	return strings.Contains(s, ": ") || strings.HasSuffix(s, ":")
}

// decodeCalendarFile reads a calendar file (the keys of one calendar at the
// top level: timezone, week, holidays, country, feeds, overrides) and
// returns it with a compiler placed in it.
func decodeCalendarFile(name string, data []byte) (calendarFile, *compiler, Problems) {
	var cf calendarFile
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return cf, nil, Problems{yamlProblem(name, err)}
	}
	doc := firstBody(file)
	if doc == nil {
		return cf, nil, Problems{{File: name, Line: 1, Column: 1, Message: "the calendar file is empty", Fix: "give at least holidays: or week:"}}
	}
	pos := positions{}
	var ps Problems
	walkSchema(name, doc, reflect.TypeOf(calendarFile{}), "", pos, &ps)
	if len(ps) > 0 {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
		return cf, nil, ps
	}
	if err := decodeLoose(data, &cf); errors.Is(err, errDecodePanic) {
		return cf, nil, Problems{decodePanicProblem(name, file)}
	} else if err != nil {
		return cf, nil, Problems{yamlProblem(name, err)}
	}
	return cf, &compiler{file: name, pos: pos}, nil
}
