package rules

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Policies are often edited by people who may not read the Secret, and
// their errors go to pod logs. So a policy can name only files inside its
// own directory, an error quotes only a few dozen characters of a value,
// and files and values have sizes no real policy comes near (README
// "Limits"). The shipped policies measure: largest file 10,807 bytes
// (sanarise.yaml), longest value 105 characters, longest regular
// expression 97 characters (botron.yaml).
const (
	// MaxFileBytes is the largest policy or calendar file read (about a
	// hundred times the largest shipped policy). Larger files are refused
	// before they are read.
	MaxFileBytes = 1 << 20
	// MaxValueChars is the longest value (a YAML scalar) a policy may hold.
	MaxValueChars = 4096
	// MaxRegexpChars is the longest regular expression (qualification
	// items, feed days_off): about ten times the longest shipped one.
	MaxRegexpChars = 1024
	// quoteChars is how much of a value an error quotes.
	quoteChars = 40
	// quoteErrChars is how much of an error's text (which may quote a
	// value: a regular expression's syntax error does) a problem repeats.
	quoteErrChars = 80
)

// shorten returns s cut to its first quoteChars characters, saying how
// long it was, so no error repeats a whole value.
func shorten(s string) string {
	return shortenTo(s, quoteChars)
}

func shortenTo(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, k := 0, 0
	for k < n-8 {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		k++
	}
	return fmt.Sprintf("%s… (%d characters)", s[:i], utf8.RuneCountInString(s))
}

// boundArgs shortens the strings and errors a problem's message is built
// from (the values people wrote, or errors quoting them). The file's own
// name is kept whole, and a YAML path of the file is shortened key by key.
func (c *compiler) boundArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			_, isPath := c.pos[v]
			switch {
			case v == c.file:
				out[i] = v
			case isPath:
				out[i] = shortPath(v)
			default:
				out[i] = shorten(v)
			}
		case error:
			out[i] = shortenTo(v.Error(), quoteErrChars)
		default:
			out[i] = a
		}
	}
	return out
}

// shortPath shortens each key of a YAML path: a key is a value too.
func shortPath(path string) string {
	if len(path) <= quoteChars {
		return path
	}
	parts := strings.Split(path, ".")
	for i, p := range parts {
		parts[i] = shorten(p)
	}
	return strings.Join(parts, ".")
}

// tooLarge is the problem of a file over MaxFileBytes.
func tooLarge(name string, size int64) Problem {
	return Problem{File: name, Line: 1, Column: 1,
		Message: fmt.Sprintf("the file is %d bytes, over the limit of %d (1 MiB)", size, MaxFileBytes),
		Fix:     "split it into one policy per product, with shared calendars in files of their own"}
}

// readBounded reads an open policy or calendar file of at most
// MaxFileBytes: the size is checked before reading, and the read stops
// past the limit for files that do not know their size (/proc, pipes).
func readBounded(f fs.File, name string) ([]byte, error) {
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a directory", name)
		}
		if st.Size() > MaxFileBytes {
			return nil, Problems{tooLarge(name, st.Size())}
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, Problems{tooLarge(name, int64(len(data)))}
	}
	return data, nil
}

// readFileBounded opens path and reads it with readBounded.
func readFileBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, path)
}

// readFSBounded is readFileBounded on a file system.
func readFSBounded(fsys fs.FS, path, name string) ([]byte, error) {
	f, err := fsys.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, name)
}

// localFile checks name, a file the policy names (a calendar file, a feed
// file), and returns it cleaned, relative to the policy's directory: no
// absolute path, no "..", no symbolic link that leads out of the directory.
// It reads nothing of the file.
func (c *compiler) localFile(path, name string) (string, bool) {
	fix := "put the file in the policy's directory (or a folder under it) and name it relative to the policy, e.g. file: calendars/turkey.yaml"
	switch {
	case filepath.IsAbs(name) || strings.HasPrefix(name, "/") || strings.HasPrefix(name, `\`):
		c.problem(path, fix, "%q is an absolute path: a policy can name only files inside its own directory", name)
		return "", false
	case !filepath.IsLocal(name):
		c.problem(path, fix, "%q leads outside the policy's directory: a policy can name only files inside it", name)
		return "", false
	}
	rel := filepath.Clean(name)
	dir := filepath.Dir(c.file)
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return rel, true // the directory itself is unreadable: reading the file says so
	}
	realFile, err := filepath.EvalSymlinks(filepath.Join(dir, rel))
	if err != nil {
		return rel, true // not there (yet): reading it says so
	}
	if inside, err := filepath.Rel(realDir, realFile); err != nil || !filepath.IsLocal(inside) {
		c.problem(path, "copy the file into the policy's directory instead of linking to it", "%q is a symbolic link that leads outside the policy's directory", name)
		return "", false
	}
	return rel, true
}

// readLocal reads rel (checked by localFile) inside the policy's
// directory through os.Root, so a link swapped in after the check cannot
// lead out either, within MaxFileBytes.
func (c *compiler) readLocal(rel string) ([]byte, error) {
	root, err := os.OpenRoot(filepath.Dir(c.file))
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readBounded(f, filepath.Join(filepath.Dir(c.file), rel))
}
