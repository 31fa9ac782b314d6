export * from './Schema';
export * from './Kubernetes';
export * from './Common';
export * from './Rollout';
export * from './Duration';
export * from './Validation';
