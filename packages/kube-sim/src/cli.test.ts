import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadManifests, parseArgs } from './cli';

describe('parseArgs', () => {
  it('reads every option', () => {
    expect(parseArgs(['--port', '0', '--kubeconfig', 'k', '--token', 't', '--load', 'a.yaml', '--load', 'dir', '--readiness-delay-ms', '50', '--no-workloads', '--seed', '3'])).toEqual({
      port: 0, host: '127.0.0.1', kubeconfig: 'k', token: 't', load: ['a.yaml', 'dir'], readinessDelayMs: 50, workloads: false, seed: 3, help: false,
    });
    expect(parseArgs([])).toMatchObject({ port: 8080, workloads: true, load: [] });
  });
  it.each([[['--port']], [['--port', 'x']], [['--frobnicate']]])('rejects %j', (argv) => {
    expect(() => parseArgs(argv)).toThrow();
  });
});

describe('loadManifests', () => {
  it('reads multi-document YAML and Lists from files and directories', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-cli-'));
    fs.writeFileSync(path.join(dir, 'a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# empty\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: s}}\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    expect(loadManifests([dir]).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['ConfigMap/a', 'Secret/s']);
    fs.rmSync(dir, { recursive: true });
  });
});
