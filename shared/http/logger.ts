import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger per process. Request bodies and events are never logged: they can carry
 * pickup codes, which must never reach a log.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'locker-service' });
