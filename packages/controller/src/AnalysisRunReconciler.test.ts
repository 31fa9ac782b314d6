import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';
import { writeRefused } from './AnalysisRunReconciler';

describe('writeRefused: a status write that can never succeed as it is (issue #15)', () => {
  it.each<[string, PluginError, boolean]>([
    ['413 RequestEntityTooLarge', PluginErrors.kubeRejected({ message: 'update analysisruns default/r: RequestEntityTooLarge: the request body is larger than 3145728 bytes', status: 413 }), true],
    ['422 Invalid', PluginErrors.kubeRejected({ message: 'update analysisruns default/r: Invalid: status.metricResults: Invalid value', status: 422 }), true],
    ['400 BadRequest', PluginErrors.kubeRejected({ message: 'update analysisruns default/r: BadRequest: the body could not be read', status: 400 }), true],
    ["etcd's request is too large, as a 500", PluginErrors.kubeUnavailable({ message: 'update analysisruns default/r: etcdserver: request is too large', status: 500 }), true],
    ['409 Conflict', PluginErrors.kubeConflict({ message: 'update analysisruns default/r: the object has been modified' }), false],
    ['403 Forbidden', PluginErrors.kubeRejected({ message: 'update analysisruns default/r: Forbidden', status: 403 }), false],
    ['503 Unavailable', PluginErrors.kubeUnavailable({ message: 'update analysisruns default/r: ServiceUnavailable', status: 503 }), false],
    ['404 NotFound', PluginErrors.kubeNotFound({ message: 'update analysisruns default/r: NotFound' }), false],
  ])('%s: %s', (_name, error, refused) => {
    expect(writeRefused(error)).toBe(refused);
  });
});
