'use strict';
/**
 * The load driver, loaded into the kube-sim process by `kube-sim --driver` (perf.md §4.1: the driver lives in
 * the emulator so it costs no extra process). It seeds objects directly into storage (not over HTTP, so they
 * are neither logged nor counted), changes templates, and timestamps what the controller does from the
 * server's request log. The bench process calls it over the IPC channel (lib/ipc.js).
 */
const path = require('node:path');
const root = path.resolve(__dirname, '../../..');
const { customResourceDefinitions } = require(path.join(root, 'packages/api/dist'));
const { podTemplateHash } = require(path.join(root, 'packages/core/dist'));
const { serve } = require('./ipc');
const fleet = require('./fleet');

const RO = ['argoproj.io/v1alpha1', 'Rollout'];
const RS = ['apps/v1', 'ReplicaSet'];
const WRITES = ['create', 'update', 'patch', 'delete'];
const CONTROLLER_AGENT = 'rollouts-controller';

module.exports = function driver(sim) {
  for (const crd of customResourceDefinitions()) sim.objects.create(crd);
  const namespaces = new Set(sim.objects.list('v1', 'Namespace').map((n) => n.metadata.name));

  /**
   * Template changes waiting for their first canary scale: by expected canary ReplicaSet name
   * (`<rollout>-<hash>`), the change time (ms, hrtime-based wall clock) and the namespace.
   */
  const pending = new Map();
  const pendingByNs = new Map();
  const latencies = [];
  const stamp = (key, rs, at) => {
    const p = pending.get(key);
    if (p === undefined || rs === undefined || !(rs.spec && rs.spec.replicas > 0)) return;
    pending.delete(key);
    pendingByNs.get(p.ns).delete(key);
    latencies.push({ name: p.name, ms: at - p.t0 });
  };
  sim.requestLog.subscribe((r) => {
    if (pending.size === 0 || r.resource !== 'replicasets' || !WRITES.includes(r.verb) || r.code >= 300) return;
    if (!r.userAgent.startsWith(CONTROLLER_AGENT)) return;
    const at = r.time + r.durationMs;
    if (r.name !== '') {
      const key = `${r.namespace}/${r.name}`;
      if (pending.has(key)) stamp(key, sim.objects.get(...RS, r.name, r.namespace), at);
      return;
    }
    // A create names its object in the body only: look for the expected ReplicaSets of this namespace.
    const inNs = pendingByNs.get(r.namespace);
    if (inNs === undefined) return;
    for (const key of [...inNs]) stamp(key, sim.objects.get(...RS, key.slice(r.namespace.length + 1), r.namespace), at);
  });

  const ensureNamespace = (ns) => {
    if (namespaces.has(ns)) return;
    sim.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    namespaces.add(ns);
  };

  const healthy = (ro) => {
    const s = ro && ro.status;
    return s != null && s.phase === 'Healthy' && String(s.observedGeneration) === String(ro.metadata.generation) && s.currentPodHash === s.stableRS;
  };

  const faults = [];

  serve({
    /** Create Services and Rollouts (and `oldRevisions` scaled-down ReplicaSets each) directly in storage. */
    createRollouts({ ns, names, replicas, steps, oldRevisions = 0 }) {
      ensureNamespace(ns);
      for (const name of names) {
        sim.objects.create(fleet.service(ns, `${name}-canary`, name));
        sim.objects.create(fleet.service(ns, `${name}-stable`, name));
        const ro = sim.objects.create(fleet.rollout(ns, name, { replicas, steps }));
        for (let rev = 1; rev <= oldRevisions; rev++) sim.objects.create(fleet.oldReplicaSet(ro, rev));
      }
      return names.length;
    },
    /** Change the image of each named Rollout now; with `track`, time it to the first canary scale. */
    setImage({ ns, names, image, track = false }) {
      for (const name of names) {
        const ro = sim.objects.get(...RO, name, ns);
        if (ro === undefined) throw new Error(`no Rollout ${ns}/${name}`);
        const next = JSON.parse(JSON.stringify(ro));
        next.spec.template.spec.containers[0].image = image;
        const t0 = performance.timeOrigin + performance.now();
        const stored = sim.objects.update(next);
        if (!track) continue;
        const key = `${ns}/${name}-${podTemplateHash(stored.spec.template, stored.status && stored.status.collisionCount)}`;
        pending.set(key, { name, ns, t0 });
        if (!pendingByNs.has(ns)) pendingByNs.set(ns, new Set());
        pendingByNs.get(ns).add(key);
      }
      return names.length;
    },
    /** Latencies recorded so far (ms), and how many tracked changes have not scaled a canary yet; clears both. */
    takeLatencies() {
      const out = { ms: latencies.splice(0).map((l) => l.ms), missing: pending.size };
      pending.clear();
      pendingByNs.clear();
      return out;
    },
    pendingCount: () => pending.size,
    /** Wait until every named Rollout is Healthy at its current generation; resolves to the wait in ms. */
    async waitHealthy({ ns, names, timeoutMs = 60_000 }) {
      const t0 = Date.now();
      let left = names.slice();
      for (;;) {
        left = left.filter((n) => !healthy(sim.objects.get(...RO, n, ns)));
        if (left.length === 0) return Date.now() - t0;
        if (Date.now() - t0 > timeoutMs) {
          const ro = sim.objects.get(...RO, left[0], ns);
          throw new Error(`${left.length} of ${names.length} Rollouts in ${ns} not Healthy after ${timeoutMs} ms; ${left[0]}: ${JSON.stringify(ro && ro.status)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** Objects in the store, by kind (Rollouts, ReplicaSets, Services, Pods). */
    objectCounts() {
      const ro = sim.objects.list(...RO);
      const rs = sim.objects.list(...RS);
      const svc = sim.objects.list('v1', 'Service');
      // what the controller caches: these objects as JSON, without managedFields (its informers strip them)
      const bytes = (objs) => objs.reduce((n, o) => n + JSON.stringify({ ...o, metadata: { ...o.metadata, managedFields: undefined } }).length, 0);
      return {
        rollouts: ro.length,
        replicaSets: rs.length,
        services: svc.length,
        pods: sim.objects.list('v1', 'Pod').length,
        cachedJsonBytes: bytes(ro) + bytes(rs.filter((r) => r.metadata.labels && r.metadata.labels[fleet.HASH_LABEL] !== undefined)) + bytes(svc),
      };
    },
    mark: () => sim.requestLog.mark(),
    /** Requests since `since` by bucket, as the controller sent them; 409s and reads apart. */
    requests({ since, userAgent = CONTROLLER_AGENT, namespace }) {
      const f = { since, userAgent, ...(namespace !== undefined ? { namespace } : {}) };
      return {
        writes: sim.requestLog.countsByBucket({ ...f, writes: true }),
        reads: sim.requestLog.count({ ...f, verb: ['get', 'list'] }),
        watches: sim.requestLog.count({ ...f, verb: 'watch' }),
        conflicts: sim.requestLog.count({ ...f, code: 409 }),
        errors: sim.requestLog.entries(f).filter((r) => r.code >= 400).length,
      };
    },
    /** Add `ms` to every write (perf.md §4.5: closer to a real API server). */
    writeLatency({ ms }) {
      faults.push(sim.inject.latency({ verb: WRITES, ms }));
      return faults.length;
    },
    /** Pods of every image become Ready `ms` after they start (0: at once, kube-sim's default). */
    podReadyAfter({ ms }) {
      sim.workloads.setPodRules(ms > 0 ? [{ image: '*', readyAfterMs: ms }] : []);
    },
    clearFaults() {
      sim.inject.clear();
      faults.length = 0;
    },
    memory() {
      return process.memoryUsage();
    },
    /** CPU time of this process (µs) and a wall-clock stamp (ms), to compute its load over a window. */
    cpu() {
      const c = process.cpuUsage();
      return { us: c.user + c.system, ms: performance.now() };
    },
  });
  // the bench process is gone (killed, or it crashed): do not outlive it
  process.on('disconnect', () => void sim.stop().then(() => process.exit(0)));
  process.send({ ready: true, url: sim.url });
};
