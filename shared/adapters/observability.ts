import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { observabilitySettings } from '#shared/config';
import type { Logger as LoggerPort, Metrics } from '#shared/ports';

/**
 * One logger, tracer and metrics buffer per process, shared by every kind of trigger. Their state
 * is scoped to the invocation by Powertools (Lambda's InvokeStore), so two invocations running at
 * once in one process never mix request ids, keys or metrics. Request bodies and events are never
 * logged: they can carry pickup codes, which must never reach a log.
 */
const { POWERTOOLS_SERVICE_NAME: serviceName, POWERTOOLS_METRICS_NAMESPACE: namespace } = observabilitySettings();

export const logger = new Logger({ serviceName });

/** Outside Lambda (tests, `npm start`) Powertools turns tracing off by itself. */
export const tracer = new Tracer({ serviceName });

export const metrics = new PowertoolsMetrics({ namespace, serviceName });

/** The `Metrics` port on Powertools: EMF lines in the function's log, which CloudWatch turns into metrics. */
export const powertoolsMetrics: Metrics = {
  count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value),
};

/** The `Logger` port on Powertools: each line carries the invocation's context (request id, function name). */
export const powertoolsLogger: LoggerPort = {
  warn: (message, fields = {}) => logger.warn(message, { ...fields }),
  error: (message, fields = {}) => logger.error(message, { ...fields }),
};
