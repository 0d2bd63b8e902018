package rules

import (
	"fmt"
	"math"
	"reflect"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
)

// typeMismatch says, in plain words, why node cannot hold a value of Go
// type t ("" when it can). The loader reports every mismatch with its
// position and YAML path before decoding, instead of the decoder's first
// error in Go's words ("cannot unmarshal string into Go struct field ...").
// Fractions and out-of-range numbers where whole numbers are meant are
// mismatches too: the decoder would silently truncate easter: 1.5 to 1.
func typeMismatch(node ast.Node, t reflect.Type, custom bool) (msg, fix string) {
	switch node.(type) {
	case *ast.NullNode, *ast.AliasNode, *ast.MergeKeyNode:
		return "", "" // empty values are the zero value; aliases were checked where they are defined
	}
	if custom {
		return "", "" // one-or-many forms decode themselves
	}
	_, isMap := node.(*ast.MappingNode)
	if _, ok := node.(*ast.MappingValueNode); ok {
		isMap = true
	}
	_, isSeq := node.(*ast.SequenceNode)
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if !isMap {
			return "want a mapping of keys to values, got " + describeNode(node), "write key: value lines indented under this key"
		}
	case reflect.Slice:
		if !isSeq {
			return "want a list, got " + describeNode(node), "write a list: [a, b] or one \"- item\" line each"
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := node.(*ast.IntegerNode)
		if !ok {
			if _, frac := node.(*ast.FloatNode); frac {
				return describeNode(node) + " is not a whole number", "write a whole number such as 1 or -2 (fractions are not allowed here)"
			}
			return "want a whole number, got " + describeNode(node), "write a whole number such as 1 or -2"
		}
		var v int64
		switch x := n.Value.(type) {
		case int64:
			v = x
		case uint64:
			if x > math.MaxInt32 {
				return describeNode(node) + " is out of range", "write a whole number between -2147483648 and 2147483647"
			}
			v = int64(x)
		}
		if v > math.MaxInt32 || v < math.MinInt32 {
			return describeNode(node) + " is out of range", "write a whole number between -2147483648 and 2147483647"
		}
	case reflect.Float32, reflect.Float64:
		switch node.(type) {
		case *ast.IntegerNode, *ast.FloatNode:
		default:
			return "want a number, got " + describeNode(node), "write a number such as 1.5"
		}
	case reflect.Bool:
		if _, ok := node.(*ast.BoolNode); !ok {
			return "want true or false, got " + describeNode(node), "write true or false"
		}
	case reflect.String:
		if isMap || isSeq {
			return "want a single value, got " + describeNode(node), "write one value on the key's line (quote it if it contains a colon)"
		}
	}
	return "", ""
}

// describeNode names a YAML value the way a person sees it.
func describeNode(node ast.Node) string {
	switch n := node.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping (key: value)"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode:
		return fmt.Sprintf("the text %q", shorten(n.Value))
	case *ast.LiteralNode:
		return "a block of text"
	case *ast.BoolNode:
		return fmt.Sprint(n.Value)
	}
	if tk := node.GetToken(); tk != nil {
		return shorten(tk.Value)
	}
	return shorten(node.String())
}

// scalarChars is the length of a scalar value in characters (0 for
// mappings and lists, whose values are checked one by one).
func scalarChars(node ast.Node) int {
	switch n := node.(type) {
	case *ast.StringNode:
		return utf8.RuneCountInString(n.Value)
	case *ast.LiteralNode:
		if n.Value != nil {
			return utf8.RuneCountInString(n.Value.Value)
		}
	case *ast.MappingNode, *ast.MappingValueNode, *ast.SequenceNode, *ast.NullNode, *ast.AliasNode, *ast.MergeKeyNode:
	default:
		if tk := node.GetToken(); tk != nil {
			return utf8.RuneCountInString(tk.Value)
		}
	}
	return 0
}
