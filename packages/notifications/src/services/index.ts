/**
 * The services of `@rollouts/notifications`: one module per `service.<type>`, and the registry the engine and
 * the delivery look types up in. Stateful services (Slack's grouping keys, GitHub's installation tokens) keep
 * their state in the instance listed here, one per controller process.
 */
import type { NotificationService } from '../Types';
import { emailService } from './Email';
import { createGitHubService } from './GitHub';
import { googleChatService } from './GoogleChat';
import { grafanaService } from './Grafana';
import { mattermostService } from './Mattermost';
import { opsgenieService } from './Opsgenie';
import { pagerDutyService } from './PagerDuty';
import { pagerDutyV2Service } from './PagerDutyV2';
import { createSlackService } from './Slack';
import { teamsService } from './Teams';
import { teamsWorkflowsService } from './TeamsWorkflows';
import { webhookService } from './Webhook';

export const notificationServices: ReadonlyArray<NotificationService> = [
  webhookService,
  emailService,
  createSlackService(),
  teamsService,
  teamsWorkflowsService,
  mattermostService,
  googleChatService,
  pagerDutyV2Service,
  pagerDutyService,
  opsgenieService,
  createGitHubService(),
  grafanaService,
];

const byType = new Map(notificationServices.map((s) => [s.type, s]));

/** The service of a `service.<type>` key, or undefined for a type this build does not send to. */
export function serviceFor(type: string): NotificationService | undefined {
  return byType.get(type);
}

export { createGitHubService, createSlackService, emailService, googleChatService, grafanaService, mattermostService, opsgenieService, pagerDutyService, pagerDutyV2Service, teamsService, teamsWorkflowsService, webhookService };
export { parseGoDuration, webhookBackoff, WEBHOOK_DEFAULTS } from './Webhook';
export { emailRecipients } from './Email';
export { memorySlackThreadStore } from './Slack';
export type { SlackThreadHead, SlackThreadStore } from './Slack';
export { appJwt, repoOf } from './GitHub';
