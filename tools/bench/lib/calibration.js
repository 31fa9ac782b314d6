'use strict';
/**
 * Calibration (perf.md §4.1): kube-sim's own ceilings on this machine, in the same run, so every other figure
 * can be read as a ratio. A null client in the bench process drives kube-sim over keep-alive HTTP: serial GET
 * and PATCH (round trip), PATCH with 8 in flight (throughput ceiling), and watch delivery (PATCH sent to
 * event received on an open watch).
 */
const http = require('node:http');
const { percentile, round } = require('./report');

const NS_PATH = '/api/v1/namespaces/default/configmaps';

function request(agent, url, method, path, body, contentType = 'application/json') {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      url + path,
      { method, agent, headers: { Accept: 'application/json', 'User-Agent': 'bench-calibration', ...(data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {}) } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => (res.statusCode >= 400 ? reject(new Error(`${method} ${path}: ${res.statusCode}`)) : resolve(Buffer.concat(chunks))));
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

async function rate(total, inFlight, one) {
  let next = 0;
  const rtts = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        const s = process.hrtime.bigint();
        await one(i);
        rtts.push(Number(process.hrtime.bigint() - s) / 1e3);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { perSec: total / seconds, p50us: percentile(rtts, 50), p99us: percentile(rtts, 99) };
}

/** Watch delivery: serial PATCHes of one ConfigMap while a watch is open; send to event arrival. */
function watchDelivery(agent, url, n) {
  return new Promise((resolve, reject) => {
    const sent = new Map();
    const lat = [];
    let buf = '';
    let i = 0;
    const req = http.get(`${url}${NS_PATH}?watch=true&fieldSelector=metadata.name%3Dcalibration&resourceVersion=0`, { headers: { 'User-Agent': 'bench-calibration' } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const ev = JSON.parse(line);
          const v = ev.object && ev.object.data && ev.object.data.w;
          if (ev.type === 'MODIFIED' && sent.has(v)) {
            lat.push(Number(process.hrtime.bigint() - sent.get(v)) / 1e3);
            sent.delete(v);
            if (lat.length === n) {
              req.destroy();
              resolve({ p50us: percentile(lat, 50), p99us: percentile(lat, 99) });
            } else next();
          }
        }
      });
    });
    req.on('error', (e) => (lat.length === n ? undefined : reject(e)));
    const next = () => {
      const v = `w${++i}`;
      sent.set(v, process.hrtime.bigint());
      request(agent, url, 'PATCH', `${NS_PATH}/calibration`, { data: { w: v } }, 'application/merge-patch+json').catch(reject);
    };
    setTimeout(next, 50);
  });
}

async function calibrate(env, report, { requests = 1500 } = {}) {
  report.log('calibration: kube-sim request ceilings (null client)');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const url = env.url;
  await request(agent, url, 'POST', NS_PATH, { metadata: { name: 'calibration' }, data: { v: '0' } });
  await rate(200, 1, () => request(agent, url, 'GET', `${NS_PATH}/calibration`)); // warm-up
  const get = await rate(requests, 1, () => request(agent, url, 'GET', `${NS_PATH}/calibration`));
  const merge = 'application/merge-patch+json';
  const patch = await rate(requests, 1, (i) => request(agent, url, 'PATCH', `${NS_PATH}/calibration`, { data: { v: String(i) } }, merge));
  const patch8 = await rate(requests * 2, 8, (i) => request(agent, url, 'PATCH', `${NS_PATH}/calibration`, { data: { v: `p${i}` } }, merge));
  const watch = await watchDelivery(agent, url, 200);
  agent.destroy();
  const ceilings = {
    e_serial_get_rps: Math.round(get.perSec),
    e_serial_rtt_us: Math.round(patch.p50us),
    e_serial_patch_rps: Math.round(patch.perSec),
    e_max_rps: Math.round(patch8.perSec),
    e_watch_delivery_us: Math.round(watch.p50us),
  };
  report.setCeilings(ceilings);
  const f = (metric, value, unit, extra = {}) => report.figure({ scenario: 'calibration', metric, value: round(value, value < 100 ? 3 : 0), unit, ...extra });
  f('GET serial', get.perSec, 'req/s', { p50: round(get.p50us / 1000, 3), p99: round(get.p99us / 1000, 3) });
  f('PATCH serial', patch.perSec, 'req/s', { p50: round(patch.p50us / 1000, 3), p99: round(patch.p99us / 1000, 3) });
  f('PATCH 8 in flight (ceiling)', patch8.perSec, 'req/s', { p50: round(patch8.p50us / 1000, 3), p99: round(patch8.p99us / 1000, 3) });
  f('watch delivery', watch.p50us / 1000, 'ms', { p50: round(watch.p50us / 1000, 3), p99: round(watch.p99us / 1000, 3) });
  return ceilings;
}

module.exports = { calibrate };
