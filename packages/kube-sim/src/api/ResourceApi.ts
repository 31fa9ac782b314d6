/**
 * The verbs with Kubernetes semantics, independent of HTTP: the HTTP layer and the in-process workload
 * controllers both call these. Every refusal is thrown as an {@link ApiError}.
 */
import { sortKeysInPlace } from './UnstructuredOrder';
import { randomUUID } from 'node:crypto';
import {
  ApiError, badRequest, conflict, ErrorTarget, FieldProblem, forbidden, invalid, invalidValue, notFound, requiredValue, unsupportedMediaType,
  alreadyExists, expired, forbiddenValue,
} from './ApiError';
import { Clock, rfc3339 } from '../Clock';
import { deepCopy, isRecord, jsonEqual, KubeObject } from '../store/KubeObject';
import { ObjectStore, StoredObject } from '../store/ObjectStore';
import { ResourceRegistry } from '../registry/ResourceRegistry';
import { groupVersion, resourceKey, ResourceType } from '../registry/ResourceType';
import { applyDefaults, pruneUnknownFields, validateAgainstSchema } from '../schema/StructuralSchema';
import { applyBuiltinDefaults, AddressPool, keepAllocatedValues, prepareBuiltinCreate, validateBuiltin } from './BuiltinBehaviour';
import { establishedStatus, validateCrd } from './CustomResourceDefinitions';
import { checkLabelName, checkLabelValue, checkQualifiedKey, checkSubdomainName, generateName } from './ObjectNames';
import { ListContinuation, parseContinueToken } from './ListContinuation';
import { parseLabelSelector, matchesLabels, SelectorParseError, labelSelectorFromSpec, formatLabelSelector } from '../selectors/LabelSelector';
import { parseFieldSelector, matchesFields } from '../selectors/FieldSelector';
import { applyJsonPatch, parseJsonPatch } from '../patch/JsonPatch';
import { applyMergePatch } from '../patch/MergePatch';
import { applyStrategicMergePatch } from '../patch/StrategicMergePatch';
import { PatchError } from '../patch/PatchError';
import { ServerSideApply } from '../patch/ServerSideApply';

/** Options shared by create, update and patch. */
export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly fieldValidation?: 'Ignore' | 'Warn' | 'Strict';
  readonly force?: boolean;
  /** Internal: the write is a server-side apply whose managedFields are already computed. */
  readonly operation?: 'Apply';
  /** Filled with `Warning` header texts. */
  readonly warnings?: string[];
}

/** `DeleteOptions`, from the body or the query. */
export interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

/** List query parameters. */
export interface ListOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  readonly resourceVersion?: string;
  readonly resourceVersionMatch?: string;
}

/** One page of a list. */
export interface ListResult {
  readonly items: readonly StoredObject[];
  readonly resourceVersion: number;
  readonly continue?: string;
  readonly remainingItemCount?: number;
}

/** The outcome of a DELETE: the object (final or now terminating) and whether it is gone. */
export interface DeleteResult {
  readonly object: KubeObject;
  readonly removed: boolean;
}

/** The four patch content types. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The content type of a patch body, or a 415. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  switch (ct) {
    case 'application/json-patch+json':
      return 'json';
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw unsupportedMediaType(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
      );
  }
}

/** A filter compiled from `labelSelector` and `fieldSelector`. */
export interface ObjectFilter {
  readonly matches: (o: KubeObject) => boolean;
  readonly empty: boolean;
}

/** Tunables of the API semantics. */
export interface ResourceApiOptions {
  readonly clock: Clock;
  readonly random: () => number;
  /** Apply built-in defaulting (pod template defaults and so on). */
  readonly defaulting: boolean;
  /** Track `metadata.managedFields` on every write (needed for server-side apply conflicts). */
  readonly managedFields: boolean;
}

const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

/** Called when a resource stops being served (its CRD was deleted). */
export type ResourceRemovedListener = (resourceKey: string) => void;

/** The API semantics over the object store. */
export class ResourceApi {
  readonly addresses = new AddressPool();
  private readonly continuations: ListContinuation;
  private readonly removedListeners = new Set<ResourceRemovedListener>();
  readonly apply: ServerSideApply;

  constructor(
    readonly store: ObjectStore,
    readonly registry: ResourceRegistry,
    private readonly options: ResourceApiOptions,
  ) {
    this.continuations = new ListContinuation(() => options.clock.now());
    this.apply = new ServerSideApply(() => rfc3339(this.options.clock.now()), options.managedFields);
  }

  /** Current time in ms on the simulator's clock. */
  nowMs(): number {
    return this.options.clock.now();
  }

  /** Current time as a Kubernetes timestamp. */
  nowIso(): string {
    return rfc3339(this.options.clock.now());
  }

