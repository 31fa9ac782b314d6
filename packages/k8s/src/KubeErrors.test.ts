import { describeTarget, kubeErrorFromException, kubeErrorFromResponse, RequestTarget } from './KubeErrors';

const rollout: RequestTarget = { verb: 'update', kind: 'Rollout', namespace: 'prod', name: 'guestbook', subresource: 'status' };
const status = (code: number, reason: string, message: string, causes?: Array<{ reason?: string; message?: string; field?: string }>) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message,
  ...(causes !== undefined ? { details: { causes } } : {}),
});

describe('kubeErrorFromResponse', () => {
  it.each([
    [409, 'KubeConflict', true],
    [404, 'KubeNotFound', false],
    [400, 'KubeRejected', false],
    [403, 'KubeRejected', false],
    [422, 'KubeRejected', false],
    [405, 'KubeRejected', false],
    [401, 'KubeUnavailable', true],
    [408, 'KubeUnavailable', true],
    [429, 'KubeUnavailable', true],
    [500, 'KubeUnavailable', true],
    [503, 'KubeUnavailable', true],
    [504, 'KubeUnavailable', true],
  ])('maps HTTP %i to %s (retryable %s)', (code, tag, retryable) => {
    const e = kubeErrorFromResponse(code, status(code, 'Something', 'went wrong'), rollout);
    expect(e._tag).toBe(tag);
    expect(e.retryable).toBe(retryable);
    expect(e.message).toBe('update status of Rollout prod/guestbook: Something: went wrong');
  });

  it('keeps the HTTP status on KubeRejected and KubeUnavailable', () => {
    const rejected = kubeErrorFromResponse(403, status(403, 'Forbidden', 'no'), rollout);
    const unavailable = kubeErrorFromResponse(503, status(503, 'ServiceUnavailable', 'later'), rollout);
    expect(rejected._tag === 'KubeRejected' && rejected.status).toBe(403);
    expect(unavailable._tag === 'KubeUnavailable' && unavailable.status).toBe(503);
  });

  it('appends causes the Status message does not already mention, and keeps the Status as cause', () => {
    const body = status(422, 'Invalid', 'Rollout.argoproj.io "guestbook" is invalid', [
      { reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be >= 0', field: 'spec.replicas' },
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.selector' },
    ]);
    const e = kubeErrorFromResponse(422, body, { verb: 'create', kind: 'Rollout', namespace: 'prod' });
    expect(e.message).toBe(
      'create Rollout in prod: Invalid: Rollout.argoproj.io "guestbook" is invalid (spec.replicas: Invalid value: -1: must be >= 0; spec.selector: Required value)',
    );
    expect(e.cause).toBe(body);
    const repeated = status(422, 'Invalid', 'x is invalid: spec.replicas: Invalid value: -1', [{ field: 'spec.replicas', message: 'Invalid value: -1' }]);
    expect(kubeErrorFromResponse(422, repeated, rollout).message).toBe('update status of Rollout prod/guestbook: Invalid: x is invalid: spec.replicas: Invalid value: -1');
  });

  it('falls back to the body text, or the code, when the answer is not a Status', () => {
    expect(kubeErrorFromResponse(502, '<html>Bad gateway</html>\n', rollout).message).toBe('update status of Rollout prod/guestbook: <html>Bad gateway</html>');
    expect(kubeErrorFromResponse(500, undefined, rollout).message).toBe('update status of Rollout prod/guestbook: HTTP 500');
  });
});

describe('kubeErrorFromException', () => {
  it('is KubeUnavailable and names the request', () => {
    const e = kubeErrorFromException(new Error('connect ECONNREFUSED 127.0.0.1:1'), { verb: 'get', kind: 'Lease', namespace: 'kube-system', name: 'rollouts' });
    expect(e._tag).toBe('KubeUnavailable');
    expect(e.retryable).toBe(true);
    expect(e.message).toBe('get Lease kube-system/rollouts: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('says a timeout is a timeout', () => {
    const abort = new Error('The operation was aborted');
    abort.name = 'AbortError';
    expect(kubeErrorFromException(abort, { verb: 'list', kind: 'Pod' }).message).toBe('list Pod: request timed out (The operation was aborted)');
  });
});

describe('describeTarget', () => {
  it.each([
    [{ verb: 'get', kind: 'Rollout', namespace: 'a', name: 'b' }, 'get Rollout a/b'],
    [{ verb: 'get', kind: 'ClusterAnalysisTemplate', name: 'b' }, 'get ClusterAnalysisTemplate b'],
    [{ verb: 'list', kind: 'Pod' }, 'list Pod'],
    [{ verb: 'list', kind: 'Pod', namespace: 'x' }, 'list Pod in x'],
    [{ verb: 'patch', kind: 'ReplicaSet', namespace: 'x', name: 'rs', subresource: 'scale' }, 'patch scale of ReplicaSet x/rs'],
  ] as Array<[RequestTarget, string]>)('%o -> %s', (t, s) => expect(describeTarget(t)).toBe(s));
});
