/**
 * What can go wrong in a plugin, as values. Every error says whether trying again may help (`retryable`),
 * so the controller can back off and retry, or report the Rollout as blocked with the message.
 */

interface ErrorBase {
  readonly message: string;
  readonly retryable: boolean;
  /** The underlying error, for logs. Never shown in status (it may hold secrets). */
  readonly cause?: unknown;
}

/** The cluster said the object changed under us (HTTP 409): read again and retry. */
export interface KubeConflict extends ErrorBase { readonly _tag: 'KubeConflict'; readonly retryable: true }
/** The object does not exist (HTTP 404). */
export interface KubeNotFound extends ErrorBase { readonly _tag: 'KubeNotFound'; readonly retryable: false }
/** The cluster refused the request (HTTP 400, 403, 422): not worth retrying as is. */
export interface KubeRejected extends ErrorBase { readonly _tag: 'KubeRejected'; readonly retryable: false; readonly status?: number }
/** The cluster could not be reached or answered 429/5xx. */
export interface KubeUnavailable extends ErrorBase { readonly _tag: 'KubeUnavailable'; readonly retryable: true; readonly status?: number }
/** A traffic router's backend (mesh, ingress controller, cloud API) could not be reached. */
export interface RouterUnavailable extends ErrorBase { readonly _tag: 'RouterUnavailable'; readonly retryable: true }
/** A router found the objects it manages in a state it cannot work with (a route missing, two owners). */
export interface RouterMisconfigured extends ErrorBase { readonly _tag: 'RouterMisconfigured'; readonly retryable: false; readonly path?: string }
/** A metric provider could not be reached. */
export interface ProviderUnavailable extends ErrorBase { readonly _tag: 'ProviderUnavailable'; readonly retryable: true }
/** A metric provider did not answer within its timeout. */
export interface ProviderTimeout extends ErrorBase { readonly _tag: 'ProviderTimeout'; readonly retryable: true }
/** A metric provider answered with an error or something that cannot be read as a result. */
export interface ProviderResponseInvalid extends ErrorBase { readonly _tag: 'ProviderResponseInvalid'; readonly retryable: false }
/** The plugin's configuration in the manifest is wrong; `path` names the field. */
export interface PluginConfigInvalid extends ErrorBase { readonly _tag: 'PluginConfigInvalid'; readonly retryable: false; readonly path: string }
/** The plugin cannot do what was asked (a capability it lacks). */
export interface PluginUnsupported extends ErrorBase { readonly _tag: 'PluginUnsupported'; readonly retryable: false }
/** The call was cancelled (shutdown, leadership lost). */
export interface PluginAborted extends ErrorBase { readonly _tag: 'PluginAborted'; readonly retryable: true }

export type PluginError =
  | KubeConflict
  | KubeNotFound
  | KubeRejected
  | KubeUnavailable
  | RouterUnavailable
  | RouterMisconfigured
  | ProviderUnavailable
  | ProviderTimeout
  | ProviderResponseInvalid
  | PluginConfigInvalid
  | PluginUnsupported
  | PluginAborted;

type Make<E extends PluginError> = Omit<E, '_tag' | 'retryable'>;

/** Constructors, so a plugin author writes `PluginErrors.routerUnavailable({ message })`. */
export const PluginErrors = {
  kubeConflict: (e: Make<KubeConflict>): KubeConflict => ({ _tag: 'KubeConflict', retryable: true, ...e }),
  kubeNotFound: (e: Make<KubeNotFound>): KubeNotFound => ({ _tag: 'KubeNotFound', retryable: false, ...e }),
  kubeRejected: (e: Make<KubeRejected>): KubeRejected => ({ _tag: 'KubeRejected', retryable: false, ...e }),
  kubeUnavailable: (e: Make<KubeUnavailable>): KubeUnavailable => ({ _tag: 'KubeUnavailable', retryable: true, ...e }),
  routerUnavailable: (e: Make<RouterUnavailable>): RouterUnavailable => ({ _tag: 'RouterUnavailable', retryable: true, ...e }),
  routerMisconfigured: (e: Make<RouterMisconfigured>): RouterMisconfigured => ({ _tag: 'RouterMisconfigured', retryable: false, ...e }),
  providerUnavailable: (e: Make<ProviderUnavailable>): ProviderUnavailable => ({ _tag: 'ProviderUnavailable', retryable: true, ...e }),
  providerTimeout: (e: Make<ProviderTimeout>): ProviderTimeout => ({ _tag: 'ProviderTimeout', retryable: true, ...e }),
  providerResponseInvalid: (e: Make<ProviderResponseInvalid>): ProviderResponseInvalid => ({ _tag: 'ProviderResponseInvalid', retryable: false, ...e }),
  pluginConfigInvalid: (e: Make<PluginConfigInvalid>): PluginConfigInvalid => ({ _tag: 'PluginConfigInvalid', retryable: false, ...e }),
  pluginUnsupported: (e: Make<PluginUnsupported>): PluginUnsupported => ({ _tag: 'PluginUnsupported', retryable: false, ...e }),
  pluginAborted: (e: Make<PluginAborted>): PluginAborted => ({ _tag: 'PluginAborted', retryable: true, ...e }),
};