  /** Listen for resources that stop being served. */
  onResourceRemoved(l: ResourceRemovedListener): () => void {
    this.removedListeners.add(l);
    return () => this.removedListeners.delete(l);
  }

  private target(t: ResourceType, name?: string): ErrorTarget {
    return { resource: t.resource, group: t.group, ...(name !== undefined ? { name } : {}) };
  }

  private kindGroup(t: ResourceType): string {
    return t.group === '' ? t.kind : `${t.kind}.${t.group}`;
  }

  // ------------------------------------------------------------------------------------------- reads

  /** One object, or 404. */
  get(t: ResourceType, namespace: string | undefined, name: string): StoredObject {
    const s = this.store.get(resourceKey(t), t.namespaced ? namespace : undefined, name);
    if (s === undefined) throw notFound(this.target(t, name));
    return s;
  }

  /** Compile selectors into a filter, or 400. */
  compileFilter(t: ResourceType, labelSelector: string | undefined, fieldSelector: string | undefined): ObjectFilter {
    let labels;
    let fields;
    try {
      labels = parseLabelSelector(labelSelector ?? '');
    } catch (e) {
      if (e instanceof SelectorParseError) throw badRequest(`unable to parse requirement: ${e.message}`);
      throw e;
    }
    try {
      fields = parseFieldSelector(fieldSelector ?? '');
    } catch (e) {
      if (e instanceof SelectorParseError) throw badRequest(e.message);
      throw e;
    }
    const allowed = new Set(['metadata.name', 'metadata.namespace', ...t.fieldSelectors]);
    for (const r of fields.requirements)
      if (!allowed.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
    const empty = labels.requirements.length === 0 && fields.requirements.length === 0;
    return {
      empty,
      matches: (o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o),
    };
  }

  /** A page of a list, with consistent continuation. */
  list(t: ResourceType, namespace: string | undefined, opts: ListOptions): ListResult {
    const filter = this.compileFilter(t, opts.labelSelector, opts.fieldSelector);
    const limit = opts.limit !== undefined && opts.limit > 0 ? opts.limit : undefined;
    if (opts.continue !== undefined && opts.continue !== '') {
      const token = parseContinueToken(opts.continue);
      if (token === undefined) throw badRequest('continue key is not valid: illegal base64 data');
      const snap = this.continuations.resolve(token);
      if (snap === undefined)
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      return this.page(snap.items, token.offset, limit, snap.rv, filter.empty, (next) => {
        if (next === undefined) {
          this.continuations.close(token);
          return undefined;
        }
        return this.continuations.advance(token, next);
      });
    }
    const rv = this.store.resourceVersion();
    if (opts.resourceVersionMatch === 'Exact' && opts.resourceVersion !== undefined && Number(opts.resourceVersion) !== rv)
      throw expired(`too old resource version: ${opts.resourceVersion} (${rv}); kube-sim serves lists at the current version only`);
    const all = this.store.list(resourceKey(t), t.namespaced ? namespace : undefined);
    const items = filter.empty ? all : all.filter((s) => filter.matches(s.object));
    return this.page(items, 0, limit, rv, filter.empty, (next) => (next === undefined ? undefined : this.continuations.open(items, rv, next)));
  }

  private page(
    items: readonly StoredObject[],
    offset: number,
    limit: number | undefined,
    rv: number,
    countRemaining: boolean,
    tokenFor: (next: number | undefined) => string | undefined,
  ): ListResult {
    if (limit === undefined) {
      tokenFor(undefined);
      return { items: offset === 0 ? items : items.slice(offset), resourceVersion: rv };
    }
    const end = offset + limit;
    const pageItems = items.slice(offset, end);
    const more = end < items.length;
    const token = tokenFor(more ? end : undefined);
    return {
      items: pageItems,
      resourceVersion: rv,
      ...(more && token !== undefined ? { continue: token } : {}),
      ...(more && countRemaining ? { remainingItemCount: items.length - end } : {}),
    };
  }

  // ------------------------------------------------------------------------------------------ create

  /** POST: create an object. */
  create(t: ResourceType, namespace: string | undefined, body: unknown, opts: WriteOptions = {}, version?: string): KubeObject {
    const obj = this.decodeBody(t, body, version);
    if (t.namespaced) {
      const bodyNs = obj.metadata.namespace;
      if (bodyNs !== undefined && bodyNs !== '' && namespace !== undefined && bodyNs !== namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      const ns = namespace ?? bodyNs;
      if (ns === undefined || ns === '') throw badRequest('the server could not find the requested resource: a namespace is required');
      obj.metadata.namespace = ns;
      this.checkNamespaceWritable(ns, t, obj.metadata.name ?? obj.metadata.generateName ?? '');
    } else {
      delete obj.metadata.namespace;
    }
    if (obj.metadata.resourceVersion !== undefined && obj.metadata.resourceVersion !== '')
      throw badRequest('resourceVersion should not be set on objects to be created');
    const key = resourceKey(t);
    if (obj.metadata.name === undefined || obj.metadata.name === '') {
      const prefix = obj.metadata.generateName;
      if (prefix === undefined || prefix === '') throw invalid(this.kindGroup(t), '', [requiredValue('metadata.name', 'name or generateName is required')], this.target(t));
      let candidate = generateName(prefix, this.options.random);
      for (let i = 0; i < 8 && this.store.get(key, obj.metadata.namespace, candidate) !== undefined; i++) candidate = generateName(prefix, this.options.random);
      obj.metadata.name = candidate;
    }
    const name = obj.metadata.name;
    const meta = obj.metadata;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    meta.uid = randomUUID();
    meta.creationTimestamp = this.nowIso();
    if (t.generation) meta.generation = 1;
    else delete meta.generation;
    if (t.statusSubresource && t.kind !== 'CustomResourceDefinition') delete obj['status'];
    this.admit(t, obj, undefined, opts, version);
    if (!t.custom) prepareBuiltinCreate(t.kind, obj, this.addresses);
    if (t.kind === 'CustomResourceDefinition' && t.group === 'apiextensions.k8s.io') this.prepareCrd(obj, undefined);
    if (this.store.get(key, meta.namespace, name) !== undefined) throw alreadyExists(this.target(t, name));
    this.apply.recordUpdate(t, undefined, obj, opts.fieldManager, opts.operation ?? 'Update', groupVersion(t.group, version ?? t.versions[0]!), undefined);
    if (t.custom) sortKeysInPlace(obj);
    if (opts.dryRun === true) return obj;
    this.store.put(key, obj);
    if (t.kind === 'CustomResourceDefinition' && t.group === 'apiextensions.k8s.io') this.registry.defineFromCrd(obj);
    return obj;
  }

  private checkNamespaceWritable(ns: string, t: ResourceType, name: string): void {
    const nsObj = this.store.get('/namespaces', undefined, ns);
    if (nsObj === undefined) throw notFound({ resource: 'namespaces', group: '', name: ns });
    if (nsObj.object.metadata.deletionTimestamp !== undefined)
      throw forbidden(this.target(t, name), `unable to create new content in namespace ${ns} because it is being terminated`);
  }

  /** Parse a request body into a fresh object with metadata; checks apiVersion and kind. */
  private decodeBody(t: ResourceType, body: unknown, version?: string): KubeObject {
    if (!isRecord(body)) throw badRequest(`Object '${t.kind}' is invalid: the request body must be a JSON object`);
    const obj = deepCopy(body) as KubeObject;
    const expectedVersion = groupVersion(t.group, version ?? t.versions[0]!);
    if (obj.apiVersion !== undefined && obj.apiVersion !== '' && obj.apiVersion !== expectedVersion) {
      const okOtherVersion = t.custom && t.group !== '' && t.versions.some((v) => groupVersion(t.group, v) === obj.apiVersion);
      if (!okOtherVersion) throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expectedVersion})`);
    }
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== t.kind)
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${t.kind})`);
    const { apiVersion: _a, kind: _k, metadata, ...rest } = obj;
    // apiVersion, kind and metadata first, as a real server serialises them
    return { apiVersion: expectedVersion, kind: t.kind, metadata: isRecord(metadata) ? metadata : {}, ...rest };
  }

