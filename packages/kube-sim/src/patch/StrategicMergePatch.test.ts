import { applyMergePatch } from './MergePatch';
import { applyStrategicMergePatch } from './StrategicMergePatch';

const pod = {
  metadata: { name: 'p', finalizers: ['a'], labels: { x: '1' } },
  spec: {
    containers: [
      { name: 'app', image: 'a:1', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }], args: ['x'] },
      { name: 'side', image: 's:1' },
    ],
    tolerations: [{ key: 'k' }],
  },
  status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] },
};

describe('applyStrategicMergePatch', () => {
  it.each([
    ['merges containers by name', { spec: { containers: [{ name: 'app', image: 'a:2' }] } }, (r: any) => expect(r.spec.containers.map((c: any) => c.image)).toEqual(['a:2', 's:1'])],
    ['appends a new container', { spec: { containers: [{ name: 'new', image: 'n' }] } }, (r: any) => expect(r.spec.containers.map((c: any) => c.name)).toEqual(['app', 'side', 'new'])],
    ['deletes a container with $patch', { spec: { containers: [{ name: 'side', $patch: 'delete' }] } }, (r: any) => expect(r.spec.containers.map((c: any) => c.name)).toEqual(['app'])],
    ['replaces the list with $patch: replace', { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'o' }] } }, (r: any) => expect(r.spec.containers).toEqual([{ name: 'only', image: 'o' }])],
    ['merges ports by containerPort', { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 90 }] }] } }, (r: any) =>
      expect(r.spec.containers[0].ports).toEqual([{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 90 }])],
    ['replaces atomic lists (args, tolerations)', { spec: { containers: [{ name: 'app', args: ['y'] }], tolerations: [{ key: 'z' }] } }, (r: any) => {
      expect(r.spec.containers[0].args).toEqual(['y']);
      expect(r.spec.tolerations).toEqual([{ key: 'z' }]);
    }],
    ['merges conditions by type', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, (r: any) => expect(r.status.conditions).toEqual([{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }])],
    ['unions finalizers', { metadata: { finalizers: ['b', 'a'] } }, (r: any) => expect(r.metadata.finalizers).toEqual(['a', 'b'])],
    ['deletes from primitive lists', { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }, (r: any) => expect(r.metadata.finalizers).toEqual([])],
    ['reorders with $setElementOrder', { spec: { '$setElementOrder/containers': [{ name: 'side' }, { name: 'app' }] } }, (r: any) => expect(r.spec.containers.map((c: any) => c.name)).toEqual(['side', 'app'])],
    ['deletes keys with null', { metadata: { labels: { x: null } } }, (r: any) => expect(r.metadata.labels).toEqual({})],
    ['replaces a map with $patch: replace', { metadata: { labels: { $patch: 'replace', y: '2' } } }, (r: any) => expect(r.metadata.labels).toEqual({ y: '2' })],
    ['keeps only $retainKeys', { spec: { $retainKeys: ['containers'], containers: [] } }, (r: any) => expect(Object.keys(r.spec)).toEqual(['containers'])],
  ])('%s', (_name, patch, check) => {
    check(applyStrategicMergePatch('Pod', pod, patch));
  });

  it('uses port (not containerPort) as the key of Service ports', () => {
    const svc = { spec: { ports: [{ port: 80, name: 'a' }] } };
    const r = applyStrategicMergePatch('Service', svc, { spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443 }] } }) as any;
    expect(r.spec.ports).toEqual([{ port: 80, name: 'a', targetPort: 8080 }, { port: 443 }]);
  });

  it('fails on a merge-keyed element without its key', () => {
    expect(() => applyStrategicMergePatch('Pod', pod, { spec: { containers: [{ image: 'x' }] } })).toThrow(/merge key: name/);
  });
});

describe('applyMergePatch', () => {
  it.each([
    [{ a: 1, b: { c: 2 } }, { b: { c: null, d: 3 } }, { a: 1, b: { d: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, { a: { b: 1 } }, { a: { b: 1 } }],
    [{ a: { b: 1 } }, { a: 'x' }, { a: 'x' }],
  ])('%j + %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });
});
