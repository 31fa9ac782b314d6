/**
 * Reading a Wavefront chart API answer (`GET /api/v2/chart/api`) into the `result` users' conditions see: for
 * each time series, the point whose timestamp is closest to the measurement time; one series gives a number,
 * several give an array (in the order Wavefront lists them). Pure: text in, a value or an error text out.
 */
import * as E from 'fp-ts/lib/Either';

/** What was read from the answer. */
export interface WavefrontResult {
  readonly value: number | number[];
  /** Epoch seconds of the point used, per series. */
  readonly timestamps: ReadonlyArray<number>;
  /** Seconds between the point used and the measurement time (point minus time), per series. */
  readonly drift: ReadonlyArray<number>;
  /** Wavefront's `warnings`, when it sent any. */
  readonly warnings?: string;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Read `body`; `atSeconds` is the measurement time in epoch seconds. */
export function readWavefrontResponse(body: string, atSeconds: number): E.Either<string, WavefrontResult> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return E.left(`the Wavefront answer is not JSON: ${JSON.stringify(body.slice(0, 120))}`);
  }
  if (!isObject(json)) return E.left('the Wavefront answer is not a JSON object');
  const series = json['timeseries'] ?? [];
  if (!Array.isArray(series)) return E.left('the Wavefront answer\'s "timeseries" is not an array');
  if (series.length === 0) return E.left('No TimeSeries found in response from Wavefront');
  const values: number[] = [];
  const timestamps: number[] = [];
  const drift: number[] = [];
  for (const [i, s] of series.entries()) {
    const where = `timeseries[${i}]${isObject(s) && typeof s['label'] === 'string' ? ` (${s['label']})` : ''}`;
    const data = isObject(s) ? s['data'] : undefined;
    if (!Array.isArray(data) || data.length === 0) return E.left(`${where} has no data points`);
    let best: [number, number] | undefined;
    for (const [j, point] of data.entries()) {
      if (!Array.isArray(point) || point.length < 2 || typeof point[0] !== 'number' || typeof point[1] !== 'number') {
        return E.left(`${where}.data[${j}] is not a [timestamp, value] pair of numbers: ${JSON.stringify(point)}`);
      }
      const [t, v] = point as [number, number];
      if (best === undefined || Math.abs(t - atSeconds) < Math.abs(best[0] - atSeconds)) best = [t, v];
    }
    values.push(best![1]);
    timestamps.push(best![0]);
    drift.push(best![0] - atSeconds);
  }
  const warnings = typeof json['warnings'] === 'string' && json['warnings'] !== '' ? { warnings: json['warnings'] } : {};
  return E.right({ value: values.length === 1 ? values[0]! : values, timestamps, drift, ...warnings });
}
