export {
  createWavefrontMetricProvider,
  wavefrontMetricProvider,
  DEFAULT_CONTROLLER_NAMESPACE,
  DEFAULT_WAVEFRONT_TIMEOUT_SECONDS,
  RESOLVED_WAVEFRONT_QUERY_KEY,
  WAVEFRONT_406_ATTEMPTS,
  WAVEFRONT_TOKENS_SECRET,
} from './WavefrontProvider';
export type { WavefrontProviderOptions } from './WavefrontProvider';
export { readWavefrontResponse } from './WavefrontResponse';
export type { WavefrontResult } from './WavefrontResponse';
