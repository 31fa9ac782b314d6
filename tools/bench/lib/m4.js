'use strict';
/**
 * M4 API writes per completed canary, counted at kube-sim (the server) by resource and verb, against the
 * theoretical minimum W_min = 3 + 1 + (3k − 1) + p + 4 (perf.md §4.4; S1: k = 3 setWeight, p = 3 pauses, so
 * 19). K rollouts of the S1 spec (replicas 4, canary and stable Services, 1 s pauses) run one canary each,
 * three times: pods Ready at once (kube-sim's default, d_rs = 0: status changes can fold into one patch), pods
 * Ready after 50 ms (each scale waits for its pods, as in a cluster), and that plus 5 ms added to every write.
 * Events are counted apart; Leases are not used.
 */
const { round, sleep } = require('./report');
const { S1_STEPS, minimumWrites } = require('./fleet');

const K = 10;
const NS = 'm4';
/** A readiness delay for the variants where each scale waits for its pods, as in a real cluster. */
const READY_MS = 50;

async function m4(env, report) {
  const names = Array.from({ length: K }, (_, i) => `s1-${String(i).padStart(2, '0')}`);
  await env.sim('createRollouts', { ns: NS, names, replicas: 4, steps: S1_STEPS });
  env.rolloutsTotal += K;
  await env.sim('waitHealthy', { ns: NS, names, timeoutMs: 60_000 });
  await sleep(300);
  const minimum = minimumWrites(3, 3);
  const variants = [
    { readyMs: 0, writeMs: 0 },
    { readyMs: READY_MS, writeMs: 0 },
    { readyMs: READY_MS, writeMs: 5 },
  ];
  for (const { readyMs, writeMs } of variants) {
    await env.sim('podReadyAfter', { ms: readyMs });
    if (writeMs > 0) await env.sim('writeLatency', { ms: writeMs });
    const label = [readyMs > 0 ? `pods Ready after ${readyMs} ms` : '', writeMs > 0 ? `+${writeMs} ms per write` : ''].filter((x) => x !== '').map((x) => ` (${x})`).join('');
    report.log(`M4 S1 basic canary on ${K} rollouts${label}`);
    const mark = await env.sim('mark');
    const t0 = Date.now();
    await env.sim('setImage', { ns: NS, names, image: env.nextImage() });
    await env.sim('waitHealthy', { ns: NS, names, timeoutMs: 60_000 });
    const seconds = (Date.now() - t0) / 1000;
    await sleep(500); // anything the controller still sends after Healthy counts too
    const req = await env.sim('requests', { since: mark, namespace: NS });
    if (writeMs > 0) await env.sim('clearFaults');
    await env.sim('podReadyAfter', { ms: 0 });
    const events = Object.entries(req.writes).filter(([b]) => / events(\.events\.k8s\.io)?$/.test(b)).reduce((s, [, n]) => s + n, 0);
    const byBucket = Object.fromEntries(Object.entries(req.writes).filter(([b]) => !/ events|leases/.test(b)).map(([b, n]) => [b, round(n / K, 2)]));
    const writes = Object.values(byBucket).reduce((s, n) => s + n, 0);
    report.log(`  ${round(writes, 2)} writes per canary (minimum ${minimum}), ${round(events / K, 1)} events, ${req.reads} reads, ${req.conflicts} conflicts; canary ${seconds.toFixed(1)} s incl. three 1 s pauses (second-precision timestamps: each lasts 0-1 s); ${JSON.stringify(byBucket)}`);
    report.figure({
      scenario: 'M4',
      N: K,
      metric: `writes per completed S1 canary${label}`,
      value: round(writes, 2),
      unit: 'writes',
      detail: { minimum, formula: 'W_min = 3 + 1 + (3k - 1) + p + 4, k = 3, p = 3', ratio: round(writes / minimum, 2), byBucket, eventsPerCanary: round(events / K, 2), reads: req.reads, conflicts: req.conflicts, errors: req.errors, canarySeconds: round(seconds, 1) },
      target: { text: `<= 1.1 x ${minimum} = ${round(1.1 * minimum, 1)}`, met: writes <= 1.1 * minimum },
    });
    report.figure({ scenario: 'M4', N: K, metric: `writes / minimum${label}`, value: round(writes / minimum, 2), unit: 'x', target: { text: '<= 1.10', met: writes / minimum <= 1.1 } });
    report.figure({ scenario: 'M4', N: K, metric: `Events per completed canary${label}`, value: round(events / K, 1), unit: 'events', detail: { steps: S1_STEPS.length }, target: { text: '<= 1 per step (6)', met: events / K <= S1_STEPS.length } });
  }
}

module.exports = { m4 };
