#!/usr/bin/env node
'use strict';
// Reads the per-shard `go tool test2json` streams of tools/argo-e2e/run.sh (<out>/<controller>/*.jsonl), pairs
// each test's result under Argo's controller with ours, and writes <out>/results.json, <out>/results.md (the table
// and every failure's message excerpt) and, with --doc, the "Argo Rollouts' e2e suite" section of
// docs/compatibility.md (between its begin/end markers; the rest of the file is left as it is).
// Exit status: 1 when a test that passes with Argo's controller fails or did not run with ours, unless
// known-differences.tsv lists it; 0 otherwise.
const fs = require('fs');
const path = require('path');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const out = args.out;
const CONTROLLERS = ['argo', 'ours'];
const RUN_SUITES = ['TestCanarySuite', 'TestBlueGreenSuite', 'TestExperimentSuite', 'TestAnalysisSuite', 'TestFunctionalSuite'];
// Suites this tier does not run, and why (what each needs that this machine cannot have).
const NOT_RUN = {
  TestAWSSuite: 'AWS: an ALB, the AWS Load Balancer Controller and TargetGroupBindings',
  TestIstioSuite: 'Istio (VirtualService, DestinationRule and a mesh that routes by them); the load-test Job needs a real image',
  TestHeaderRoutingSuite: 'Istio (header routes on a VirtualService)',
  TestMirrorRouteSuite: 'Istio (mirror routes on a VirtualService)',
  TestSMISuite: 'SMI (a TrafficSplit implementation such as Linkerd)',
  TestSMIIngressSuite: 'SMI plus an NGINX ingress controller',
  TestAppMeshSuite: 'AWS App Mesh (its CRDs and controller)',
  TestAPISIXSuite: 'APISIX (its CRDs and ingress controller)',
  TestStepPluginSuite: "a step plugin binary that Argo's e2e setup builds and registers in argo-rollouts-config; step plugins are not supported by us (docs: Not yet supported)",
  TestRollbackSuite: 'not in this tier\'s selection (canary, blue-green, experiment, analysis, functional)',
};

function readTsv(file) {
  const m = new Map();
  if (!file || !fs.existsSync(file)) return m;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [k, ...rest] = line.split('\t');
    m.set(k.trim(), rest.join('\t').trim());
  }
  return m;
}
const notes = readTsv(args.notes);
const known = readTsv(args.known);

// Every test of every suite, from the sources: suite function -> [methods].
function suitesFromSources(dir) {
  const typeOf = {}; // suite struct -> suite function
  const methods = {}; // suite struct -> [method]
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('_test.go')).sort()) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/func (Test\w+)\(t \*testing\.T\) \{\s*suite\.Run\(t, new\((\w+)\)\)/g)) typeOf[m[2]] = m[1];
    for (const m of text.matchAll(/^func \(s \*(\w+)\) (Test\w+)\(\)/gm)) (methods[m[1]] ??= []).push(m[2]);
  }
  const bySuite = {};
  for (const [type, fn] of Object.entries(typeOf)) bySuite[fn] = methods[type] ?? [];
  return bySuite;
}
const allTests = suitesFromSources(args.src);

// One controller's results: "Suite/Test" -> {result, seconds, output[]}.
function readResults(controller) {
  const dir = path.join(out, controller);
  const res = new Map();
  if (!fs.existsSync(dir)) return null;
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'))) {
    for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      let e;
      try { e = JSON.parse(line); } catch { continue; }
      if (!e.Test || !e.Test.includes('/')) continue;
      const key = e.Test.split('/').slice(0, 2).join('/');
      const r = res.get(key) ?? { result: 'incomplete', seconds: null, output: [], shard: f.replace(/\.jsonl$/, '') };
      res.set(key, r);
      if (e.Test !== key) { if (e.Action === 'output') r.output.push(e.Output); continue; }
      if (e.Action === 'output') r.output.push(e.Output);
      else if (['pass', 'fail', 'skip'].includes(e.Action)) { r.result = e.Action; r.seconds = e.Elapsed; }
    }
  }
  return res;
}

