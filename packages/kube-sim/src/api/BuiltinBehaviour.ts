/**
 * What the API server does to built-in kinds beyond storing them: defaulting (so that a ReplicaSet's pod
 * template reads back as a real server would return it), the validations clients commonly trip over, and
 * the state a create starts from (a Pod's `Pending` status, a Service's cluster IP, a Job's selector).
 */
import { FieldProblem, forbiddenValue, invalidValue, requiredValue, unsupportedValue } from './ApiError';
import { isRecord, jsonEqual, KubeObject } from '../store/KubeObject';
import { labelSelectorFromSpec, matchesLabels, isEmptySelector, SelectorParseError } from '../selectors/LabelSelector';
import { checkLabelName } from './ObjectNames';

type Rec = Record<string, unknown>;

function rec(o: Rec, k: string): Rec {
  const v = o[k];
  if (isRecord(v)) return v;
  const n: Rec = {};
  o[k] = n;
  return n;
}

function setDefault(o: Rec, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

function defaultProbe(p: unknown): void {
  if (!isRecord(p)) return;
  setDefault(p, 'timeoutSeconds', 1);
  setDefault(p, 'periodSeconds', 10);
  setDefault(p, 'successThreshold', 1);
  setDefault(p, 'failureThreshold', 3);
  if (isRecord(p['httpGet'])) setDefault(p['httpGet'], 'scheme', 'HTTP');
}

function defaultContainer(c: unknown): void {
  if (!isRecord(c)) return;
  const image = typeof c['image'] === 'string' ? c['image'] : '';
  const lastSegment = image.split('/').pop() ?? '';
  const tagged = lastSegment.includes(':') || image.includes('@');
  setDefault(c, 'imagePullPolicy', !tagged || image.endsWith(':latest') ? 'Always' : 'IfNotPresent');
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  setDefault(c, 'resources', {});
  if (Array.isArray(c['ports'])) for (const p of c['ports']) if (isRecord(p)) setDefault(p, 'protocol', 'TCP');
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(c[probe]);
}

/** Defaults of a PodSpec (in a Pod or in a template). */
export function defaultPodSpec(spec: Rec): void {
  setDefault(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const list of ['containers', 'initContainers']) if (Array.isArray(spec[list])) for (const c of spec[list] as unknown[]) defaultContainer(c);
  if (Array.isArray(spec['volumes']))
    for (const v of spec['volumes']) {
      if (!isRecord(v)) continue;
      if (isRecord(v['configMap'])) setDefault(v['configMap'], 'defaultMode', 420);
      if (isRecord(v['secret'])) setDefault(v['secret'], 'defaultMode', 420);
    }
}

function defaultTemplate(spec: Rec): void {
  const template = spec['template'];
  if (isRecord(template) && isRecord(template['spec'])) defaultPodSpec(template['spec']);
}

/** Apply the built-in defaults of `kind` in place. */
export function applyBuiltinDefaults(kind: string, obj: KubeObject): void {
  const o = obj as Rec;
  switch (kind) {
    case 'Pod': {
      const spec = rec(o, 'spec');
      defaultPodSpec(spec);
      setDefault(spec, 'serviceAccountName', 'default');
      setDefault(spec, 'enableServiceLinks', true);
      setDefault(spec, 'priority', 0);
      break;
    }
    case 'ReplicaSet': {
      const spec = rec(o, 'spec');
      setDefault(spec, 'replicas', 1);
      defaultTemplate(spec);
      break;
    }
    case 'Deployment': {
      const spec = rec(o, 'spec');
      setDefault(spec, 'replicas', 1);
      setDefault(spec, 'revisionHistoryLimit', 10);
      setDefault(spec, 'progressDeadlineSeconds', 600);
      const strategy = rec(spec, 'strategy');
      setDefault(strategy, 'type', 'RollingUpdate');
      if (strategy['type'] === 'RollingUpdate') {
        const ru = rec(strategy, 'rollingUpdate');
        setDefault(ru, 'maxSurge', '25%');
        setDefault(ru, 'maxUnavailable', '25%');
      }
      defaultTemplate(spec);
      break;
    }
    case 'Job': {
      const spec = rec(o, 'spec');
      if ((spec['completions'] === undefined || spec['completions'] === null) && (spec['parallelism'] === undefined || spec['parallelism'] === null)) {
        spec['completions'] = 1;
      }
      setDefault(spec, 'parallelism', 1);
      setDefault(spec, 'backoffLimit', 6);
      setDefault(spec, 'completionMode', 'NonIndexed');
      setDefault(spec, 'suspend', false);
      defaultTemplate(spec);
      break;
    }
    case 'Service': {
      const spec = rec(o, 'spec');
      setDefault(spec, 'type', 'ClusterIP');
      setDefault(spec, 'sessionAffinity', 'None');
      if (spec['type'] !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
      if (Array.isArray(spec['ports']))
        for (const p of spec['ports']) {
          if (!isRecord(p)) continue;
          setDefault(p, 'protocol', 'TCP');
          setDefault(p, 'targetPort', p['port']);
        }
      break;
    }
    case 'Namespace': {
      const spec = rec(o, 'spec');
      setDefault(spec, 'finalizers', ['kubernetes']);
      break;
    }
    case 'Secret':
      setDefault(o, 'type', 'Opaque');
      break;
    default:
      break;
  }
}

function selectorProblems(spec: Rec, path: string, templateLabels: unknown): FieldProblem[] {
  const sel = spec['selector'];
  if (!isRecord(sel)) return [requiredValue(`${path}.selector`)];
  try {
    const s = labelSelectorFromSpec(sel as never);
    if (isEmptySelector(s)) return [invalidValue(`${path}.selector`, 'object', 'empty selector is invalid for deployment')];
    if (!matchesLabels(s, isRecord(templateLabels) ? (templateLabels as Record<string, string>) : {}))
      return [invalidValue(`${path}.template.metadata.labels`, JSON.stringify(templateLabels ?? {}), '`selector` does not match template `labels`')];
  } catch (e) {
    if (e instanceof SelectorParseError) return [invalidValue(`${path}.selector`, 'object', e.message)];
    throw e;
  }
  return [];
}

function containerProblems(podSpec: unknown, path: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  const containers = isRecord(podSpec) ? podSpec['containers'] : undefined;
  if (!Array.isArray(containers) || containers.length === 0) return [requiredValue(`${path}.containers`)];
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    if (!isRecord(c)) return;
    if (typeof c['name'] !== 'string' || c['name'] === '') out.push(requiredValue(`${p}.name`));
    else {
      out.push(...checkLabelName(`${p}.name`, c['name']));
      if (seen.has(c['name'])) out.push({ field: `${p}.name`, reason: 'FieldValueDuplicate', detail: `Duplicate value: "${c['name']}"` });
      seen.add(c['name']);
    }
    if (typeof c['image'] !== 'string' || c['image'].trim() === '') out.push(requiredValue(`${p}.image`));
  });
  return out;
}

