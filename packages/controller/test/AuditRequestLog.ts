// The real target's counterpart of kube-sim's request log: the kube-apiserver audit log that tools/kube/start.sh
// turns on (metadata of every request but watches and non-resource URLs, one JSON event per line), read into a
// kube-sim `RequestLog` so that the tests count API requests the same way on both targets. The file is read
// up to its end on every call, so `mark()` and the counts see every request answered before the call.
import * as fs from 'node:fs';
import { RequestLog, type BucketCounts, type RequestFilter, type RequestRecord, type Verb } from '@rollouts/kube-sim';

interface AuditEvent {
  readonly stage?: string;
  readonly verb?: string;
  readonly requestURI?: string;
  readonly userAgent?: string;
  readonly objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string; apiVersion?: string };
  readonly responseStatus?: { code?: number };
  readonly requestReceivedTimestamp?: string;
  readonly stageTimestamp?: string;
}

/** The request-log methods the tests use. */
export type RequestCounter = Pick<RequestLog, 'mark' | 'count' | 'countsByBucket' | 'entries' | 'writes'>;

const VERBS = new Set<Verb>(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);

/** A request log fed from an audit log file, keeping the requests on objects in `namespace` only. */
export class AuditRequestLog implements RequestCounter {
  private readonly log = new RequestLog(1_000_000);
  private offset = 0;
  private partial = '';

  constructor(
    private readonly file: string,
    private readonly namespace: string,
  ) {
    // Start at the end: only what happens from now on counts.
    this.offset = fs.statSync(file).size;
  }

  private refresh(): void {
    const size = fs.statSync(this.file).size;
    if (size <= this.offset) return;
    const fd = fs.openSync(this.file, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      fs.readSync(fd, buf, 0, buf.length, this.offset);
      this.offset = size;
      const text = this.partial + buf.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.add(JSON.parse(line) as AuditEvent);
    } finally {
      fs.closeSync(fd);
    }
  }

  private add(e: AuditEvent): void {
    const ref = e.objectRef;
    if (e.stage !== 'ResponseComplete' || ref === undefined || ref.namespace !== this.namespace) return;
    const verb: Verb = VERBS.has(e.verb as Verb) ? (e.verb as Verb) : 'other';
    const record: Omit<RequestRecord, 'seq'> = {
      time: Date.parse(e.requestReceivedTimestamp ?? '') || 0,
      method: '',
      path: e.requestURI ?? '',
      verb,
      group: ref.apiGroup ?? '',
      version: ref.apiVersion ?? '',
      resource: ref.resource ?? '',
      subresource: ref.subresource ?? '',
      namespace: ref.namespace ?? '',
      name: ref.name ?? '',
      code: e.responseStatus?.code ?? 0,
      bytes: 0,
      requestBytes: 0,
      durationMs: Math.max(0, (Date.parse(e.stageTimestamp ?? '') || 0) - (Date.parse(e.requestReceivedTimestamp ?? '') || 0)),
      userAgent: e.userAgent ?? '',
    };
    this.log.add(record);
  }

  mark(): number {
    this.refresh();
    return this.log.mark();
  }

  count(filter?: RequestFilter): number {
    this.refresh();
    return this.log.count(filter);
  }

  writes(filter?: RequestFilter): number {
    this.refresh();
    return this.log.writes(filter);
  }

  countsByBucket(filter?: RequestFilter): BucketCounts {
    this.refresh();
    return this.log.countsByBucket(filter);
  }

  entries(filter?: RequestFilter): RequestRecord[] {
    this.refresh();
    return this.log.entries(filter);
  }
}
