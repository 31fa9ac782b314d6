/**
 * `meta.k8s.io/v1` Table output, which kubectl asks for (`Accept: application/json;as=Table;...`) to print
 * `kubectl get`: the usual columns for the common built-ins, and for custom resources the CRD's
 * `additionalPrinterColumns` (simple `.a.b[0].c` JSON paths).
 */
import { isRecord, KubeObject } from '../store/KubeObject';
import { ResourceType } from '../registry/ResourceType';

interface Column {
  readonly name: string;
  readonly type: string;
  readonly format: string;
  readonly description: string;
  readonly priority: number;
}

type Cell = string | number | boolean | null;

/** Whether the Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  return accept !== undefined && /as=Table/.test(accept);
}

/** kubectl's short human duration (`45s`, `3m20s`, `5h`, `2d3h`). */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 365 * 2) return `${d}d`;
  return `${Math.floor(d / 365)}y`;
}

function col(name: string, type = 'string', priority = 0, format = ''): Column {
  return { name, type, format, description: name, priority };
}

function get(o: unknown, path: string): unknown {
  let cur = o;
  const parts = path.replace(/^\./, '').match(/[^.[\]]+|\[\d+\]/g) ?? [];
  for (const p of parts) {
    if (p.startsWith('[')) {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[Number(p.slice(1, -1))];
    } else {
      if (!isRecord(cur)) return undefined;
      cur = cur[p];
    }
  }
  return cur;
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function columnsFor(t: ResourceType): Array<[Column, (o: KubeObject, age: (ts: unknown) => string) => Cell]> {
  const name: [Column, (o: KubeObject) => Cell] = [col('Name', 'string', 0, 'name'), (o) => o.metadata.name ?? ''];
  const ageCol: [Column, (o: KubeObject, age: (ts: unknown) => string) => Cell] = [col('Age'), (o, age) => age(o.metadata.creationTimestamp)];
  if (t.custom) {
    const extra = (t.printerColumns ?? []).map(
      (c): [Column, (o: KubeObject, age: (ts: unknown) => string) => Cell] => [
        col(c.name, c.type === 'date' ? 'string' : c.type, c.priority ?? 0, c.format ?? ''),
        (o, age) => {
          const v = get(o, c.jsonPath);
          if (c.type === 'date') return v === undefined ? '<unknown>' : age(v);
          if (v === undefined || v === null) return null;
          return typeof v === 'object' ? JSON.stringify(v) : (v as Cell);
        },
      ],
    );
    return extra.length > 0 ? [name, ...extra] : [name, ageCol];
  }
  switch (`${t.group}/${t.kind}`) {
    case '/Pod':
      return [
        name,
        [col('Ready'), (o) => {
          const cs = get(o, '.status.containerStatuses');
          const total = Array.isArray(get(o, '.spec.containers')) ? (get(o, '.spec.containers') as unknown[]).length : 0;
          const ready = Array.isArray(cs) ? cs.filter((c) => isRecord(c) && c['ready'] === true).length : 0;
          return `${ready}/${total}`;
        }],
        [col('Status'), (o) => {
          if (o.metadata.deletionTimestamp !== undefined) return 'Terminating';
          const cs = get(o, '.status.containerStatuses');
          if (Array.isArray(cs)) for (const c of cs) {
            const reason = get(c, '.state.waiting.reason');
            if (typeof reason === 'string') return reason;
          }
          return String(get(o, '.status.phase') ?? 'Pending');
        }],
        [col('Restarts', 'integer'), (o) => {
          const cs = get(o, '.status.containerStatuses');
          return Array.isArray(cs) ? cs.reduce((a: number, c) => a + num(get(c, '.restartCount')), 0) : 0;
        }],
        ageCol,
        [col('IP', 'string', 1), (o) => String(get(o, '.status.podIP') ?? '<none>')],
        [col('Node', 'string', 1), (o) => String(get(o, '.spec.nodeName') ?? '<none>')],
      ];
    case 'apps/Deployment':
      return [
        name,
        [col('Ready'), (o) => `${num(get(o, '.status.readyReplicas'))}/${num(get(o, '.spec.replicas'))}`],
        [col('Up-to-date', 'integer'), (o) => num(get(o, '.status.updatedReplicas'))],
        [col('Available', 'integer'), (o) => num(get(o, '.status.availableReplicas'))],
        ageCol,
      ];
    case 'apps/ReplicaSet':
      return [
        name,
        [col('Desired', 'integer'), (o) => num(get(o, '.spec.replicas'))],
        [col('Current', 'integer'), (o) => num(get(o, '.status.replicas'))],
        [col('Ready', 'integer'), (o) => num(get(o, '.status.readyReplicas'))],
        ageCol,
      ];
    case '/Service':
      return [
        name,
        [col('Type'), (o) => String(get(o, '.spec.type') ?? 'ClusterIP')],
        [col('Cluster-IP'), (o) => String(get(o, '.spec.clusterIP') ?? '<none>')],
        [col('External-IP'), () => '<none>'],
        [col('Port(s)'), (o) => {
          const ports = get(o, '.spec.ports');
          return Array.isArray(ports) && ports.length > 0 ? ports.map((p) => `${num(get(p, '.port'))}/${String(get(p, '.protocol') ?? 'TCP')}`).join(',') : '<none>';
        }],
        ageCol,
      ];
    case 'batch/Job':
      return [
        name,
        [col('Status'), (o) => {
          const conds = get(o, '.status.conditions');
          const done = Array.isArray(conds) ? conds.find((c) => isRecord(c) && c['status'] === 'True' && (c['type'] === 'Complete' || c['type'] === 'Failed')) : undefined;
          return isRecord(done) ? String(done['type']) : 'Running';
        }],
        [col('Completions'), (o) => `${num(get(o, '.status.succeeded'))}/${num(get(o, '.spec.completions'))}`],
        ageCol,
      ];
    case '/Namespace':
      return [name, [col('Status'), (o) => String(get(o, '.status.phase') ?? 'Active')], ageCol];
    case '/ConfigMap':
      return [name, [col('Data', 'integer'), (o) => Object.keys((get(o, '.data') as object) ?? {}).length + Object.keys((get(o, '.binaryData') as object) ?? {}).length], ageCol];
    default:
      return [name, ageCol];
  }
}

/** A Table of `objects` for a list, get, or one watch event. */
export function tableFor(
  t: ResourceType,
  objects: readonly KubeObject[],
  resourceVersion: string,
  continueToken: string | undefined,
  now: number = Date.now(),
  includeObject: 'None' | 'Metadata' | 'Object' = 'Metadata',
  withColumns = true,
): Record<string, unknown> {
  const cols = columnsFor(t);
  const age = (ts: unknown): string => (typeof ts === 'string' ? humanDuration(now - Date.parse(ts)) : '<unknown>');
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion, ...(continueToken !== undefined ? { continue: continueToken } : {}) },
    columnDefinitions: withColumns ? cols.map(([c]) => c) : null,
    rows: objects.map((o) => ({
      cells: cols.map(([, f]) => f(o, age)),
      ...(includeObject === 'None'
        ? {}
        : { object: includeObject === 'Object' ? o : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata } }),
    })),
  };
}
