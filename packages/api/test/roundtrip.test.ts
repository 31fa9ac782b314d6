import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either';
import { AnalysisRun, Experiment, Rollout, decode, type Codec } from '@rollouts/api';
import { arbitraryFor } from './arbitrary';

const kinds: Array<[string, Codec<unknown>]> = [
  ['Rollout', Rollout as Codec<unknown>],
  ['AnalysisRun', AnalysisRun as Codec<unknown>],
  ['Experiment', Experiment as Codec<unknown>],
];

describe.each(kinds)('%s round trip (property)', (_kind, codec) => {
  it('decodes every generated value and encode(decode(x)) deep-equals x, unknown fields included', () => {
    fc.assert(
      fc.property(arbitraryFor(codec.node, '', true), ({ value }) => {
        const snapshot = JSON.parse(JSON.stringify(value));
        const decoded = decode(codec, value);
        expect(E.isRight(decoded)).toBe(true);
        if (E.isRight(decoded)) expect(codec.encode(decoded.right)).toEqual(snapshot);
        // and decoding did not touch its input
        expect(value).toEqual(snapshot);
      }),
      { numRuns: 150 },
    );
  });

  it('strict decoding reports exactly the planted unknown fields, by path', () => {
    fc.assert(
      fc.property(arbitraryFor(codec.node, '', true), ({ value, unknown }) => {
        const r = decode(codec, value, { strict: true });
        const reported = E.isLeft(r) ? r.left.map((e) => e.path) : [];
        expect([...reported].sort()).toEqual([...unknown].sort());
      }),
      { numRuns: 150 },
    );
  });
});
