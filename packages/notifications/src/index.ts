// @rollouts/notifications (being written: the engine, the services, the delivery).
export type * from './Types';
// The engine (configuration, templates, triggers, subscriptions).
export {
  notificationEngine,
  planForEvent,
  planForConditions,
  renderNotification,
  destinationsByTrigger,
  templateVars,
  triggerForReason,
  notifiedKey,
  hashCondition,
  ANNOTATION_PREFIX,
  NOTIFIED_ANNOTATION,
  NOTIFIED_MAX_ENTRIES,
  describeTriggers,
  describeTemplates,
} from './Engine';
export type { PlanOptions, TriggerDescription } from './Engine';
export { parseNotificationConfig, CONDITION_VARIABLES } from './Config';
export { BUILTIN_TEMPLATES, BUILTIN_TRIGGERS } from './Builtins';
export { SPRIG_FUNCTIONS } from './template/Funcs';
// The services (one module per `service.<type>`) and their registry.
export { notificationServices, serviceFor } from './services';
