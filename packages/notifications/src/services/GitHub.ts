/**
 * `service.github[.<name>]`: a commit status and/or a deployment on GitHub, authenticated as a GitHub App, as
 * Argo's GitHub service does it. The app signs a JWT (RS256, node:crypto) with `privateKey`, exchanges it at
 * `POST /app/installations/<installationID>/access_tokens` for an installation token (kept until a minute before
 * it expires), and calls the REST API (`enterpriseBaseURL`, e.g. https://ghe.example.com/api/v3, or
 * https://api.github.com).
 *
 * The template's `github:` block says where and what:
 * - `repoURLPath` and `revisionPath`: in Argo they default to fields of an Argo CD Application, which a Rollout
 *   does not have, so here both are REQUIRED: template them from the Rollout (for example
 *   `repoURLPath: "{{index .rollout.metadata.annotations \"example.com/repo\"}}"`). After rendering they hold the
 *   repository URL (https or git@ form) and the commit SHA.
 * - `status: {state, label, targetURL}` → `POST /repos/<o>/<r>/statuses/<sha>` (description = message, cut at
 *   140 characters, GitHub's limit; context = label, default "continuous-delivery/rollouts").
 * - `deployment: {state, environment, environmentURL, logURL, requiredContexts, autoMerge,
 *   transientEnvironment, reference}` → the deployment of that ref and environment (found, else created with
 *   `required_contexts` as given, default none), then `POST …/deployments/<id>/statuses`.
 * `pullRequestComment`, `checkRun` and `repositoryDispatch` are not supported: a template using them fails with
 * an error naming the field instead of sending part of what it asks.
 */
import * as crypto from 'node:crypto';
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendContext, SendError, ServiceInstance } from '../Types';
import { JSON_HEADERS, OptionChecker, blockString, destinationLabel, exchangeOk, guarded, joinUrl, jsonBody, permanent, secretsOf, stringOption, templateBlock, describe } from './ServiceSupport';

export const GITHUB_API_URL = 'https://api.github.com';
const STATUS_STATES = ['error', 'failure', 'pending', 'success'];
const DEPLOYMENT_STATES = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
const UNSUPPORTED = ['pullRequestComment', 'checkRun', 'repositoryDispatch'];

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** The app's JWT: issued a minute in the past (clock skew), valid for 9 minutes (GitHub allows 10). */
export function appJwt(appId: string, privateKeyPem: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000) - 60;
  const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({ iat, exp: iat + 600, iss: appId }));
  const signature = crypto.createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKeyPem);
  return `${head}.${body}.${b64url(signature)}`;
}

/** `owner/repo` of a repository URL (`https://github.com/o/r(.git)`, `git@github.com:o/r.git`, `ssh://…`). */
export function repoOf(url: string): { owner: string; repo: string } | undefined {
  const m = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?[^/:]+(?::\d+)?[/:](.+?)(?:\.git)?\/?$/.exec(url.trim());
  const parts = m?.[1]?.split('/').filter((p) => p !== '');
  if (parts === undefined || parts.length < 2) return undefined;
  const repo = parts[parts.length - 1]!;
  const owner = parts[parts.length - 2]!;
  return { owner, repo };
}

function idOption(instance: ServiceInstance, option: string): string | undefined {
  const v = instance.options[option];
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return v.trim();
  return undefined;
}

interface CachedToken {
  readonly token: string;
  readonly validUntil: number;
}

