// Plain HTTP(S) access to an API server as the test user (what kubectl does): kube-sim over http with its token,
// or the real kube-apiserver over https with the CA and token of a kubeconfig file. No client library, so that
// the test's own requests stay apart from the controller's (another user agent).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import YAML from 'yaml';

/** Where the API server is and how to authenticate. */
export interface KubeEndpoint {
  /** `http(s)://host:port`. */
  readonly server: string;
  readonly token: string | null;
  /** PEM of the CA that signed the serving certificate (https). */
  readonly ca?: string;
}

/** One HTTP answer. */
export interface KubeResponse {
  readonly status: number;
  readonly text: string;
}

/** A watch event as the API server streams it. */
export interface WatchEvent<T = unknown> {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: T;
}

/** A running watch; `done` settles when the stream ends (closed by the server, or by `stop`). */
export interface WatchHandle {
  stop(): void;
  readonly done: Promise<void>;
}

/** The endpoint of a kubeconfig file's current context (token and certificate-authority-data only). */
export function endpointFromKubeconfig(file: string): KubeEndpoint {
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) as {
    'current-context'?: string;
    contexts?: Array<{ name: string; context: { cluster: string; user: string } }>;
    clusters?: Array<{ name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string } }>;
    users?: Array<{ name: string; user: { token?: string } }>;
  };
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context']) ?? doc.contexts?.[0];
  const cluster = doc.clusters?.find((c) => c.name === ctx?.context.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx?.context.user)?.user;
  if (cluster === undefined) throw new Error(`${file}: no cluster for context ${ctx?.name ?? '(none)'}`);
  const caData = cluster['certificate-authority-data'];
  const caFile = cluster['certificate-authority'];
  const ca = caData !== undefined ? Buffer.from(caData, 'base64').toString('utf8') : caFile !== undefined ? fs.readFileSync(caFile, 'utf8') : undefined;
  return { server: cluster.server, token: user?.token ?? null, ...(ca !== undefined ? { ca } : {}) };
}

/** HTTP to one API server with keep-alive connections. */
export class KubeHttp {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(readonly endpoint: KubeEndpoint, private readonly userAgent = 'e2e-test') {
    this.secure = endpoint.server.startsWith('https:');
    this.agent = this.secure ? new https.Agent({ keepAlive: true, ...(endpoint.ca !== undefined ? { ca: endpoint.ca } : {}) }) : new http.Agent({ keepAlive: true });
  }

  private open(method: string, path: string, headers: Record<string, string>): http.ClientRequest {
    const url = new URL(path, this.endpoint.server);
    const options: http.RequestOptions = {
      method,
      agent: this.agent,
      headers: { 'User-Agent': this.userAgent, Accept: 'application/json', ...(this.endpoint.token !== null ? { Authorization: `Bearer ${this.endpoint.token}` } : {}), ...headers },
    };
    return this.secure ? https.request(url, options) : http.request(url, options);
  }

  /**
   * One request; the body is sent as JSON. Never throws on an HTTP status (network errors reject). A 429 is sent
   * again after its Retry-After (as client-go does: a real server answers so while a new CRD's storage starts).
   */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeResponse> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.once(method, path, body, contentType);
      if (res.status !== 429 || attempt >= 10) return res;
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(100, res.retryAfterSeconds * 1000))));
    }
  }

  private once(method: string, path: string, body: unknown, contentType: string): Promise<KubeResponse & { retryAfterSeconds: number }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = this.open(method, path, payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(payload)) } : {});
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfterSeconds: Number(res.headers['retry-after'] ?? '1') || 1 }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request whose 2xx answer is parsed; anything else throws with the method, path, status and body. */
  async json<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.request(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return JSON.parse(res.text) as T;
  }

  /** Stream a watch (`path` carries the query); each event goes to `onEvent`. Rejects if the server refuses it. */
  watch(path: string, onEvent: (e: WatchEvent) => void): Promise<WatchHandle> {
    return new Promise((resolve, reject) => {
      const req = this.open('GET', path, {});
      let stopped = false;
      req.on('response', (res) => {
        if ((res.statusCode ?? 0) !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(new Error(`watch ${path}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8')}`)));
          return;
        }
        const done = new Promise<void>((end) => {
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, nl).trim();
              buffered = buffered.slice(nl + 1);
              if (line !== '' && !stopped) onEvent(JSON.parse(line) as WatchEvent);
            }
          });
          res.on('end', () => end());
          res.on('close', () => end());
          res.on('error', () => end());
        });
        resolve({
          stop: () => {
            stopped = true;
            req.destroy();
          },
          done,
        });
      });
      req.on('error', (e) => (stopped ? undefined : reject(e)));
      req.end();
    });
  }

  /** Close idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
