'use strict';
/**
 * Request/response over a child process's IPC channel: the bench process calls named operations of the
 * simulator process (the load driver) and of the controller process.
 */

/** In a child: answer `{ id, op, args }` messages with `handlers[op](args)`. */
function serve(handlers) {
  process.on('message', async (m) => {
    if (m === null || typeof m !== 'object' || typeof m.op !== 'string') return;
    const h = handlers[m.op];
    try {
      if (h === undefined) throw new Error(`unknown operation ${m.op}`);
      const result = await h(m.args || {});
      process.send({ id: m.id, result: result === undefined ? null : result });
    } catch (e) {
      process.send({ id: m.id, error: e && e.stack ? e.stack : String(e) });
    }
  });
}

/** In the parent: `call(op, args)` resolves to the child's answer (rejects on its error or exit). */
function client(child, label) {
  let next = 0;
  const waiting = new Map();
  child.on('message', (m) => {
    if (m === null || typeof m !== 'object' || m.id === undefined) return;
    const w = waiting.get(m.id);
    if (w === undefined) return;
    waiting.delete(m.id);
    if (m.error !== undefined) w.reject(new Error(`${label}: ${m.error}`));
    else w.resolve(m.result);
  });
  child.on('exit', (code, signal) => {
    for (const w of waiting.values()) w.reject(new Error(`${label} exited (${signal || code})`));
    waiting.clear();
  });
  return (op, args) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      waiting.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
}

module.exports = { serve, client };