  /** Defaulting, schema, validation: everything a write goes through before it is stored. */
  private admit(t: ResourceType, obj: KubeObject, old: KubeObject | undefined, opts: WriteOptions, version?: string): void {
    const problems: FieldProblem[] = [];
    const meta = obj.metadata;
    const name = meta.name ?? '';
    if (old === undefined) {
      const labelNamed = t.kind === 'Namespace' || t.kind === 'Service';
      problems.push(...(labelNamed ? checkLabelName('metadata.name', name) : checkSubdomainName('metadata.name', name)));
    }
    problems.push(...this.metadataProblems(obj));
    if (t.custom) {
      const schema = t.schemas?.[version ?? t.versions[0]!];
      if (schema !== undefined) {
        const pruned = pruneUnknownFields(obj as Record<string, unknown>, schema);
        if (pruned.length > 0 && opts.fieldValidation === 'Strict')
          throw badRequest(`strict decoding error: ${pruned.map((p) => `unknown field "${p}"`).join(', ')}`);
        // Warn is the server's default when the client does not say.
        if (pruned.length > 0 && (opts.fieldValidation ?? 'Warn') === 'Warn') for (const p of pruned) opts.warnings?.push(`unknown field "${p}"`);
        applyDefaults(obj, schema);
        problems.push(...validateAgainstSchema(obj, schema, ''));
      }
    } else {
      if (this.options.defaulting) applyBuiltinDefaults(t.kind, obj);
      if (old !== undefined) keepAllocatedValues(t.kind, obj, old);
      if (t.kind === 'CustomResourceDefinition') problems.push(...validateCrd(obj, old));
      else problems.push(...validateBuiltin(t.kind, obj, old));
    }
    if (old !== undefined && old.metadata.deletionTimestamp !== undefined) {
      const before = new Set(old.metadata.finalizers ?? []);
      for (const f of meta.finalizers ?? [])
        if (!before.has(f)) problems.push(forbiddenValue('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers []string{"${f}"}`));
    }
    if (problems.length > 0) throw invalid(this.kindGroup(t), name, problems, this.target(t, name));
  }

  private metadataProblems(obj: KubeObject): FieldProblem[] {
    const out: FieldProblem[] = [];
    const meta = obj.metadata;
    if (meta.labels !== undefined && meta.labels !== null) {
      if (!isRecord(meta.labels)) out.push(invalidValue('metadata.labels', 'object', 'must be a map of strings'));
      else for (const [k, v] of Object.entries(meta.labels)) out.push(...checkQualifiedKey('metadata.labels', k), ...checkLabelValue('metadata.labels', v));
    }
    if (meta.annotations !== undefined && meta.annotations !== null) {
      if (!isRecord(meta.annotations)) out.push(invalidValue('metadata.annotations', 'object', 'must be a map of strings'));
      else {
        let size = 0;
        for (const [k, v] of Object.entries(meta.annotations)) {
          out.push(...checkQualifiedKey('metadata.annotations', k));
          if (typeof v !== 'string') out.push(invalidValue(`metadata.annotations`, v, 'annotation values must be strings'));
          size += k.length + String(v).length;
        }
        if (size > 256 * 1024) out.push({ field: 'metadata.annotations', reason: 'FieldValueTooLong', detail: 'Too long: must have at most 262144 bytes' });
      }
    }
    if (meta.finalizers !== undefined && meta.finalizers !== null && !Array.isArray(meta.finalizers))
      out.push(invalidValue('metadata.finalizers', 'object', 'must be a list of strings'));
    if (meta.ownerReferences !== undefined && meta.ownerReferences !== null) {
      if (!Array.isArray(meta.ownerReferences)) out.push(invalidValue('metadata.ownerReferences', 'object', 'must be a list'));
      else {
        let controllers = 0;
        meta.ownerReferences.forEach((r, i) => {
          const p = `metadata.ownerReferences[${i}]`;
          if (!isRecord(r)) return;
          for (const f of ['apiVersion', 'kind', 'name', 'uid'] as const) if (typeof r[f] !== 'string' || r[f] === '') out.push(requiredValue(`${p}.${f}`));
          if (r.controller === true) controllers++;
        });
        if (controllers > 1) out.push(invalidValue('metadata.ownerReferences', controllers, 'Only one reference can have Controller set to true'));
      }
    }
    return out;
  }

  private prepareCrd(obj: KubeObject, old: KubeObject | undefined): void {
    const spec = (obj['spec'] ?? {}) as Record<string, unknown>;
    const names = (spec['names'] ?? {}) as Record<string, unknown>;
    const group = String(spec['group'] ?? '');
    const plural = String(names['plural'] ?? '');
    if (this.registry.isTaken(group, plural, obj.metadata.name))
      throw invalid('CustomResourceDefinition.apiextensions.k8s.io', obj.metadata.name ?? '', [invalidValue('spec.names.plural', plural, `${plural}.${group} is already served`)], { resource: 'customresourcedefinitions', group: 'apiextensions.k8s.io' });
    obj['status'] = establishedStatus(obj, this.nowIso(), old?.['status']);
    const fin = obj.metadata.finalizers ?? [];
    if (!fin.includes('customresourcecleanup.apiextensions.k8s.io')) obj.metadata.finalizers = [...fin, 'customresourcecleanup.apiextensions.k8s.io'];
  }

  // ------------------------------------------------------------------------------------------ update

  /** PUT on the object (`subresource` undefined) or its `status`. */
  update(t: ResourceType, namespace: string | undefined, name: string, body: unknown, subresource: 'status' | undefined, opts: WriteOptions = {}, version?: string): KubeObject {
    const ns = t.namespaced ? namespace : undefined;
    const candidate = this.decodeBody(t, body, version);
    if (candidate.metadata.name !== undefined && candidate.metadata.name !== name)
      throw badRequest(`the name of the object (${candidate.metadata.name}) does not match the name on the URL (${name})`);
    if (t.namespaced && candidate.metadata.namespace !== undefined && candidate.metadata.namespace !== '' && candidate.metadata.namespace !== ns)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const current = this.store.get(resourceKey(t), ns, name);
    if (current === undefined) {
      if (t.createOnUpdate && subresource === undefined) {
        delete candidate.metadata.resourceVersion;
        candidate.metadata.name = name;
        return this.create(t, ns, candidate, opts, version);
      }
      throw notFound(this.target(t, name));
    }
    candidate.metadata.name = name;
    return this.commitUpdate(t, current, candidate, subresource, opts, version);
  }

  /**
   * The shared tail of PUT and PATCH: preconditions, spec/status separation, server-owned metadata,
   * admission, generation, finalizer completion, and the store write (skipped when nothing changed).
   */
  commitUpdate(t: ResourceType, current: StoredObject, candidate: KubeObject, subresource: 'status' | undefined, opts: WriteOptions, version?: string, manager = opts.fieldManager, operation: 'Update' | 'Apply' = 'Update'): KubeObject {
    const old = current.object;
    const name = old.metadata.name ?? '';
    const rv = candidate.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) throw conflict(this.target(t, name));
    const uid = candidate.metadata.uid;
    if (uid !== undefined && uid !== '' && uid !== old.metadata.uid)
      throw conflict(this.target(t, name), `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid}`);

    let next: KubeObject;
    if (subresource === 'status') {
      next = deepCopy(old);
      if (candidate['status'] === undefined) delete next['status'];
      else next['status'] = deepCopy(candidate['status']);
      if (t.custom) {
        // custom resources: a status write changes nothing else
      } else {
        // built-ins: labels and annotations may change through status too? Real servers drop them; so do we.
      }
    } else {
      next = candidate;
      if (t.statusSubresource && t.kind !== 'CustomResourceDefinition') {
        if (old['status'] === undefined) delete next['status'];
        else next['status'] = deepCopy(old['status']);
      }
    }
    const meta = next.metadata;
    const oldMeta = old.metadata;
    meta.name = oldMeta.name;
    if (oldMeta.namespace !== undefined) meta.namespace = oldMeta.namespace;
    else delete meta.namespace;
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp !== undefined) meta.deletionTimestamp = oldMeta.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    if (meta.generateName === undefined && oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
    delete meta.selfLink;
    meta.resourceVersion = oldMeta.resourceVersion;

    this.admit(t, next, old, opts, version);
    if (t.kind === 'CustomResourceDefinition' && t.group === 'apiextensions.k8s.io' && subresource === undefined) this.prepareCrd(next, old);

    if (t.generation && specChanged(old, next, t.statusSubresource)) meta.generation = (oldMeta.generation ?? 0) + 1;
    this.apply.recordUpdate(t, old, next, manager, operation, groupVersion(t.group, version ?? t.versions[0]!), subresource);

    const finishing = meta.deletionTimestamp !== undefined && pendingFinalizers(t, next).length === 0 && !this.waitsForGrace(t, next);
    if (!finishing && sameExceptVersion(old, next)) return old;
    if (t.custom) sortKeysInPlace(next);
    if (opts.dryRun === true) return next;
    if (finishing) {
      this.finalRemove(t, next);
      return next;
    }
    this.store.put(resourceKey(t), next);
    if (t.kind === 'CustomResourceDefinition' && t.group === 'apiextensions.k8s.io' && subresource === undefined) this.registry.defineFromCrd(next);
    return next;
  }

  /**
   * Objects whose removal someone else completes even without finalizers: a terminating pod waits for its
   * kubelet (grace period), a terminating namespace for the namespace controller.
   */
  private waitsForGrace(t: ResourceType, obj: KubeObject): boolean {
    if (t.group !== '') return false;
    if (t.kind === 'Namespace') return true;
    return t.kind === 'Pod' && (obj.metadata.deletionGracePeriodSeconds ?? 0) > 0;
  }

  // ------------------------------------------------------------------------------------------- patch

  /** PATCH on the object or its `status`, with any of the four patch types. */
  patch(t: ResourceType, namespace: string | undefined, name: string, type: PatchType, patchBody: unknown, subresource: 'status' | undefined, opts: WriteOptions = {}, version?: string): KubeObject {
    const ns = t.namespaced ? namespace : undefined;
    if (type === 'strategic' && t.custom)
      throw unsupportedMediaType(
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      );
    const current = this.store.get(resourceKey(t), ns, name);
    if (type === 'apply') {
      if (opts.fieldManager === undefined || opts.fieldManager === '')
        throw invalid('PatchOptions.meta.k8s.io', '', [requiredValue('fieldManager', 'is required for apply patch')], { resource: 'patchoptions', group: 'meta.k8s.io' });
      if (!isRecord(patchBody)) throw badRequest('error decoding YAML: the apply configuration must be an object');
      if (current === undefined) {
        if (subresource !== undefined) throw notFound(this.target(t, name));
        const obj = deepCopy(patchBody) as KubeObject;
        if (!isRecord(obj.metadata)) obj.metadata = {};
        if (obj.metadata.name !== undefined && obj.metadata.name !== name)
          throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
        obj.metadata.name = name;
        this.apply.claimForCreate(t, obj, opts.fieldManager, groupVersion(t.group, version ?? t.versions[0]!));
        return this.create(t, ns, obj, { ...opts, operation: 'Apply' }, version);
      }
      const merged = this.apply.applyConfiguration(t, current.object, patchBody as KubeObject, opts.fieldManager, opts.force === true, subresource, groupVersion(t.group, version ?? t.versions[0]!));
      return this.commitUpdate(t, current, merged, subresource, opts, version, opts.fieldManager, 'Apply');
    }
    if (current === undefined) throw notFound(this.target(t, name));
    let patched: unknown;
    try {
      switch (type) {
        case 'json':
          patched = applyJsonPatch(current.object, parseJsonPatch(patchBody));
          break;
        case 'merge':
          if (!isRecord(patchBody)) throw new PatchError('json: cannot unmarshal into Go value of type map[string]interface {}', true);
          patched = applyMergePatch(current.object, patchBody);
          break;
        case 'strategic':
          patched = applyStrategicMergePatch(t.kind, current.object, patchBody);
          break;
      }
    } catch (e) {
      if (e instanceof PatchError) {
        if (e.malformed) throw badRequest(e.message);
        throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', { causes: [{ reason: 'FieldValueInvalid', message: e.message }] });
      }
      throw e;
    }
    if (!isRecord(patched)) throw badRequest('the patched document is not a JSON object');
    const candidate = patched as KubeObject;
    if (!isRecord(candidate.metadata)) candidate.metadata = {};
    if (candidate.metadata.name !== name) throw badRequest(`the name of the object (${String(candidate.metadata.name)}) does not match the name on the URL (${name})`);
    candidate.apiVersion = current.object.apiVersion;
    candidate.kind = current.object.kind;
    return this.commitUpdate(t, current, candidate, subresource, opts, version);
  }

  // ------------------------------------------------------------------------------------------- scale

  /** GET of the `scale` subresource: an autoscaling/v1 Scale. */
  getScale(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    return this.scaleOf(t, this.get(t, namespace, name).object);
  }

  private scaleSpec(t: ResourceType) {
    if (t.scale === undefined) throw notFound(this.target(t, name404(t)));
    return t.scale;
  }

  private scaleOf(t: ResourceType, obj: KubeObject): KubeObject {
    const spec = this.scaleSpec(t);
    const specReplicas = getPath(obj, spec.specReplicasPath);
    const statusReplicas = getPath(obj, spec.statusReplicasPath);
    let selector: string | undefined;
    if (spec.labelSelectorPath !== undefined) {
      const raw = getPath(obj, spec.labelSelectorPath);
      if (typeof raw === 'string') selector = raw;
      else if (isRecord(raw)) {
        try {
          selector = formatLabelSelector(labelSelectorFromSpec(raw as never));
        } catch {
          selector = undefined;
        }
      }
    }
    return {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        ...(obj.metadata.namespace !== undefined ? { namespace: obj.metadata.namespace } : {}),
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: typeof specReplicas === 'number' ? specReplicas : 0 },
      status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0, ...(selector !== undefined ? { selector } : {}) },
    };
  }

  /** PUT of the `scale` subresource. */
  updateScale(t: ResourceType, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): KubeObject {
    const spec = this.scaleSpec(t);
    const current = this.get(t, namespace, name);
    if (!isRecord(body)) throw badRequest('the request body must be a Scale object');
    const meta = isRecord(body['metadata']) ? body['metadata'] : {};
    if (meta['name'] !== undefined && meta['name'] !== name) throw badRequest(`the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
    const rv = meta['resourceVersion'];
    if (typeof rv === 'string' && rv !== '' && rv !== current.object.metadata.resourceVersion) throw conflict(this.target(t, name));
    const replicas = isRecord(body['spec']) ? body['spec']['replicas'] : undefined;
    const replicasValue = replicas === undefined || replicas === null ? 0 : replicas;
    if (typeof replicasValue !== 'number' || !Number.isInteger(replicasValue) || replicasValue < 0)
      throw invalid('Scale.autoscaling', name, [invalidValue('spec.replicas', replicasValue, 'must be greater than or equal to 0')], { resource: 'scale', group: 'autoscaling', name });
    const candidate = deepCopy(current.object);
    setPath(candidate, spec.specReplicasPath, replicasValue);
    const written = this.commitUpdate(t, current, candidate, undefined, opts);
    return this.scaleOf(t, written);
  }

  /** PATCH of the `scale` subresource (the patch applies to the Scale object). */
  patchScale(t: ResourceType, namespace: string | undefined, name: string, type: PatchType, patchBody: unknown, opts: WriteOptions = {}): KubeObject {
    const scale = this.getScale(t, namespace, name);
    let patched: unknown;
    try {
      if (type === 'json') patched = applyJsonPatch(scale, parseJsonPatch(patchBody));
      else if (type === 'merge' || type === 'apply') patched = applyMergePatch(scale, patchBody);
      else patched = applyStrategicMergePatch('Scale', scale, patchBody);
    } catch (e) {
      if (e instanceof PatchError) throw e.malformed ? badRequest(e.message) : new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', { causes: [{ reason: 'FieldValueInvalid', message: e.message }] });
      throw e;
    }
    return this.updateScale(t, namespace, name, patched, opts);
  }

  // ------------------------------------------------------------------------------------------ delete

  /** DELETE one object: finalizers, graceful pods, propagation policy. */
  delete(t: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): DeleteResult {
    const ns = t.namespaced ? namespace : undefined;
    const current = this.get(t, ns, name);
    const obj = current.object;
    const pre = opts.preconditions;
    if (pre?.uid !== undefined && pre.uid !== obj.metadata.uid)
      throw conflict(this.target(t, name), `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`);
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== obj.metadata.resourceVersion)
      throw conflict(this.target(t, name), `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`);
    if (t.kind === 'Namespace' && t.group === '') return this.deleteNamespace(t, obj, opts);

    const policy = opts.propagationPolicy ?? 'Background';
    if (!['Orphan', 'Background', 'Foreground'].includes(policy))
      throw invalid('DeleteOptions.meta.k8s.io', '', [invalidValue('propagationPolicy', policy, 'must be one of Background, Foreground, Orphan')], { resource: 'deleteoptions', group: 'meta.k8s.io' });
    const finalizers = pendingFinalizers(t, obj);
    if (obj.metadata.deletionTimestamp === undefined) {
      if (policy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
      if (policy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    }
    const grace = this.gracePeriod(t, obj, opts);
    if (finalizers.length === 0 && grace === 0) {
      if (opts.dryRun === true) return { object: obj, removed: true };
      const last = this.finalRemove(t, obj);
      return { object: last, removed: true };
    }
    // Graceful: mark for deletion, leave removal to finalizer owners (and the simulated kubelet).
    if (obj.metadata.deletionTimestamp !== undefined) {
      if (t.kind === 'Pod' && grace === 0 && finalizers.length === 0) {
        if (opts.dryRun === true) return { object: obj, removed: true };
        return { object: this.finalRemove(t, obj), removed: true };
      }
      // A shorter grace period on a second DELETE takes effect (the kubelet's final delete has grace 0).
      if (grace < (obj.metadata.deletionGracePeriodSeconds ?? 0) && opts.dryRun !== true) {
        const shorter = deepCopy(obj);
        shorter.metadata.deletionGracePeriodSeconds = grace;
        shorter.metadata.deletionTimestamp = rfc3339(this.options.clock.now() + grace * 1000);
        return { object: this.store.put(resourceKey(t), shorter).current.object, removed: false };
      }
      return { object: obj, removed: false };
    }
    const next = deepCopy(obj);
    next.metadata.finalizers = [...(obj.metadata.finalizers ?? []).filter((f) => !finalizers.includes(f)), ...finalizers];
    next.metadata.deletionTimestamp = rfc3339(this.options.clock.now() + grace * 1000);
    next.metadata.deletionGracePeriodSeconds = grace;
    if (t.generation) next.metadata.generation = (next.metadata.generation ?? 0) + 1;
    if (opts.dryRun === true) return { object: next, removed: false };
    this.store.put(resourceKey(t), next);
    return { object: next, removed: false };
  }

  private gracePeriod(t: ResourceType, obj: KubeObject, opts: DeleteOptions): number {
    if (!(t.kind === 'Pod' && t.group === '')) return 0;
    const spec = isRecord(obj['spec']) ? obj['spec'] : {};
    const status = isRecord(obj['status']) ? obj['status'] : {};
    if (typeof spec['nodeName'] !== 'string' || spec['nodeName'] === '') return 0;
    if (status['phase'] === 'Succeeded' || status['phase'] === 'Failed') return 0;
    const g = opts.gracePeriodSeconds ?? (typeof spec['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
    const current = obj.metadata.deletionGracePeriodSeconds;
    return current !== undefined ? Math.min(current, Math.max(0, g)) : Math.max(0, g);
  }

  private deleteNamespace(t: ResourceType, obj: KubeObject, opts: DeleteOptions): DeleteResult {
    const name = obj.metadata.name ?? '';
    if (PROTECTED_NAMESPACES.has(name)) throw forbidden(this.target(t, name), 'this namespace may not be deleted');
    if (obj.metadata.deletionTimestamp !== undefined) return { object: obj, removed: false };
    const next = deepCopy(obj);
    next.metadata.deletionTimestamp = this.nowIso();
    next.metadata.deletionGracePeriodSeconds = 0;
    next['status'] = { ...(isRecord(next['status']) ? next['status'] : {}), phase: 'Terminating' };
    if (opts.dryRun === true) return { object: next, removed: false };
    this.store.put('/namespaces', next);
    return { object: next, removed: false };
  }

  /** Remove a namespace once its content is gone (the namespace controller's last step). */
  finalizeNamespace(name: string): void {
    const s = this.store.get('/namespaces', undefined, name);
    if (s === undefined) return;
    const fin = s.object.metadata.finalizers ?? [];
    if (fin.length > 0) return;
    this.store.remove('/namespaces', undefined, name);
  }

  /** Remove an object for good; a CRD takes its custom resources and its REST endpoint with it. */
  private finalRemove(t: ResourceType, obj: KubeObject): KubeObject {
    if (t.kind === 'CustomResourceDefinition' && t.group === 'apiextensions.k8s.io') {
      const key = this.registry.removeCrd(obj.metadata.name ?? '');
      if (key !== undefined) {
        for (const s of this.store.list(key)) this.store.remove(key, s.object.metadata.namespace, s.object.metadata.name ?? '');
        for (const l of this.removedListeners) l(key);
        this.store.dropResource(key);
      }
    }
    const ev = this.store.remove(resourceKey(t), t.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name ?? '');
    return ev?.current.object ?? obj;
  }

  /** DELETE on a collection: deletes every object matching the selectors. */
  deleteCollection(t: ResourceType, namespace: string | undefined, list: ListOptions, opts: DeleteOptions): KubeObject[] {
    const page = this.list(t, namespace, { ...list, limit: undefined, continue: undefined });
    const out: KubeObject[] = [];
    for (const s of page.items) {
      try {
        out.push(this.delete(t, s.object.metadata.namespace, s.object.metadata.name ?? '', opts).object);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return out;
  }
}

/** The CRD cleanup finalizer: the simulator deletes a CRD's objects synchronously, so it never blocks. */
const CRD_CLEANUP = 'customresourcecleanup.apiextensions.k8s.io';

/** Finalizers that still hold an object's removal (the CRD cleanup one is done by the server itself). */
function pendingFinalizers(t: ResourceType, obj: KubeObject): string[] {
  const f = obj.metadata.finalizers ?? [];
  return t.kind === 'CustomResourceDefinition' && t.group === 'apiextensions.k8s.io' ? f.filter((x) => x !== CRD_CLEANUP) : [...f];
}

function name404(t: ResourceType): string {
  return `${t.resource}/scale`;
}

function specChanged(a: KubeObject, b: KubeObject, statusSeparate: boolean): boolean {
  const strip = (o: KubeObject): Record<string, unknown> => {
    const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = o as Record<string, unknown>;
    return statusSeparate ? rest : { ...rest, status };
  };
  return !jsonEqual(strip(a), strip(b));
}

function sameExceptVersion(a: KubeObject, b: KubeObject): boolean {
  const { resourceVersion: _r1, managedFields: m1, ...ma } = a.metadata;
  const { resourceVersion: _r2, managedFields: m2, ...mb } = b.metadata;
  const ra = { ...(a as Record<string, unknown>), metadata: ma };
  const rb = { ...(b as Record<string, unknown>), metadata: mb };
  return jsonEqual(ra, rb) && jsonEqual(stripTimes(m1), stripTimes(m2));
}

function stripTimes(m: unknown): unknown {
  return Array.isArray(m) ? m.map((e) => (isRecord(e) ? { ...e, time: undefined } : e)).map((e) => JSON.parse(JSON.stringify(e))) : m;
}

/** Read a `.a.b.c` path. */
export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const p of path.replace(/^\./, '').split('.')) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** Write a `.a.b.c` path, creating objects on the way. */
export function setPath(obj: unknown, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur = obj as Record<string, unknown>;
  for (const p of parts.slice(0, -1)) {
    if (!isRecord(cur[p])) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

