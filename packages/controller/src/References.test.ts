import type { Rollout } from '@rollouts/api';
import { ReferenceIndex, rolloutReferences } from './References';

const rollout = (name: string, strategy: Rollout['spec']['strategy'], extra: Partial<Rollout['spec']> = {}): Rollout => ({
  metadata: { name, namespace: 'shop' },
  spec: { selector: { matchLabels: { app: name } }, strategy, ...extra },
});

test('a canary names its Services and every template it uses, once each', () => {
  const r = rolloutReferences(
    rollout('web', {
      canary: {
        stableService: 'web-stable',
        canaryService: 'web-canary',
        analysis: { templates: [{ templateName: 'rate' }] },
        steps: [
          { analysis: { templates: [{ templateName: 'rate' }, { templateName: 'global', clusterScope: true }] } },
          { experiment: { templates: [], analyses: [{ name: 'a', templateName: 'latency' }] } },
        ],
      },
    }),
  );
  expect(r).toMatchObject({ services: ['web-stable', 'web-canary'], analysisTemplates: ['rate', 'latency'], clusterAnalysisTemplates: ['global'] });
  expect(r.workload).toBeUndefined();
});

test('blue-green Services, pre/post analyses and a workloadRef', () => {
  const r = rolloutReferences(
    rollout(
      'api',
      { blueGreen: { activeService: 'api', previewService: 'api-preview', prePromotionAnalysis: { templates: [{ templateName: 'smoke' }] }, postPromotionAnalysis: { templates: [{ templateName: 'soak' }] } } },
      { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api-deploy' } },
    ),
  );
  expect(r).toMatchObject({ services: ['api', 'api-preview'], analysisTemplates: ['smoke', 'soak'], workload: { kind: 'Deployment', name: 'api-deploy' } });
});

test('the index finds the Rollouts that reference an object, and forgets old references', () => {
  const idx = new ReferenceIndex();
  idx.set('shop/a', rollout('a', { canary: { stableService: 'shared', canaryService: 'a-canary' } }));
  idx.set('shop/b', rollout('b', { canary: { stableService: 'shared', steps: [{ analysis: { templates: [{ templateName: 'g', clusterScope: true }] } }] } }));
  expect([...idx.referrers('Service', 'shop', 'shared')].sort()).toEqual(['shop/a', 'shop/b']);
  expect(idx.referrers('Service', 'other', 'shared')).toEqual([]);
  expect(idx.referrers('ClusterAnalysisTemplate', '', 'g')).toEqual(['shop/b']);
  idx.set('shop/a', rollout('a', { canary: { stableService: 'a-stable' } }));
  expect(idx.referrers('Service', 'shop', 'shared')).toEqual(['shop/b']);
  expect(idx.referrers('Service', 'shop', 'a-canary')).toEqual([]);
  idx.delete('shop/b');
  expect(idx.referrers('Service', 'shop', 'shared')).toEqual([]);
});