// The lines of a failed test's output that say why: testify's Error/Messages blocks, t.Fatalf lines and the
// fixtures' error-level log lines.
function excerpt(output) {
  const lines = output.join('').split('\n');
  const keep = [];
  let inBlock = false;
  for (const raw of lines) {
    const l = raw.replace(/\s+$/, '');
    const t = l.trim();
    if (/^(Error Trace|Test):/.test(t)) { inBlock = false; continue; }
    if (/^(Error|Messages):/.test(t)) { inBlock = true; keep.push(t.replace(/\s+/g, ' ')); continue; }
    if (inBlock) { if (/^\w[\w ]*:\s/.test(t) && !/^(expected|actual)/.test(t)) inBlock = false; else { keep.push(t.replace(/\s+/g, ' ')); continue; } }
    if (/^\w+\.go:\d+: \S/.test(t) && !/Error Trace/.test(t)) keep.push(t);
    else if (/level=(error|fatal)/.test(t)) keep.push(t.replace(/^time="[^"]*" /, ''));
    else if (/^panic:/.test(t)) keep.push(t);
  }
  const uniq = [...new Set(keep)];
  return uniq.slice(0, 8).join(' | ').slice(0, 600);
}

const results = {};
for (const c of CONTROLLERS) results[c] = readResults(c);
const seconds = {};
for (const c of CONTROLLERS) {
  const f = path.join(out, c, 'seconds');
  seconds[c] = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : null;
}

const rows = [];
for (const suite of RUN_SUITES) {
  for (const test of allTests[suite] ?? []) {
    const key = `${suite}/${test}`;
    const r = {};
    for (const c of CONTROLLERS) r[c] = results[c] ? (results[c].get(key) ?? { result: 'not run', output: [] }) : { result: 'not run', output: [] };
    if (r.argo.result === 'not run' && r.ours.result === 'not run') continue; // outside the selection
    let cls;
    // a note explains a failure: shown only when the test did not pass with both
    const note = r.argo.result === 'pass' && r.ours.result === 'pass' ? '' : (notes.get(test) ?? notes.get(key) ?? '');
    if (r.argo.result === 'not run' || r.ours.result === 'not run') cls = `not run with ${r.argo.result === 'not run' ? "Argo's controller" : 'ours'}`;
    else if (r.argo.result === 'pass' && r.ours.result === 'pass') cls = 'pass';
    else if (r.argo.result === 'pass') cls = known.has(test) || known.has(key) ? 'deliberate difference' : 'ours';
    else if (r.ours.result === 'pass') cls = "Argo's fails here, ours passes";
    else if (r.argo.result === 'skip' && r.ours.result === 'skip') cls = 'skipped by the suite';
    else cls = 'environment';
    rows.push({
      suite, test, argo: r.argo.result, ours: r.ours.result, classification: cls,
      note: [cls === 'deliberate difference' ? (known.get(test) ?? known.get(key)) : '', note].filter(Boolean).join('; '),
      argoSeconds: r.argo.seconds ?? null, oursSeconds: r.ours.seconds ?? null,
      argoFailure: r.argo.result === 'pass' ? '' : excerpt(r.argo.output),
      oursFailure: r.ours.result === 'pass' ? '' : excerpt(r.ours.output),
    });
  }
}

const short = (s) => s.replace(/^Test/, '').replace(/Suite$/, '');
const mark = { pass: 'pass', fail: '**fail**', skip: 'skip', incomplete: 'did not finish', 'not run': 'not run' };
const summary = RUN_SUITES.map((suite) => {
  const rs = rows.filter((r) => r.suite === suite);
  return {
    suite, tests: rs.length,
    argo: rs.filter((r) => r.argo === 'pass').length,
    ours: rs.filter((r) => r.ours === 'pass').length,
    oursFailArgoPasses: rs.filter((r) => r.classification === 'ours').length,
    environment: rs.filter((r) => r.classification === 'environment').length,
    deliberate: rs.filter((r) => r.classification === 'deliberate difference').length,
  };
}).filter((s) => s.tests > 0);
const tot = summary.reduce((a, s) => ({ tests: a.tests + s.tests, argo: a.argo + s.argo, ours: a.ours + s.ours, o: a.o + s.oursFailArgoPasses, e: a.e + s.environment, d: a.d + s.deliberate }), { tests: 0, argo: 0, ours: 0, o: 0, e: 0, d: 0 });

const md = [];
md.push(`Argo Rollouts' own end-to-end suite (\`test/e2e\` of \`github.com/argoproj/argo-rollouts\` ${args.version}), run by`);
md.push('`tools/argo-e2e/run.sh` (`npm run test:upstream`) on the real control plane of `tools/kube` (Kubernetes');
md.push(`${args.kube}, kwok playing the kubelets with the pod stages of \`tools/argo-e2e/kwok-pod-stages.yaml\`), with our CRDs,`);
md.push("against Argo's controller built from the same module and against ours, one after the other on the same cluster, both");
md.push('with `--instance-id argo-rollouts-e2e`. A test that fails with both is classified as the environment\'s; one that passes');
md.push("with Argo's controller and fails with ours is ours to fix (or a deliberate difference listed in");
md.push('`tools/argo-e2e/known-differences.tsv`). This section is generated by `tools/argo-e2e/report.js`: do not edit it by hand.');
md.push('');
md.push('The suites run split into shards, four test processes at a time, each in its own namespace; the `TestMalformed*`');
md.push('tests run alone afterwards, because the Rollout they store (`memory: invalid`) makes every typed list of Rollouts fail');
md.push("while it exists (the suite's own informers, and Argo's controller's).");
md.push('');
const runEnd = new Date(Math.max(0, ...CONTROLLERS.map((c) => path.join(out, c, 'seconds')).filter((f) => fs.existsSync(f)).map((f) => fs.statSync(f).mtimeMs)));
md.push(`Last run: ${runEnd.toISOString().slice(0, 16).replace('T', ' ')} UTC; ${seconds.ours ?? '?'} s for ours, ${seconds.argo ?? '?'} s for Argo's, ${args['total-seconds'] ?? '?'} s in all (builds cached).`);
md.push('');
md.push("| suite | tests | pass with Argo's | pass with ours | fail with ours only: ours to fix | fail with ours only: deliberate difference | fail with both |");
md.push('|---|---|---|---|---|---|---|');
for (const s of summary) md.push(`| ${short(s.suite)} | ${s.tests} | ${s.argo} | ${s.ours} | ${s.oursFailArgoPasses} | ${s.deliberate} | ${s.environment} |`);
md.push(`| all | ${tot.tests} | ${tot.argo} | ${tot.ours} | ${tot.o} | ${tot.d} | ${tot.e} |`);
md.push('');
md.push("| test | Argo's controller | ours | classification / note |");
md.push('|---|---|---|---|');
for (const r of rows) md.push(`| ${short(r.suite)} / ${r.test} | ${mark[r.argo] ?? r.argo} | ${mark[r.ours] ?? r.ours} | ${r.classification}${r.note ? `: ${r.note.replace(/\|/g, '\\|')}` : ''} |`);
md.push('');
md.push('Suites not run, and what they need:');
md.push('');
for (const [suite, why] of Object.entries(NOT_RUN)) {
  const tests = allTests[suite];
  if (!tests) continue;
  md.push(`- ${short(suite)} (${tests.length}: ${tests.join(', ')}): ${why}.`);
}
const section = md.join('\n');

const failures = [];
for (const r of rows) {
  for (const c of CONTROLLERS) {
    const f = c === 'argo' ? r.argoFailure : r.oursFailure;
    if (r[c] !== 'pass' && r[c] !== 'not run') failures.push(`- **${short(r.suite)} / ${r.test}** (${c}, ${r.classification}): ${f || '(no message; see the shard log)'}`);
  }
}
fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify({ version: args.version, seconds, summary, rows }, null, 2));
fs.writeFileSync(path.join(out, 'results.md'), `${section}\n\n## Failure messages\n\n${failures.join('\n')}\n`);

