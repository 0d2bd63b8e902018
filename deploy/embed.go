// Package deploy holds slabot's deployment files and the example policies,
// one per seed contract. The policies are embedded so `slabot demo` runs on
// a fresh machine with nothing but Go.
package deploy

import "embed"

// Policies holds policies/*.yaml.
//
//go:embed policies/*.yaml
var Policies embed.FS
