import * as E from 'fp-ts/lib/Either';
import { escapeQueryComponent, graphiteRenderQuery, unescapeQueryComponent } from './GraphiteQuery';

const ok = (q: string) => {
  const r = graphiteRenderQuery(q);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
const err = (q: string) => {
  const r = graphiteRenderQuery(q);
  if (E.isRight(r)) throw new Error(`expected an error, got ${r.right.encoded}`);
  return r.left;
};

describe('graphiteRenderQuery', () => {
  it.each([
    // [metric query, encoded query string sent, readable form for the metadata]
    ['target=sumSeries(a.b.*)&from=-5min', 'format=json&from=-5min&target=sumSeries%28a.b.%2A%29', 'format=json&from=-5min&target=sumSeries(a.b.*)'],
    ['\n  target=sumSeries(app.http.*.*.count)&from=-2min \t \n', 'format=json&from=-2min&target=sumSeries%28app.http.%2A.%2A.count%29', 'format=json&from=-2min&target=sumSeries(app.http.*.*.count)'],
    // whitespace goes even inside quoted arguments (as upstream); `+` and %20 are spaces
    ['target=alias(a.b, "my name")&until=now', 'format=json&target=alias%28a.b%2C%22myname%22%29&until=now', 'format=json&target=alias(a.b,"myname")&until=now'],
    ['target=alias(a.b,"my+name")', 'format=json&target=alias%28a.b%2C%22my+name%22%29', 'format=json&target=alias(a.b,"my name")'],
    // an existing format is replaced; several targets keep their order; keys are sorted
    ['target=b&format=csv&target=a&from=-1h', 'format=json&from=-1h&target=b&target=a', 'format=json&from=-1h&target=b&target=a'],
    // already-encoded input is decoded once and re-encoded
    ['target=sumSeries%28a.%2A%29', 'format=json&target=sumSeries%28a.%2A%29', 'format=json&target=sumSeries(a.*)'],
    // tag queries: only the first "=" splits key from value
    ["target=seriesByTag('name=errors','app=web')", 'format=json&target=seriesByTag%28%27name%3Derrors%27%2C%27app%3Dweb%27%29', "format=json&target=seriesByTag('name=errors','app=web')"],
    ['&&target=a&', 'format=json&target=a', 'format=json&target=a'],
  ])('%j → %s', (query, encoded, readable) => {
    const r = ok(query);
    expect(r.encoded).toBe(encoded);
    expect(r.readable).toBe(readable);
  });

  it('lists the targets', () => {
    expect(ok('target=a&target=sumSeries(b.*)&from=-1h').targets).toEqual(['a', 'sumSeries(b.*)']);
  });

  it.each([
    ['', /empty/],
    [' \n\t', /empty/],
    ['from=-5min', /has no target/],
    ['target=&from=-5min', /has no target/],
    ['target=#$%^&*(proper$#$%%^(password&from=-2min', /contains "#" at 7/],
    ['target=a%^b', /invalid URL escape "%\^b"/],
    ['target=a%2', /invalid URL escape "%2"/],
    ['target=a;from=-1h', /invalid semicolon separator/],
  ])('refuses %j', (query, message) => {
    expect(err(query)).toMatch(message);
  });
});

describe('query components', () => {
  it.each([
    ['a b', 'a+b'],
    ["()*!'", '%28%29%2A%21%27'],
    ['-_.~', '-_.~'],
    ['é', '%C3%A9'],
    ['a=b&c', 'a%3Db%26c'],
  ])('escapes %j as %j, and reads it back', (raw, escaped) => {
    expect(escapeQueryComponent(raw)).toBe(escaped);
    expect(unescapeQueryComponent(escaped)).toEqual(E.right(raw));
  });

  it('reads a UTF-8 sequence split over escapes, and + as a space', () => {
    expect(unescapeQueryComponent('caf%C3%A9+au+lait')).toEqual(E.right('café au lait'));
  });
});
