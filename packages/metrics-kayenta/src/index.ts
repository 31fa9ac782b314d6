export {
  createKayentaMetricProvider,
  kayentaMetricProvider,
  CANARY_CONFIG_ID_KEY,
  CANARY_EXECUTION_ID_KEY,
  DEFAULT_KAYENTA_JUDGEMENT_TIMEOUT_MS,
  DEFAULT_KAYENTA_POLL_INTERVAL_MS,
  DEFAULT_KAYENTA_TIMEOUT_SECONDS,
  FAILED_POLLS_KEY,
  LAST_POLL_ERROR_KEY,
  MAX_FAILED_POLLS,
  JUDGEMENT_STARTED_AT_KEY,
} from './KayentaProvider';
export type { KayentaProviderOptions } from './KayentaProvider';
export { judgeScore, readCanaryConfigId, readExecutionId, readJudgement } from './KayentaScore';
export type { JudgementState } from './KayentaScore';
