import * as E from 'fp-ts/lib/Either';
import { blockJson, destinationLabel, expectStatus, guarded, joinUrl, scrub, secretsOf, serviceKey } from './ServiceSupport';

const inst = (type: string, name: string, options: Record<string, unknown> = {}) => ({ type, name, options });

describe('service support', () => {
  it.each([
    [inst('slack', 'slack'), 'service.slack', 'slack to #d'],
    [inst('slack', 'team-a'), 'service.slack.team-a', 'slack "team-a" to #d'],
  ])('names %o as %s / %s', (i, key, label) => {
    expect(serviceKey(i)).toBe(key);
    expect(destinationLabel(i, '#d')).toBe(label);
  });

  it.each([
    ['https://h/api/', 'chat.postMessage', 'https://h/api/chat.postMessage'],
    ['https://h/api', '/x/y', 'https://h/api/x/y'],
    ['https://h', '', 'https://h'],
  ])('joinUrl(%s, %s)', (a, b, out) => expect(joinUrl(a, b)).toBe(out));

  it.each([
    [200, undefined],
    [204, undefined],
    [429, true],
    [500, true],
    [503, true],
    [401, false],
    [403, false],
    [404, false],
    [422, false],
  ])('HTTP %i: retryable %s', (status, retryable) => {
    const r = expectStatus('x', 'https://h/secret/path?token=t', { status, body: '', headers: {} });
    if (retryable === undefined) expect(E.isRight(r)).toBe(true);
    else {
      expect(E.isLeft(r) && r.left.retryable).toBe(retryable);
      expect(E.isLeft(r) && r.left.message).not.toContain('secret/path');
    }
  });

  it('secretsOf collects strings of the named options, nested, plus the key-like parts of URLs', () => {
    const s = secretsOf(inst('teams', 'teams', { recipientUrls: { a: 'https://h.example.com/webhookb2/0123456789abcdef/workflows/x?sig=abcd1234&v=1' }, other: 'not-secret' }), ['recipientUrls']);
    expect(s).toEqual(['https://h.example.com/webhookb2/0123456789abcdef/workflows/x?sig=abcd1234&v=1', 'abcd1234', '0123456789abcdef']);
  });

  it('scrub removes each secret, its base64 and its URL-encoded form; short strings are left', () => {
    const secret = 'p@ss word!';
    const text = `a ${secret} b ${Buffer.from(secret).toString('base64')} c ${encodeURIComponent(secret)} d abc`;
    expect(scrub(text, [secret, 'abc'])).toBe('a *** b *** c *** d abc');
  });

  it('blockJson parses strings, passes structured values, and names the field when the JSON is bad', () => {
    expect(blockJson({ a: '[1,2]' }, 'a', 'l')).toEqual(E.right([1, 2]));
    expect(blockJson({ a: [1] }, 'a', 'l')).toEqual(E.right([1]));
    expect(blockJson({ a: '  ' }, 'a', 'l')).toEqual(E.right(undefined));
    const bad = blockJson({ a: '{' }, 'a', 'slack to #d');
    expect(E.isLeft(bad) && bad.left.message).toMatch(/^slack to #d: template field a is not valid JSON/);
  });
});

describe('guarded', () => {
  it('turns a throw into a permanent error, secrets removed', async () => {
    const r = await guarded(['hunter2-secret'], () => Promise.reject(new Error('bad input near hunter2-secret')))();
    expect(r).toEqual(E.left({ retryable: false, message: 'the sender failed: bad input near ***' }));
  });
});
