import { createLogger, formatLogLine } from './Logging';

const T = Date.parse('2024-05-06T07:08:09.010Z');

test.each([
  ['json', 'info', 'reconciled', { rollout: 'default/web', writes: 3 }, '{"time":"2024-05-06T07:08:09.010Z","level":"info","msg":"reconciled","rollout":"default/web","writes":3}'],
  ['text', 'info', 'reconciled', { rollout: 'default/web', writes: 3 }, 'time="2024-05-06T07:08:09.010Z" level=info msg="reconciled" rollout=default/web writes=3'],
  ['text', 'warn', 'x', { message: 'two words', ok: true, none: undefined }, 'time="2024-05-06T07:08:09.010Z" level=warn msg="x" message="two words" ok=true'],
] as const)('%s %s', (format, level, msg, fields, line) => {
  expect(formatLogLine(format, T, level, msg, fields)).toBe(line);
});

test('entries below the level are dropped; fixed fields go on every line', () => {
  const out: string[] = [];
  const log = createLogger({ level: 'warn', format: 'json', out: { write: (s: string) => out.push(s) }, now: () => T, fields: { component: 'c' } });
  log.debug('d');
  log.info('i');
  log.warn('w', { k: 1 });
  log.error('e');
  expect(out.map((l) => JSON.parse(l) as { level: string; component: string }).map((l) => `${l.level}/${l.component}`)).toEqual(['warn/c', 'error/c']);
  expect(out.every((l) => l.endsWith('\n'))).toBe(true);
});
