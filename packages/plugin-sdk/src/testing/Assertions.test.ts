import * as TE from 'fp-ts/lib/TaskEither';
import { PluginErrors } from '../PluginError';
import { eventually, expectRight } from './Assertions';

test('expectRight returns the value, or throws with the PluginError tag and message', async () => {
  expect(await expectRight(TE.right(7))).toBe(7);
  await expect(expectRight(TE.left(PluginErrors.kubeNotFound({ message: 'Ingress web not found' })))).rejects.toThrow('expected success, got KubeNotFound: Ingress web not found');
  await expect(expectRight(TE.left({ odd: 1 }))).rejects.toThrow('expected success, got {"odd":1}');
});

test('eventually waits until the check holds, and names what it waited for when it never does', async () => {
  let n = 0;
  await eventually('the third check', () => ++n === 3, { intervalMs: 1 });
  expect(n).toBe(3);
  await expect(eventually('a thing that never happens', async () => false, { attempts: 3, intervalMs: 1 })).rejects.toThrow('not reached after 3 checks 1 ms apart: a thing that never happens');
});
