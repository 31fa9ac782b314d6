'use strict';
// The helm binary of tools/helm/build.sh, for the chart tests: $HELM, else the cached build of the pinned version.
// helmBinary() is undefined when neither exists (the tests then skip and say how to build it).
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const YAML = require('yaml');

const root = path.resolve(__dirname, '../..');
const chartDir = path.join(root, 'deploy/helm/rollouts');
const version = /HELM_VERSION="\$\{HELM_VERSION:-([^}]+)\}"/.exec(fs.readFileSync(path.join(__dirname, 'version.env'), 'utf8'))[1];

function helmBinary() {
  if (process.env.HELM) return process.env.HELM;
  const cached = path.join(process.env.ROLLOUTS_HELM_CACHE || path.join(os.homedir(), '.cache/rollouts-helm'), version, 'helm');
  return fs.existsSync(cached) ? cached : undefined;
}

const skipMessage = `no helm binary: run tools/helm/build.sh (builds helm ${version} from its Go module into ~/.cache/rollouts-helm) or set $HELM`;

/** Runs helm with a private HOME-independent config, returns stdout; throws with stderr on failure. */
function helm(args) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-helm-'));
  try {
    return execFileSync(helmBinary(), args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, HELM_CACHE_HOME: tmp, HELM_CONFIG_HOME: tmp, HELM_DATA_HOME: tmp },
    });
  } catch (e) {
    throw new Error(`helm ${args.join(' ')} failed: ${e.stderr || e.message}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** `helm template <release> deploy/helm/rollouts --namespace <ns> --include-crds` with the given values; the objects. */
function render(values = {}, { release = 'rollouts', namespace = 'argo-rollouts', crds = true } = {}) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-values-'));
  const file = path.join(tmp, 'values.yaml');
  fs.writeFileSync(file, YAML.stringify(values));
  try {
    const out = helm(['template', release, chartDir, '--namespace', namespace, '-f', file, ...(crds ? ['--include-crds'] : [])]);
    return YAML.parseAllDocuments(out).map((d) => d.toJS()).filter((d) => d != null);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = { helmBinary, helm, render, chartDir, version, skipMessage };
