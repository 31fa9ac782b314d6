export { FakeKubeObjectClient } from './FakeKubeObjectClient';
export type { RecordedCall } from './FakeKubeObjectClient';
export { CONFORMANCE_HEADER_ROUTE, CONFORMANCE_MIRROR_ROUTE, describeRouterConformance, routerConformanceChecks } from './RouterConformance';
export type { RouterConformanceCheck, RouterConformanceSetup } from './RouterConformance';
export { describeMetricProviderConformance, metricProviderConformanceChecks } from './MetricProviderConformance';
export type { MetricProviderConformanceCheck, MetricProviderConformanceSetup } from './MetricProviderConformance';
export { fixedClock } from './FixedClock';
export type { FixedClock } from './FixedClock';
