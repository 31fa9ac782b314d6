export { FakeKubeObjectClient } from './FakeKubeObjectClient';
export type { RecordedCall } from './FakeKubeObjectClient';