function nonNegative(spec: Rec, field: string, path: string): FieldProblem[] {
  const v = spec[field];
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || !Number.isInteger(v)) return [invalidValue(`${path}.${field}`, v, 'must be an integer')];
  return v < 0 ? [invalidValue(`${path}.${field}`, v, 'must be greater than or equal to 0')] : [];
}

/** Validation of a built-in object on create (`old` undefined) or update. */
export function validateBuiltin(kind: string, obj: KubeObject, old: KubeObject | undefined): FieldProblem[] {
  const o = obj as Rec;
  const spec = isRecord(o['spec']) ? o['spec'] : {};
  const oldSpec = old !== undefined && isRecord((old as Rec)['spec']) ? ((old as Rec)['spec'] as Rec) : undefined;
  const out: FieldProblem[] = [];
  switch (kind) {
    case 'Pod':
      out.push(...containerProblems(spec, 'spec'));
      if (oldSpec !== undefined) {
        const strip = (s: Rec): unknown => ({ ...s, containers: Array.isArray(s['containers']) ? (s['containers'] as Rec[]).map((c) => ({ ...c, image: undefined })) : undefined, activeDeadlineSeconds: undefined, tolerations: undefined, nodeName: undefined });
        if (!jsonEqual(JSON.parse(JSON.stringify(strip(spec))), JSON.parse(JSON.stringify(strip(oldSpec)))) )
          out.push(forbiddenValue('spec', 'pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations)'));
      }
      break;
    case 'ReplicaSet':
    case 'Deployment': {
      const template = isRecord(spec['template']) ? spec['template'] : {};
      const tmeta = isRecord(template['metadata']) ? template['metadata'] : {};
      out.push(...nonNegative(spec, 'replicas', 'spec'), ...nonNegative(spec, 'minReadySeconds', 'spec'));
      out.push(...selectorProblems(spec, 'spec', tmeta['labels']));
      out.push(...containerProblems(template['spec'], 'spec.template.spec'));
      if (oldSpec !== undefined && !jsonEqual(oldSpec['selector'], spec['selector']))
        out.push(invalidValue('spec.selector', 'object', 'field is immutable'));
      break;
    }
    case 'Job': {
      const template = isRecord(spec['template']) ? spec['template'] : {};
      const podSpec = isRecord(template['spec']) ? template['spec'] : {};
      out.push(...nonNegative(spec, 'parallelism', 'spec'), ...nonNegative(spec, 'completions', 'spec'), ...nonNegative(spec, 'backoffLimit', 'spec'));
      out.push(...containerProblems(podSpec, 'spec.template.spec'));
      const rp = podSpec['restartPolicy'];
      if (rp !== 'OnFailure' && rp !== 'Never') out.push(unsupportedValue('spec.template.spec.restartPolicy', rp ?? '', ['OnFailure', 'Never']));
      if (oldSpec !== undefined) {
        if (!jsonEqual(oldSpec['selector'], spec['selector'])) out.push(invalidValue('spec.selector', 'object', 'field is immutable'));
        if (!jsonEqual(oldSpec['template'], spec['template'])) out.push(invalidValue('spec.template', 'object', 'field is immutable'));
      }
      break;
    }
    case 'Service': {
      const type = spec['type'];
      const headless = spec['clusterIP'] === 'None';
      if (!['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'].includes(String(type)))
        out.push(unsupportedValue('spec.type', type, ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']));
      const ports = spec['ports'];
      if (type !== 'ExternalName' && !headless && (!Array.isArray(ports) || ports.length === 0)) out.push(requiredValue('spec.ports'));
      if (Array.isArray(ports))
        ports.forEach((p, i) => {
          const port = isRecord(p) ? p['port'] : undefined;
          if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
            out.push(invalidValue(`spec.ports[${i}].port`, port ?? 0, 'must be between 1 and 65535, inclusive'));
          if (ports.length > 1 && isRecord(p) && (typeof p['name'] !== 'string' || p['name'] === ''))
            out.push(requiredValue(`spec.ports[${i}].name`));
        });
      if (oldSpec !== undefined && oldSpec['clusterIP'] !== undefined && spec['clusterIP'] !== oldSpec['clusterIP'] && type === oldSpec['type'])
        out.push(invalidValue('spec.clusterIPs[0]', spec['clusterIP'] ?? '', 'may not change once set'));
      break;
    }
    case 'Lease': {
      out.push(...nonNegative(spec, 'leaseDurationSeconds', 'spec'), ...nonNegative(spec, 'leaseTransitions', 'spec'));
      break;
    }
    case 'ConfigMap':
    case 'Secret': {
      for (const field of ['data', 'stringData', 'binaryData']) {
        const d = o[field];
        if (d !== undefined && d !== null && !isRecord(d)) out.push(invalidValue(field, 'object', 'must be a map'));
      }
      if (old !== undefined && (old as Rec)['immutable'] === true) {
        if (!jsonEqual((old as Rec)['data'], o['data']) || !jsonEqual((old as Rec)['binaryData'], o['binaryData']))
          out.push(forbiddenValue('data', 'field is immutable when `immutable` is set'));
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * Updates keep what the server allocated when the client leaves it out (a Service's cluster IP and
 * node ports), as the real Service strategy does.
 */
export function keepAllocatedValues(kind: string, obj: KubeObject, old: KubeObject): void {
  if (kind !== 'Service') return;
  const spec = (obj as Rec)['spec'];
  const oldSpec = (old as Rec)['spec'];
  if (!isRecord(spec) || !isRecord(oldSpec)) return;
  if ((spec['clusterIP'] === undefined || spec['clusterIP'] === '') && oldSpec['clusterIP'] !== undefined && spec['type'] === oldSpec['type']) {
    spec['clusterIP'] = oldSpec['clusterIP'];
    spec['clusterIPs'] = oldSpec['clusterIPs'];
  }
  for (const f of ['ipFamilies', 'ipFamilyPolicy']) if (spec[f] === undefined && oldSpec[f] !== undefined) spec[f] = oldSpec[f];
}

/** Sequential allocator for cluster IPs (10.96.0.0/12) and pod IPs (10.244.0.0/16). */
export class AddressPool {
  private service = 10;
  private pod = 2;
  /** The next free cluster IP. */
  nextServiceIp(): string {
    const n = this.service++;
    return `10.96.${(n >> 8) & 255}.${n & 255}`;
  }
  /** The next pod IP. */
  nextPodIp(): string {
    const n = this.pod++;
    return `10.244.${(n >> 8) & 255}.${n & 255}`;
  }
}

/** Set the server-initialised state of a new built-in object (status, allocations, generated selectors). */
export function prepareBuiltinCreate(kind: string, obj: KubeObject, addresses: AddressPool): void {
  const o = obj as Rec;
  switch (kind) {
    case 'Pod':
      o['status'] = { phase: 'Pending', qosClass: 'BestEffort' };
      break;
    case 'Namespace':
      o['status'] = { phase: 'Active' };
      break;
    case 'Service': {
      const spec = rec(o, 'spec');
      if (spec['type'] !== 'ExternalName') {
        if (spec['clusterIP'] === undefined || spec['clusterIP'] === '' || spec['clusterIP'] === null) {
          const ip = addresses.nextServiceIp();
          spec['clusterIP'] = ip;
          spec['clusterIPs'] = [ip];
        } else if (spec['clusterIPs'] === undefined) spec['clusterIPs'] = [spec['clusterIP']];
        setDefault(spec, 'ipFamilies', ['IPv4']);
        setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
      }
      o['status'] = { loadBalancer: {} };
      break;
    }
    case 'Job': {
      const spec = rec(o, 'spec');
      const uid = obj.metadata.uid ?? '';
      const name = obj.metadata.name ?? '';
      if (spec['manualSelector'] !== true && !isRecord(spec['selector'])) {
        spec['selector'] = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
        const template = rec(spec, 'template');
        const tmeta = rec(template, 'metadata');
        const labels = rec(tmeta, 'labels');
        labels['batch.kubernetes.io/controller-uid'] = uid;
        labels['batch.kubernetes.io/job-name'] = name;
        labels['controller-uid'] = uid;
        labels['job-name'] = name;
      }
      break;
    }
    case 'ReplicaSet':
      // The server starts every ReplicaSet with an empty status, whose `replicas` (not omitempty) reads 0.
      o['status'] = { replicas: 0 };
      break;
    case 'Deployment':
    case 'Ingress':
      break;
    default:
      break;
  }
}
