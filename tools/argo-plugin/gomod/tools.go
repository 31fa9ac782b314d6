//go:build tools

// Package argoplugin only records what tools/argo-plugin/build.sh builds from Argo Rollouts, so `go mod tidy` keeps it.
package argoplugin

import (
	_ "github.com/argoproj/argo-rollouts/cmd/kubectl-argo-rollouts"
)
