import { lambdaHandler } from '#shared/lambda';
import { manifest } from '#shared/manifest';
import { portsFor } from '#shared/runtime';
import { trackPresence, type LifecycleEvent } from '#shared/use-cases/track-presence';

/** Invoked by the topic rule on `$aws/events/presence/+/+` with AWS IoT's lifecycle event. */
export const handler = lambdaHandler<LifecycleEvent, { applied: boolean }>(async (event) =>
  trackPresence(await portsFor(manifest['track-presence']), event),
);
