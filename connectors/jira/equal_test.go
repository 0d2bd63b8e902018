package jira

import (
	"reflect"
	"time"
)

// equalish compares with time.Time.Equal semantics at the top level.
func equalish(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(normTimes(a), normTimes(b))
}

// normTimes converts times inside slices of known structs to UTC so
// DeepEqual ignores zone representation.
func normTimes(v any) any {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return v
	}
	cp := reflect.New(rv.Type()).Elem()
	cp.Set(rv)
	walk(cp)
	return cp.Interface()
}

func walk(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				walk(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(n, v)
		for i := range n.Len() {
			walk(n.Index(i))
		}
		v.Set(n)
	case reflect.Pointer:
		if !v.IsNil() {
			walk(v.Elem())
		}
	}
}
