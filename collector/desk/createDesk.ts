/**
 * Builds the adapter for one `desks` entry; the exhaustive switch over `type` is the one place
 * that knows every adapter.
 */
import type { DeskConfig } from '../../config/configSchema.js';
import type { Clock } from '../clock.js';
import type { DeskAdapter } from './deskAdapter.js';
import { createEmailDesk } from './emailDesk.js';
import { createJiraDesk } from './jiraDesk.js';
import { createPagerDutyDesk } from './pagerDutyDesk.js';
import { createRequestTrackerDesk } from './requestTrackerDesk.js';
import { createServiceNowDesk } from './serviceNowDesk.js';
import { createWebhookDesk } from './webhookDesk.js';
import { createZendeskDesk } from './zendeskDesk.js';

export function createDesk(config: DeskConfig, clock: Clock): DeskAdapter {
  switch (config.type) {
    case 'webhook':
      return createWebhookDesk(config, clock);
    case 'request-tracker':
      return createRequestTrackerDesk(config, clock);
    case 'servicenow':
      return createServiceNowDesk(config, clock);
    case 'jira':
      return createJiraDesk(config, clock);
    case 'pagerduty':
      return createPagerDutyDesk(config, clock);
    case 'zendesk':
      return createZendeskDesk(config, clock);
    case 'email':
      return createEmailDesk(config);
    default:
      return config satisfies never;
  }
}
