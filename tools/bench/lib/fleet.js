'use strict';
/**
 * The objects the scenarios run on. A fleet rollout is a basic canary with canary and stable Services; the
 * S1 rollout is perf.md §1.6's (replicas 4, setWeight 25/50/75 with a pause after each).
 */

const HASH_LABEL = 'rollouts-pod-template-hash';

/** Canary steps of the scale scenarios: one weight and a short pause, so a canary completes in about 1 s. */
const FLEET_STEPS = [{ setWeight: 50 }, { pause: { duration: '1s' } }];

/** perf.md S1 with 1 s pauses instead of 60 s: k = 3 setWeight, p = 3 timed pauses. */
const S1_STEPS = [{ setWeight: 25 }, { pause: { duration: '1s' } }, { setWeight: 50 }, { pause: { duration: '1s' } }, { setWeight: 75 }, { pause: { duration: '1s' } }];

/** W_min = 3 + 1 + (3k − 1) + p + 4 (perf.md §4.4). */
function minimumWrites(k, p) {
  return 3 + 1 + (3 * k - 1) + p + 4;
}

function rollout(ns, name, { replicas = 1, steps = FLEET_STEPS, image = 'demo:1' } = {}) {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace: ns, labels: { bench: 'rollouts' } },
    spec: {
      replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
      strategy: { canary: { canaryService: `${name}-canary`, stableService: `${name}-stable`, steps } },
    },
  };
}

function service(ns, name, app) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } };
}

/**
 * An old revision of `ro` (scaled to 0) as the controller would have left it: history for the memory figure,
 * created directly so that the scenario need not run several canaries first.
 */
function oldReplicaSet(ro, revision) {
  const name = ro.metadata.name;
  const hash = `old${revision}${name.length.toString(36)}x`.slice(0, 10);
  const labels = { app: name, [HASH_LABEL]: hash };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-${hash}`,
      namespace: ro.metadata.namespace,
      labels,
      annotations: { 'rollout.argoproj.io/revision': String(revision), 'rollout.argoproj.io/desired-replicas': String(ro.spec.replicas) },
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name, uid: ro.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: `demo:0.${revision}`, ports: [{ name: 'http', containerPort: 8080 }] }] } },
    },
  };
}

module.exports = { HASH_LABEL, FLEET_STEPS, S1_STEPS, minimumWrites, rollout, service, oldReplicaSet };
