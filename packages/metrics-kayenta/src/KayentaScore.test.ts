import * as E from 'fp-ts/lib/Either';
import { judgeScore, readCanaryConfigId, readExecutionId, readJudgement } from './KayentaScore';

describe('judgeScore', () => {
  it.each([
    [95, { pass: 90, marginal: 75 }, 95, 'Successful'],
    [89.9, { pass: 90, marginal: 75 }, 89, 'Inconclusive'],
    [74.99, { pass: 90, marginal: 75 }, 74, 'Failed'],
    [0, { pass: 0, marginal: 0 }, 0, 'Successful'],
    [50, { pass: 50, marginal: 50 }, 50, 'Successful'],
    [49.5, { pass: 50, marginal: 50 }, 49, 'Failed'],
  ] as const)('score %d with %j is %d, %s', (score, threshold, s, phase) => expect(judgeScore(score, threshold)).toEqual({ score: s, phase }));
});

describe('readers', () => {
  it('finds the config id by name', () => {
    expect(readCanaryConfigId('[{"id":"a","name":"x"},{"id":"b","name":"y"}]', 'y')).toEqual(E.right('b'));
    expect(readCanaryConfigId('[{"name":"y"}]', 'y')).toEqual(E.left('canary config "y" has no id in the canary config list'));
  });
  it('reads an execution id and refuses a blank one', () => {
    expect(readExecutionId('{"canaryExecutionId":"01D"}')).toEqual(E.right('01D'));
    expect(E.isLeft(readExecutionId('{"canaryExecutionId":"  "}'))).toBe(true);
  });
  it('reads a judgement', () => {
    expect(readJudgement('{"complete":false,"status":"running"}')).toEqual(E.right({ _tag: 'Running', status: 'running' }));
    expect(readJudgement('{"complete":true,"result":{"judgeResult":{"score":{"score":87.5}}}}')).toEqual(E.right({ _tag: 'Scored', score: 87.5 }));
    expect(readJudgement('{"complete":true,"result":{"judgeResult":{"score":{"score":"87"}}}}')).toEqual(E.right({ _tag: 'NoScore' }));
  });
});
