/**
 * Builds the adapter for one `desks` entry; the exhaustive switch over `type` is the one place
 * that knows every adapter.
 */
import type { DeskConfig } from '../../config/configSchema.js';
import type { Clock } from '../clock.js';
import type { DeskAdapter } from './deskAdapter.js';
import { createWebhookDesk } from './webhookDesk.js';

export function createDesk(config: DeskConfig, clock: Clock): DeskAdapter {
  switch (config.type) {
    case 'webhook':
      return createWebhookDesk(config, clock);
    default:
      return config.type satisfies never;
  }
}
