import { parseTrafficSplitApiVersion, TRAFFIC_SPLIT_API_VERSIONS } from './TrafficSplit';
import { smiRouter } from './SmiRouter';

describe('--traffic-split-api-version', () => {
  it.each([
    ['v1alpha1', 'split.smi-spec.io/v1alpha1'],
    ['v1alpha2', 'split.smi-spec.io/v1alpha2'],
    ['v1alpha3', 'split.smi-spec.io/v1alpha3'],
    ['split.smi-spec.io/v1alpha3', 'split.smi-spec.io/v1alpha3'],
  ])('%s (Argo spelling or the full apiVersion) names %s', (flag, apiVersion) => {
    expect(parseTrafficSplitApiVersion(flag)).toBe(apiVersion);
  });

  it.each(['v1alpha4', 'v1', '', 'split.smi-spec.io/v1beta1', 'access.smi-spec.io/v1alpha2'])('%j is a start-up error naming the versions there are', (flag) => {
    expect(() => parseTrafficSplitApiVersion(flag)).toThrow(`--traffic-split-api-version: "${flag}" is not a TrafficSplit version this router writes (v1alpha1, v1alpha2, v1alpha3)`);
  });

  it('smiRouter refuses a version it cannot write at start-up (a caller without types)', () => {
    expect(() => smiRouter({ apiVersion: 'split.smi-spec.io/v1alpha4' as never })).toThrow('smiRouter: apiVersion "split.smi-spec.io/v1alpha4" is not one of ' + TRAFFIC_SPLIT_API_VERSIONS.join(', '));
  });
});
