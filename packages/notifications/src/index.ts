// @rollouts/notifications (being written: the engine, the services, the delivery).
export type * from './Types';
