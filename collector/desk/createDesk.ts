/**
 * Builds the adapter for one `desks` entry; the exhaustive switch over `type` is the one place
 * that knows every adapter.
 */
import type { DeskConfig } from '../../config/configSchema.js';
import type { Clock } from '../clock.js';
import type { DeskAdapter } from './deskAdapter.js';
import { createRequestTrackerDesk } from './requestTrackerDesk.js';
import { createWebhookDesk } from './webhookDesk.js';

export function createDesk(config: DeskConfig, clock: Clock): DeskAdapter {
  switch (config.type) {
    case 'webhook':
      return createWebhookDesk(config, clock);
    case 'request-tracker':
      return createRequestTrackerDesk(config, clock);
    case 'servicenow':
    case 'jira':
    case 'pagerduty':
    case 'zendesk':
    case 'email':
      throw new Error(`desk "${config.name}": type ${config.type} is not available yet`);
    default:
      return config satisfies never;
  }
}
