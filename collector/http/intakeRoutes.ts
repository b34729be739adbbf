/**
 * Other sources of alerts: `POST /api/v1/intake/alertmanager` takes Alertmanager's webhook payload
 * (version 4) with an operator token (Alertmanager sends it as `http_config.authorization`). A
 * payload that is JSON but not that shape is a 422 naming the field, and nothing of it is applied.
 */
import type { FastifyInstance } from 'fastify';
import type { AlertmanagerIntake } from '../intake/alertmanagerIntake.js';
import { AlertmanagerAckSchema, AlertmanagerPayloadSchema, type AlertmanagerPayload } from '../intake/alertmanagerPayload.js';
import { principalOf } from './apiAccess.js';
import { ApiError, validationProblem } from './apiErrors.js';
import { ErrorSchema } from './apiSchemas.js';

export const ALERTMANAGER_INTAKE_PATH = '/api/v1/intake/alertmanager';

export function registerIntakeRoutes(app: FastifyInstance, intake: AlertmanagerIntake): void {
  app.post<{ Body: AlertmanagerPayload }>(
    ALERTMANAGER_INTAKE_PATH,
    {
      config: { access: 'operator' },
      attachValidation: true,
      schema: {
        summary: "Alertmanager's webhook receiver: firing alerts open incidents, resolved ones resolve them; answered once committed",
        body: AlertmanagerPayloadSchema,
        response: { 200: AlertmanagerAckSchema, 400: ErrorSchema, 401: ErrorSchema, 403: ErrorSchema, 413: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (request) => {
      if (request.validationError) {
        const problem = validationProblem(request.validationError);
        throw new ApiError('TRIPLINE_ALERT_PAYLOAD_INVALID', problem.message, problem.path);
      }
      return intake.receive(request.body, principalOf(request).name);
    },
  );
}