/** A GitHub service with its own cache of installation tokens. */
export function createGitHubService(): NotificationService {
  const tokens = new Map<string, CachedToken>();

  async function installationToken(ctx: SendContext, instance: ServiceInstance, label: string, api: string): Promise<E.Either<SendError, string>> {
    const appId = idOption(instance, 'appID') ?? '';
    const installation = idOption(instance, 'installationID') ?? '';
    const cacheKey = JSON.stringify([api, appId, installation]);
    const cached = tokens.get(cacheKey);
    if (cached !== undefined && cached.validUntil > ctx.now()) return E.right(cached.token);
    let jwt: string;
    try {
      jwt = appJwt(appId, stringOption(instance, 'privateKey') ?? '', ctx.now());
    } catch {
      return E.left(permanent(`${label}: privateKey is not a usable RSA private key (PEM)`));
    }
    const res = await exchangeOk(ctx, label, {
      method: 'POST',
      url: joinUrl(api, `app/installations/${installation}/access_tokens`),
      headers: { ...JSON_HEADERS, Accept: 'application/vnd.github+json', Authorization: `Bearer ${jwt}`, 'X-GitHub-Api-Version': '2022-11-28' },
    })();
    if (E.isLeft(res)) return E.left({ ...res.left, message: `${res.left.message} (getting an installation token of app ${appId})` });
    const body = jsonBody(label, res.right);
    if (E.isLeft(body)) return body;
    const token = body.right['token'];
    if (typeof token !== 'string' || token === '') return E.left(permanent(`${label}: GitHub returned no installation token`));
    const expires = typeof body.right['expires_at'] === 'string' ? Date.parse(body.right['expires_at']) : NaN;
    tokens.set(cacheKey, { token, validUntil: (Number.isFinite(expires) ? expires : ctx.now() + 3_600_000) - 60_000 });
    return E.right(token);
  }

  return {
    type: 'github',

    validate(instance) {
      const c = new OptionChecker(instance);
      for (const o of ['appID', 'installationID']) {
        const v = instance.options[o];
        if (v === undefined || v === null || v === '') c.add(o, 'required');
        else if (idOption(instance, o) === undefined) c.add(o, `expected a positive number, found ${describe(v)}`);
      }
      c.requiredString('privateKey');
      const key = stringOption(instance, 'privateKey');
      if (key !== undefined) {
        try {
          const k = crypto.createPrivateKey(key);
          if (k.asymmetricKeyType !== 'rsa') c.add('privateKey', `expected an RSA private key, found ${k.asymmetricKeyType ?? 'another kind'}`);
        } catch {
          c.add('privateKey', 'is not a PEM private key');
        }
      }
      c.url('enterpriseBaseURL', false);
      return c.problems;
    },

    send(ctx, instance, notification, recipient) {
      const label = destinationLabel(instance, recipient);
      return guarded(secretsOf(instance, ['privateKey']), async (): Promise<E.Either<SendError, void>> => {
        const block = templateBlock(notification, 'github');
        const unsupported = UNSUPPORTED.find((f) => block[f] !== undefined && block[f] !== null);
        if (unsupported !== undefined) return E.left(permanent(`${label}: template field github.${unsupported} is not supported (only github.status and github.deployment are)`));
        const repoUrl = blockString(block, 'repoURLPath');
        const sha = blockString(block, 'revisionPath');
        if (repoUrl === undefined) return E.left(permanent(`${label}: template field github.repoURLPath is required for a Rollout (Argo's default reads an Argo CD Application)`));
        if (sha === undefined) return E.left(permanent(`${label}: template field github.revisionPath is required for a Rollout (Argo's default reads an Argo CD Application)`));
        const repo = repoOf(repoUrl);
        if (repo === undefined) return E.left(permanent(`${label}: template field github.repoURLPath: ${JSON.stringify(repoUrl)} is not a repository URL`));
        const status = templateBlock(block, 'status');
        const deployment = templateBlock(block, 'deployment');
        const hasStatus = Object.keys(status).length > 0;
        const hasDeployment = Object.keys(deployment).length > 0;
        if (!hasStatus && !hasDeployment) return E.left(permanent(`${label}: the template's github block has neither status nor deployment: nothing to send`));
        const statusState = blockString(status, 'state');
        if (hasStatus && (statusState === undefined || !STATUS_STATES.includes(statusState))) {
          return E.left(permanent(`${label}: template field github.status.state: expected one of ${STATUS_STATES.join(', ')}, found ${statusState === undefined ? 'nothing' : JSON.stringify(statusState)}`));
        }
        const deployState = blockString(deployment, 'state');
        if (hasDeployment && (deployState === undefined || !DEPLOYMENT_STATES.includes(deployState))) {
          return E.left(permanent(`${label}: template field github.deployment.state: expected one of ${DEPLOYMENT_STATES.join(', ')}, found ${deployState === undefined ? 'nothing' : JSON.stringify(deployState)}`));
        }
        const api = stringOption(instance, 'enterpriseBaseURL') ?? GITHUB_API_URL;
        const token = await installationToken(ctx, instance, label, api);
        if (E.isLeft(token)) return token;
        const headers = { ...JSON_HEADERS, Accept: 'application/vnd.github+json', Authorization: `Bearer ${token.right}`, 'X-GitHub-Api-Version': '2022-11-28' };
        const repoPath = `repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.repo)}`;
        const secrets = [token.right];

        if (hasStatus) {
          const body: Record<string, unknown> = {
            state: statusState,
            description: notification.message.slice(0, 140),
            context: blockString(status, 'label') ?? 'continuous-delivery/rollouts',
          };
          const target = blockString(status, 'targetURL');
          if (target !== undefined) body['target_url'] = target;
          const r = await guarded(secrets, exchangeOk(ctx, label, { method: 'POST', url: joinUrl(api, `${repoPath}/statuses/${encodeURIComponent(sha)}`), headers, body: JSON.stringify(body) }))();
          if (E.isLeft(r)) return r;
        }
        if (hasDeployment) {
          const environment = blockString(deployment, 'environment') ?? 'production';
          const ref = blockString(deployment, 'reference') ?? sha;
          const query = new URLSearchParams({ ref, environment }).toString();
          const found = await guarded(secrets, exchangeOk(ctx, label, { method: 'GET', url: joinUrl(api, `${repoPath}/deployments?${query}`), headers }))();
          if (E.isLeft(found)) return found;
          let id: unknown;
          try {
            const list: unknown = JSON.parse(found.right.body);
            if (Array.isArray(list) && list.length > 0) id = (list[0] as { id?: unknown }).id;
          } catch {
            return E.left(permanent(`${label}: GitHub's list of deployments is not JSON`));
          }
          if (id === undefined) {
            const rc = deployment['requiredContexts'];
            const create: Record<string, unknown> = {
              ref,
              environment,
              auto_merge: deployment['autoMerge'] === true || deployment['autoMerge'] === 'true',
              required_contexts: Array.isArray(rc) ? rc.map(String) : typeof rc === 'string' && rc.trim() !== '' ? rc.split(',').map((s) => s.trim()) : [],
              description: notification.message.slice(0, 140),
            };
            if (deployment['transientEnvironment'] === true || deployment['transientEnvironment'] === 'true') create['transient_environment'] = true;
            const made = await guarded(secrets, exchangeOk(ctx, label, { method: 'POST', url: joinUrl(api, `${repoPath}/deployments`), headers, body: JSON.stringify(create) }))();
            if (E.isLeft(made)) return made;
            const created = jsonBody(label, made.right);
            if (E.isLeft(created)) return created;
            id = created.right['id'];
          }
          if (typeof id !== 'number' && typeof id !== 'string') return E.left(permanent(`${label}: GitHub returned a deployment without an id`));
          const st: Record<string, unknown> = { state: deployState, description: notification.message.slice(0, 140), environment };
          const envUrl = blockString(deployment, 'environmentURL');
          if (envUrl !== undefined) st['environment_url'] = envUrl;
          const logUrl = blockString(deployment, 'logURL');
          if (logUrl !== undefined) st['log_url'] = logUrl;
          const r = await guarded(secrets, exchangeOk(ctx, label, { method: 'POST', url: joinUrl(api, `${repoPath}/deployments/${String(id)}/statuses`), headers, body: JSON.stringify(st) }))();
          if (E.isLeft(r)) return r;
        }
        return E.right(undefined);
      });
    },
  };
}
