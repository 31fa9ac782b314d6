/**
 * @rollouts/plugin-aws: AWS for rollouts plugins — region, endpoint and credentials from the standard AWS
 * chain, a SigV4 request signer (Amazon Managed Prometheus), and the ALB router's target-group reader over ELBv2.
 */
export { awsSettings, credentialsFor, endpointEnvName, endpointFor, regionFrom } from './AwsSettings';
export type { AwsCredentialIdentity, AwsCredentialIdentityProvider, AwsEnv, AwsSettings, AwsSettingsInput } from './AwsSettings';
export { awsFailure } from './AwsFailure';
export type { AwsFailureKind } from './AwsFailure';
export { createSigV4Signer } from './SigV4Signer';
export type { RequestSigner, SignableRequest, SigV4SignerOptions } from './SigV4Signer';
export { DEFAULT_ELBV2_TIMEOUT_MS, ELBV2_SERVICE_ID, elbv2TargetGroupReader, weightsFromRules } from './Elbv2TargetGroupReader';
export type { Elbv2TargetGroup, Elbv2TargetGroupReader, Elbv2TargetGroupReaderOptions, TargetHealth } from './Elbv2TargetGroupReader';
export { callAws } from './AwsCall';
export type { AwsCallSpec } from './AwsCall';
export { verifyTargetRegistration } from './TargetRegistration';
export type { ServiceEndpoint, TargetRegistration } from './TargetRegistration';
