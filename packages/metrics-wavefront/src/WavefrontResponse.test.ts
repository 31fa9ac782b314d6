import * as E from 'fp-ts/lib/Either';
import { readWavefrontResponse } from './WavefrontResponse';

const AT = 1494696300;
const body = (timeseries: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ query: 'q', name: 'q', timeseries, granularity: 60, ...extra });

describe('readWavefrontResponse', () => {
  it('one series: the point closest to the measurement time, as a number', () => {
    expect(readWavefrontResponse(body([{ label: 'a', data: [[AT - 120, 0.01], [AT - 60, 0.05], [AT + 90, 0.09]] }]), AT)).toEqual(E.right({ value: 0.05, timestamps: [AT - 60], drift: [-60] }));
  });
  it('several series: one number each, in order, with warnings', () => {
    const r = readWavefrontResponse(body([{ data: [[AT, 1]] }, { data: [[AT + 30, 2], [AT + 200, 3]] }], { warnings: 'partial' }), AT);
    expect(r).toEqual(E.right({ value: [1, 2], timestamps: [AT, AT + 30], drift: [0, 30], warnings: 'partial' }));
  });
  it.each([
    [body([]), 'No TimeSeries found in response from Wavefront'],
    [JSON.stringify({ query: 'q' }), 'No TimeSeries found in response from Wavefront'],
    [body([{ label: 'cpu', data: [] }]), 'timeseries[0] (cpu) has no data points'],
    [body([{ data: [[AT, 'x']] }]), 'timeseries[0].data[0] is not a [timestamp, value] pair of numbers: [1494696300,"x"]'],
    [body({}), 'the Wavefront answer\'s "timeseries" is not an array'],
    ['<html>', 'the Wavefront answer is not JSON: "<html>"'],
    ['[]', 'the Wavefront answer is not a JSON object'],
  ])('%s is an error', (text, message) => expect(readWavefrontResponse(text, AT)).toEqual(E.left(message)));
});
