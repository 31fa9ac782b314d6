/**
 * Where an AWS client goes and who it signs as: the region, the endpoint and the credentials, each from the
 * standard AWS chain unless given explicitly.
 *
 * - Region: `region` option → `AWS_REGION` → `AWS_DEFAULT_REGION` → the `region` of the shared config
 *   profile (`AWS_PROFILE`, `~/.aws/config`), as the AWS SDK resolves it.
 * - Endpoint: `endpoint` option → `AWS_ENDPOINT_URL_<SERVICE>` (e.g. `AWS_ENDPOINT_URL_CLOUDWATCH`,
 *   `AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2`) → `AWS_ENDPOINT_URL` → the service's public endpoint.
 *   These are the variable names the AWS SDKs honour; they are read from the environment the controller
 *   passes in (so a test can point one client at an emulator without touching `process.env`).
 * - Credentials: `credentials` option → the SDK's Node provider chain (`fromNodeProviderChain`): environment
 *   keys, web identity token (IRSA / EKS Pod Identity), SSO and shared ini profiles, the ECS container role,
 *   the EC2 instance role; with `roleArn` those credentials assume the role through STS first.
 */
import * as E from 'fp-ts/lib/Either';
import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';

/** AWS credentials (the shape the AWS SDK uses). */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}
/** Something that produces credentials when asked (and may refresh them). */
export type AwsCredentialIdentityProvider = () => Promise<AwsCredentialIdentity>;

/** The environment a plugin reads (the controller's `ProviderDeps.env`, or `process.env`). */
export type AwsEnv = Readonly<Record<string, string | undefined>>;

/** What a caller may pin; everything left out comes from the standard chain. */
export interface AwsSettingsInput {
  readonly region?: string | undefined;
  /** A shared config/credentials profile name (like `AWS_PROFILE`). */
  readonly profile?: string | undefined;
  /** An IAM role to assume (STS `AssumeRole`) with the chain's credentials. */
  readonly roleArn?: string | undefined;
  /** An endpoint URL for the service, overriding every environment variable. */
  readonly endpoint?: string | undefined;
  /** Fixed credentials or a provider, instead of the chain (tests, embedding). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Default: `process.env`. */
  readonly env?: AwsEnv | undefined;
}

/** What a client is built with. `region` undefined means "let the SDK read the shared config profile". */
export interface AwsSettings {
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly credentials: AwsCredentialIdentityProvider;
  readonly profile: string | undefined;
}

const nonEmpty = (s: string | undefined): string | undefined => (s === undefined || s.trim() === '' ? undefined : s.trim());

/**
 * The SDK service id → the suffix of its `AWS_ENDPOINT_URL_<SUFFIX>` variable (spaces → `_`, upper case),
 * e.g. `CloudWatch` → `CLOUDWATCH`, `Elastic Load Balancing v2` → `ELASTIC_LOAD_BALANCING_V2`.
 */
export const endpointEnvName = (serviceId: string): string => `AWS_ENDPOINT_URL_${serviceId.split(' ').map((w) => w.toUpperCase()).join('_')}`;

/** The endpoint override for `serviceId`, or undefined for the public endpoint. Errors name the variable that holds a bad URL. */
export function endpointFor(serviceId: string, input: Pick<AwsSettingsInput, 'endpoint' | 'env'>, field = 'endpoint'): E.Either<PluginError, string | undefined> {
  const env = input.env ?? process.env;
  const specific = endpointEnvName(serviceId);
  const candidates: ReadonlyArray<readonly [string, string | undefined]> = [
    [field, nonEmpty(input.endpoint)],
    [specific, nonEmpty(env[specific])],
    ['AWS_ENDPOINT_URL', nonEmpty(env['AWS_ENDPOINT_URL'])],
  ];
  const found = candidates.find(([, v]) => v !== undefined);
  if (found === undefined) return E.right(undefined);
  const [name, value] = found as readonly [string, string];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return E.left(PluginErrors.pluginConfigInvalid({ path: name, message: `${name} is not a URL: ${JSON.stringify(value)} (expected http(s)://host[:port])` }));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return E.left(PluginErrors.pluginConfigInvalid({ path: name, message: `${name} must be an http or https URL, got ${JSON.stringify(value)}` }));
  }
  return E.right(value.replace(/\/+$/, ''));
}

/** The region from the option or the environment; undefined leaves it to the SDK's shared-config lookup. */
export function regionFrom(input: Pick<AwsSettingsInput, 'region' | 'env'>): string | undefined {
  const env = input.env ?? process.env;
  return nonEmpty(input.region) ?? nonEmpty(env['AWS_REGION']) ?? nonEmpty(env['AWS_DEFAULT_REGION']);
}

const isProvider = (c: AwsCredentialIdentity | AwsCredentialIdentityProvider): c is AwsCredentialIdentityProvider => typeof c === 'function';

/**
 * The credentials provider for `input` (see the module comment for the order). Never calls AWS by itself. STS
 * (for `roleArn`) goes to `stsEndpoint`, else `AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL` of `input.env`.
 */
export function credentialsFor(input: AwsSettingsInput, region: string | undefined, stsEndpoint?: string): AwsCredentialIdentityProvider {
  const given = input.credentials;
  const base: AwsCredentialIdentityProvider =
    given === undefined ? fromNodeProviderChain(nonEmpty(input.profile) === undefined ? {} : { profile: nonEmpty(input.profile) as string }) : isProvider(given) ? given : async () => given;
  const roleArn = nonEmpty(input.roleArn);
  if (roleArn === undefined) return base;
  if (stsEndpoint === undefined) {
    const sts = endpointFor('STS', { env: input.env ?? process.env });
    if (E.isRight(sts)) stsEndpoint = sts.right;
  }
  return fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: 'rollouts-controller' },
    masterCredentials: base,
    clientConfig: { ...(region === undefined ? {} : { region }), ...(stsEndpoint === undefined ? {} : { endpoint: stsEndpoint }) },
  });
}

/**
 * Resolve everything a client for `serviceId` (the SDK's service id: `CloudWatch`, `Elastic Load Balancing v2`)
 * needs, or a configuration error naming the variable or field that is wrong.
 */
export function awsSettings(serviceId: string, input: AwsSettingsInput = {}): E.Either<PluginError, AwsSettings> {
  const endpoint = endpointFor(serviceId, input);
  if (E.isLeft(endpoint)) return endpoint;
  const region = regionFrom(input);
  return E.right({
    region,
    endpoint: endpoint.right,
    credentials: credentialsFor(input, region),
    profile: nonEmpty(input.profile),
  });
}
