import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDriver, loadManifests, parseArgs } from './cli';

describe('parseArgs', () => {
  it('reads every option', () => {
    expect(parseArgs(['--port', '0', '--kubeconfig', 'k', '--token', 't', '--load', 'a.yaml', '--load', 'dir', '--readiness-delay-ms', '50', '--no-workloads', '--seed', '3'])).toEqual({
      port: 0, host: '127.0.0.1', kubeconfig: 'k', token: 't', load: ['a.yaml', 'dir'], readinessDelayMs: 50, workloads: false, seed: 3, help: false,
    });
    expect(parseArgs([])).toMatchObject({ port: 8080, workloads: true, load: [] });
    expect(parseArgs([]).driver).toBeUndefined();
    expect(parseArgs(['--driver', 'bench/driver.js']).driver).toBe('bench/driver.js');
  });
  it.each([[['--port']], [['--port', 'x']], [['--frobnicate']]])('rejects %j', (argv) => {
    expect(() => parseArgs(argv)).toThrow();
  });
});

describe('loadDriver', () => {
  it('finds the function a module exports directly or as default, and refuses a module without one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kube-sim-driver-'));
    fs.writeFileSync(path.join(dir, 'plain.js'), 'module.exports = (sim) => sim.url;');
    fs.writeFileSync(path.join(dir, 'esm.js'), 'exports.default = (sim) => sim.port;');
    fs.writeFileSync(path.join(dir, 'none.js'), 'exports.x = 1;');
    const sim = { url: 'http://x', port: 7 } as never;
    expect(loadDriver(path.join(dir, 'plain.js'))(sim)).toBe('http://x');
    expect(loadDriver(path.join(dir, 'esm.js'))(sim)).toBe(7);
    expect(() => loadDriver(path.join(dir, 'none.js'))).toThrow(/exports no function/);
    fs.rmSync(dir, { recursive: true });
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
