#!/usr/bin/env node
'use strict';
// Throughput of kube-sim over HTTP (run `npm run build` in this package first):
//  - GET and PATCH requests per second, serial and with 8 in flight (keep-alive connections);
//  - a LIST of 10,000 objects (one page, and in pages of 500);
//  - a WATCH delivering 10,000 objects (initial ADDED events) and 10,000 live changes.
// The simulator runs in a child process so that the load generator does not share its event loop.
// Usage: node bench/throughput.js [--requests N] [--objects N] [--in-process]
const http = require('node:http');
const { fork } = require('node:child_process');
const { startKubeSim } = require('../dist/index.js');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const REQUESTS = opt('--requests', 4000);
const OBJECTS = opt('--objects', 10000);

function request(agent, url, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      url + path,
      { method, agent, headers: { Accept: 'application/json', ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}), ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode >= 400 ? reject(new Error(`${method} ${path}: ${res.statusCode} ${Buffer.concat(chunks)}`)) : resolve(Buffer.concat(chunks))));
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function rate(label, total, inFlight, one) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        await one(i);
      }
    }),
  );
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const perSec = Math.round(total / s);
  console.log(`${label.padEnd(44)} ${String(perSec).padStart(7)} req/s  (${total} in ${s.toFixed(2)} s)`);
  return perSec;
}

async function time(label, f) {
  const t0 = process.hrtime.bigint();
  const out = await f();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(7)} ms${out ? `  (${out})` : ''}`);
  return ms;
}

function watchUntil(url, path, count) {
  return new Promise((resolve, reject) => {
    let seen = 0;
    let buf = '';
    const req = http.get(url + path, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('{"type":"ADDED"') || line.startsWith('{"type":"MODIFIED"')) seen++;
          if (seen === count) {
            req.destroy();
            resolve(seen);
          }
        }
      });
      res.on('error', reject);
    });
    req.on('error', (e) => (seen === count ? undefined : reject(e)));
  });
}

const simOptions = { token: null, workloads: false, eventLogSize: OBJECTS * 2 };

/** Start the simulator in a child process (default) or in this one; resolves to { url, stop }. */
async function startServer() {
  if (args.includes('--in-process')) {
    const sim = await startKubeSim(simOptions);
    return { url: sim.url, stop: () => sim.stop(), where: 'in process' };
  }
  const child = fork(__filename, ['--serve', ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, stop: async () => child.kill('SIGTERM'), where: `child process ${child.pid}` };
}

async function serve() {
  const sim = await startKubeSim(simOptions);
  process.send({ url: sim.url });
  process.once('SIGTERM', () => void sim.stop().then(() => process.exit(0)));
}

async function main() {
  const server = await startServer();
  const url = server.url;
  console.log(`kube-sim ${url} (${server.where})  node ${process.version}  ${require('node:os').cpus().length} cpus`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const ns = '/api/v1/namespaces/default/configmaps';
  await request(agent, url, 'POST', ns, { metadata: { name: 'hot', labels: { app: 'bench' } }, data: { v: '0' } });

  console.log('\n-- request rate (small ConfigMap, keep-alive) --');
  await rate('GET serial', REQUESTS, 1, () => request(agent, url, 'GET', `${ns}/hot`));
  await rate('GET, 8 in flight', REQUESTS, 8, () => request(agent, url, 'GET', `${ns}/hot`));
  const merge = { 'Content-Type': 'application/merge-patch+json' };
  await rate('PATCH (merge) serial', REQUESTS, 1, (i) => request(agent, url, 'PATCH', `${ns}/hot`, { data: { v: String(i) } }, merge));
  await rate('PATCH (merge), 8 in flight', REQUESTS, 8, (i) => request(agent, url, 'PATCH', `${ns}/hot`, { data: { v: `x${i}` } }, merge));
  await rate('POST (create) 8 in flight', REQUESTS, 8, (i) => request(agent, url, 'POST', '/api/v1/namespaces/kube-public/configmaps', { metadata: { name: `c${i}` } }));

  console.log(`\n-- ${OBJECTS} objects --`);
  await request(agent, url, 'POST', '/api/v1/namespaces', { metadata: { name: 'many' } });
  const many = '/api/v1/namespaces/many/configmaps';
  await time(`create ${OBJECTS} over HTTP, 8 in flight`, async () => {
    await rate('  (rate)', OBJECTS, 8, (i) => request(agent, url, 'POST', many, { metadata: { name: `obj-${String(i).padStart(5, '0')}`, labels: { i: String(i % 10) } }, data: { payload: 'x'.repeat(200) } }));
  });
  let listRv = '';
  await time(`LIST ${OBJECTS} in one response`, async () => {
    const body = await request(agent, url, 'GET', many);
    const list = JSON.parse(body);
    listRv = list.metadata.resourceVersion;
    return `${list.items.length} items, ${(body.length / 1e6).toFixed(1)} MB`;
  });
  await time(`LIST ${OBJECTS} in pages of 500`, async () => {
    let cont = '';
    let n = 0;
    let pages = 0;
    do {
      const body = JSON.parse(await request(agent, url, 'GET', `${many}?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ''}`));
      n += body.items.length;
      pages++;
      cont = body.metadata.continue || '';
    } while (cont);
    return `${n} items, ${pages} pages`;
  });
  await time('LIST with labelSelector i=3', async () => `${JSON.parse(await request(agent, url, 'GET', `${many}?labelSelector=i%3D3`)).items.length} items`);
  await time(`WATCH from scratch: ${OBJECTS} initial ADDED`, async () => `${await watchUntil(url, `${many}?watch=true`, OBJECTS)} events`);
  await time(`WATCH from list RV: ${OBJECTS} live changes`, async () => {
    const watching = watchUntil(url, `${many}?watch=true&resourceVersion=${listRv}`, OBJECTS);
    await new Promise((r) => setTimeout(r, 50));
    await rate('  (patch rate while watched, 8 in flight)', OBJECTS, 8, (i) =>
      request(agent, url, 'PATCH', `${many}/obj-${String(i).padStart(5, '0')}`, { data: { v: '1' } }, merge),
    );
    return `${await watching} events`;
  });
  await time(`WATCH replay of ${OBJECTS} logged events`, async () => `${await watchUntil(url, `${many}?watch=true&resourceVersion=${listRv}`, OBJECTS)} events`);

  const log = JSON.parse(await request(agent, url, 'GET', '/kube-sim/requests'));
  console.log(`\nrequest log at the server: ${log.total} requests, ${log.writes} writes, by bucket ${JSON.stringify(log.byBucket)}`);
  agent.destroy();
  await server.stop();
}

(args.includes('--serve') ? serve() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});
