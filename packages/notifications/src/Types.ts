/**
 * The contract between the parts of `@rollouts/notifications`: the engine (configuration, templates, triggers,
 * subscriptions: pure), the services (one module each under `services/`: they send one rendered notification to one
 * recipient) and the controller's delivery (when to plan, once-only bookkeeping, retries, metrics). Argo Rollouts'
 * formats and names throughout (`argo-rollouts-notification-configmap`, `service.<type>[.<name>]`, `template.<name>`,
 * `trigger.<name>`, `defaultTriggers`, `subscriptions`, `notifications.argoproj.io/subscribe.*`).
 */
import type { Either } from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';

/** A problem in the configuration, named by its key and path (`template.on-rollout-completed: slack.attachments: …`). */
export interface ConfigProblem {
  /** The ConfigMap/Secret key (`service.slack`, `trigger.on-rollout-completed`, `subscriptions`, …). */
  readonly key: string;
  readonly message: string;
}

/** One configured service instance: `service.<type>[.<name>]`, options with `$secret` references substituted. */
export interface ServiceInstance {
  /** `slack`, `webhook`, `email`, `teams`, `teams-workflows`, `mattermost`, `googlechat`, `pagerdutyv2`, `pagerduty`, `opsgenie`, `github`, `grafana`. */
  readonly type: string;
  /** The destination name used in subscriptions: `<name>`, or `<type>` when the key has none. */
  readonly name: string;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * A template after rendering for one Rollout, one recipient and one service type: `message`, plus the template's
 * per-service blocks (`slack: {attachments, blocks, groupingKey, …}`, `email: {subject, body}`, `webhook: {<name>:
 * {method, path, body}}`, `teams: {…}`, …) with every string rendered.
 */
export interface RenderedNotification {
  readonly message: string;
  readonly [serviceType: string]: unknown;
}

/** Where one notification goes. */
export interface Destination {
  /** The service instance's name (see {@link ServiceInstance.name}). */
  readonly service: string;
  /** `#channel`, an address, a team…; may be empty (webhooks). */
  readonly recipient: string;
}

export interface SendContext {
  readonly signal: AbortSignal;
  /** Bound of one send attempt. */
  readonly timeoutMs: number;
  readonly now: () => number;
}

/** Why a send failed; `retryable` ones (network, 429, 5xx) are retried by the delivery with backoff. */
export interface SendError {
  readonly retryable: boolean;
  /** Names the service and recipient; never contains a token, key or password. */
  readonly message: string;
}

/** One service type's sender (a module under `services/`). */
export interface NotificationService {
  readonly type: string;
  /** Check a `service.<type>[.<name>]` block at load: problems name the option (`service.slack: token: required`). */
  validate(instance: ServiceInstance): ReadonlyArray<ConfigProblem>;
  send(ctx: SendContext, instance: ServiceInstance, notification: RenderedNotification, recipient: string): TaskEither<SendError, void>;
}

/** The parsed configuration (ConfigMap data + Secret data), ready to plan with. Opaque to the other parts. */
export interface NotificationConfig {
  readonly services: ReadonlyArray<ServiceInstance>;
  /** Trigger names configured (including the built-in ones the ConfigMap defines). */
  readonly triggers: ReadonlyArray<string>;
  /** Template names configured. */
  readonly templates: ReadonlyArray<string>;
}

/** What the engine plans: one rendered notification for one destination. */
export interface PlannedNotification {
  readonly trigger: string;
  readonly template: string;
  readonly destination: Destination;
  /** The service type of `destination.service`. */
  readonly serviceType: string;
  readonly notification: RenderedNotification;
  /**
   * Condition triggers only: the key under which the send is recorded in the Rollout's
   * `notified.notifications.argoproj.io` annotation (so a restart does not send it again).
   */
  readonly onceKey?: string;
}

/** The object a notification is about, with the data templates see. */
export interface NotificationSubject {
  /** The Rollout (or AnalysisRun / Experiment) as stored (after the status write the message describes). */
  readonly object: Readonly<Record<string, unknown>>;
  /** `.analysisRuns` of the templates: the Rollout's current revision's AnalysisRuns, newest first. */
  readonly analysisRuns: ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** Milliseconds since the epoch (`.time.Now`). */
  readonly now: number;
}

/** The engine's functions, implemented in Engine.ts. */
export interface NotificationEngine {
  /** Parse ConfigMap and Secret data; every problem found, each naming its key (a config with problems is not used). */
  parseConfig(configMapData: Readonly<Record<string, string>>, secretData: Readonly<Record<string, string>>): Either<ReadonlyArray<ConfigProblem>, NotificationConfig>;
  /**
   * The event path: the controller recorded an Event with `reason` on `subject.object`; the trigger is
   * `on-<kebab-case reason>`. Destinations: the global `subscriptions` matching the object's labels plus its
   * `notifications.argoproj.io/subscribe.*` / `subscriptions` annotations. A trigger with an empty `when` sends; a
   * non-empty `when` sends when true. An unknown trigger or no destination: an empty list (not an error).
   */
  planForEvent(config: NotificationConfig, subject: NotificationSubject, reason: string): Either<ReadonlyArray<ConfigProblem>, ReadonlyArray<PlannedNotification>>;
  /**
   * The condition path: every subscribed trigger with a non-empty `when`, evaluated on the object; sends on a
   * false→true edge or once per `oncePer` value, given what the `notified.notifications.argoproj.io` annotation
   * (`notified`, parsed) already records. Returns what to send, and the annotation's new content once they are sent.
   */
  planForConditions(
    config: NotificationConfig,
    subject: NotificationSubject,
    notified: Readonly<Record<string, unknown>>,
  ): Either<ReadonlyArray<ConfigProblem>, { readonly planned: ReadonlyArray<PlannedNotification>; readonly notified: Readonly<Record<string, unknown>> }>;
}
