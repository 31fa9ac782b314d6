//go:build tools

// Package argoe2e only records what tools/argo-e2e/run.sh builds from Argo Rollouts, so `go mod tidy` keeps it.
package argoe2e

import (
	_ "github.com/argoproj/argo-rollouts/cmd/rollouts-controller"
)