if (args.doc) {
  const begin = '<!-- argo-e2e:begin -->';
  const end = '<!-- argo-e2e:end -->';
  let doc = fs.readFileSync(args.doc, 'utf8');
  const block = `${begin}\n${section}\n${end}`;
  if (doc.includes(begin) && doc.includes(end)) doc = doc.slice(0, doc.indexOf(begin)) + block + doc.slice(doc.indexOf(end) + end.length);
  else doc = `${doc.replace(/\n*$/, '\n')}\n## Argo Rollouts' e2e suite: Argo's controller and ours\n\n${block}\n`;
  fs.writeFileSync(args.doc, doc);
}

console.log(`argo-e2e: results in ${path.join(out, 'results.md')}`);
for (const s of summary) console.log(`argo-e2e: ${short(s.suite)}: ${s.tests} tests, Argo's controller passes ${s.argo}, ours ${s.ours} (${s.oursFailArgoPasses} fail with ours only)`);
console.log(`argo-e2e: all: ${tot.tests} tests, Argo's ${tot.argo}, ours ${tot.ours}, ${tot.o} fail with ours only, ${tot.e} with both`);
const ourFailures = rows.filter((r) => r.classification === 'ours');
if (ourFailures.length) {
  console.log(`argo-e2e: pass with Argo's controller, fail with ours: ${ourFailures.map((r) => r.test).join(', ')}`);
  process.exit(1);
}
