/**
 * AWS Signature Version 4 for plain HTTP requests, so an HTTP-based provider can call an AWS service
 * without an AWS SDK client: Amazon Managed Prometheus (service `aps`) for the `prometheus` provider's
 * `authentication.sigv4 {region, profile, roleArn}`, as Argo Rollouts does.
 *
 * The signer is a function ({@link RequestSigner}): give it the request exactly as it will be sent, get back
 * the headers to send with it (yours plus `host`, `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token`
 * when the credentials have one, and `authorization`). Send the body byte for byte as signed.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { PluginError } from '@rollouts/plugin-sdk';
import { PluginErrors } from '@rollouts/plugin-sdk';
import { awsFailure } from './AwsFailure';
import { credentialsFor, regionFrom, type AwsCredentialIdentity, type AwsCredentialIdentityProvider, type AwsEnv } from './AwsSettings';

/** A request to sign: what will go on the wire. */
export interface SignableRequest {
  readonly method: string;
  /** Absolute URL, query string included. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact body (a form or JSON string), or undefined for none. */
  readonly body?: string | undefined;
}

/**
 * Signs one request: resolves to the complete header set to send (the request's headers plus the SigV4
 * ones), or to a PluginError when no credentials can be had (the message names what to check, never a key).
 */
export type RequestSigner = (request: SignableRequest) => TaskEither<PluginError, Readonly<Record<string, string>>>;

export interface SigV4SignerOptions {
  /** The SigV4 service name: `aps` for Amazon Managed Prometheus, `monitoring` for CloudWatch... */
  readonly service: string;
  /** Default: `AWS_REGION`, then `AWS_DEFAULT_REGION`. Required one way or the other. */
  readonly region?: string | undefined;
  /** Shared config profile for the credential chain. */
  readonly profile?: string | undefined;
  /** Role to assume with the chain's credentials. */
  readonly roleArn?: string | undefined;
  /** Fixed credentials or a provider instead of the chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  /** Default: `process.env`. */
  readonly env?: AwsEnv | undefined;
  /** Field path used in configuration errors (default `sigv4`), e.g. `provider.prometheus.authentication.sigv4`. */
  readonly path?: string | undefined;
  /**
   * Send and sign `x-amz-content-sha256` (default true; S3-style services need it, others accept it). Off, the
   * canonical request is exactly the one of AWS's published SigV4 test suite.
   */
  readonly signPayloadHeader?: boolean;
  /** Signing time (tests); default: now. */
  readonly now?: () => Date;
}

/**
 * Build a {@link RequestSigner}. Fails (as a value) only when no region can be found; credential problems
 * show up when a request is signed, so a signer can be built before the credentials exist (IRSA tokens).
 */
export function createSigV4Signer(options: SigV4SignerOptions): E.Either<PluginError, RequestSigner> {
  const path = options.path ?? 'sigv4';
  if (options.service.trim() === '') return E.left(PluginErrors.pluginConfigInvalid({ path: `${path}.service`, message: `${path}: the SigV4 service name is empty` }));
  const region = regionFrom(options);
  if (region === undefined) {
    return E.left(PluginErrors.pluginConfigInvalid({ path: `${path}.region`, message: `${path}.region is not set and neither is the controller's AWS_REGION (or AWS_DEFAULT_REGION)` }));
  }
  const credentials = credentialsFor(options, region);
  const signer = new SignatureV4({ service: options.service, region, credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: true, applyChecksum: options.signPayloadHeader ?? true });
  return E.right((request) => async () => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return E.left(PluginErrors.pluginConfigInvalid({ path, message: `${path}: cannot sign a request to ${JSON.stringify(request.url)}: not a URL` }));
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const seen = query[k];
      query[k] = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
    }
    // Keep the caller's headers as given and add host; SigV4 signs them all (lower-cased by the signer).
    const headers: Record<string, string> = { ...request.headers, host: url.host };
    try {
      const signed = await signer.sign(
        {
          method: request.method.toUpperCase(),
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port === '' ? {} : { port: Number(url.port) }),
          path: url.pathname,
          query,
          headers,
          body: request.body,
        },
        options.now === undefined ? {} : { signingDate: options.now() },
      );
      return E.right(signed.headers as Record<string, string>);
    } catch (err) {
      return E.left(awsFailure('provider', `SigV4 signing for ${options.service}`, options.roleArn ? `sts:AssumeRole on ${options.roleArn} (and ${options.service} access to the role)` : `${options.service} access`, err));
    }
  });
}
