/**
 * AWS SDK failures as plugin errors. Messages say what to check (credentials chain, region, IAM permission,
 * endpoint) and never carry key material: only the AWS error code and AWS's own message, which names
 * identities (ARNs) but not secrets.
 */
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';

/** Which family of plugin errors a failure belongs to. */
export type AwsFailureKind = 'provider' | 'router';

/** AWS error codes that mean "the credentials are wrong or missing", whatever the service. */
const CREDENTIAL_CODES = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'AuthFailure',
  'InvalidAccessKeyId',
]);
const DENIED_CODES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const THROTTLE_CODES = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);

interface SdkErrorShape {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

const CHAIN_HINT =
  'check the controller\'s AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_PROFILE, or the IRSA role (eks.amazonaws.com/role-arn on the service account, AWS_ROLE_ARN/AWS_WEB_IDENTITY_TOKEN_FILE)';

/** Text of an SDK error that is safe to show: its code and AWS's message. */
const describe = (e: SdkErrorShape): { code: string; message: string; status: number | undefined } => ({
  code: typeof e.name === 'string' ? e.name : 'Error',
  message: typeof e.message === 'string' ? e.message : String(e),
  status: typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined,
});

/**
 * Map anything an AWS SDK call threw to a PluginError. `what` names the call (`CloudWatch GetMetricData`),
 * `permission` the IAM action it needs (`cloudwatch:GetMetricData`), `timedOut` whether our own timer fired.
 */
export function awsFailure(kind: AwsFailureKind, what: string, permission: string, err: unknown, timedOut = false, endpoint?: string): PluginError {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as SdkErrorShape;
  const { code, message, status } = describe(e);
  const unavailable = (m: string): PluginError => (kind === 'provider' ? PluginErrors.providerUnavailable({ message: m, cause: err }) : PluginErrors.routerUnavailable({ message: m, cause: err }));
  const rejected = (m: string): PluginError =>
    kind === 'provider' ? PluginErrors.providerResponseInvalid({ message: m, cause: err }) : PluginErrors.routerMisconfigured({ message: m, cause: err });
  const where = endpoint === undefined ? '' : ` at ${endpoint}`;
  if (timedOut) {
    const m = `${what}${where} did not answer in time`;
    return kind === 'provider' ? PluginErrors.providerTimeout({ message: m, cause: err }) : PluginErrors.routerUnavailable({ message: m, cause: err });
  }
  if (code === 'AbortError') return PluginErrors.pluginAborted({ message: `${what} was cancelled`, cause: err });
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return rejected(`${what}: no AWS credentials found in the chain (${message.split('\n')[0] ?? ''}); ${CHAIN_HINT}`);
  }
  if (/Region is missing/i.test(message) || code === 'RegionMissing') {
    return rejected(`${what}: no AWS region configured; set AWS_REGION (or AWS_DEFAULT_REGION, or region in the AWS_PROFILE's ~/.aws/config)`);
  }
  if (CREDENTIAL_CODES.has(code)) return rejected(`${what}: AWS refused the credentials (${code}: ${message}); ${CHAIN_HINT}`);
  if (DENIED_CODES.has(code)) return rejected(`${what}: access denied (${code}: ${message}); grant ${permission} to the controller's IAM identity`);
  if (THROTTLE_CODES.has(code)) return unavailable(`${what}: throttled by AWS (${code}); will retry`);
  if (status === 401 || status === 403) {
    // An answer the SDK could not read (some emulators and proxies answer auth failures in XML to a JSON/CBOR client).
    return rejected(`${what}: AWS answered ${status} (${code}); the credentials were refused or lack ${permission}: ${CHAIN_HINT}`);
  }
  if (status !== undefined) {
    if (status >= 500) return unavailable(`${what}${where}: AWS answered ${status} (${code}: ${message})`);
    return rejected(`${what}: ${code}: ${message}`);
  }
  const errno = typeof e.code === 'string' ? e.code : code;
  return unavailable(`${what}: cannot reach AWS${where} (${errno}: ${message}); check the region, the endpoint (AWS_ENDPOINT_URL*) and the network`);
}
