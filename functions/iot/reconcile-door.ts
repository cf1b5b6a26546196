import { lambdaHandler } from '#shared/lambda';
import { manifest } from '#shared/manifest';
import { portsFor } from '#shared/runtime';
import { reconcileDoor, type ShadowDocumentsMessage } from '#shared/use-cases/reconcile-door';

/**
 * Invoked by the topic rule on `$aws/things/+/shadow/name/+/update/documents` with the document
 * plus `thingName` and `shadowName`. The rule invokes asynchronously: a thrown error is retried
 * twice by Lambda, and every decision is safe to repeat (conditional on versions read).
 */
export const handler = lambdaHandler<ShadowDocumentsMessage, { changed: boolean }>(async (message) => {
  const decision = await reconcileDoor(await portsFor(manifest['reconcile-door']), message);
  return { changed: decision?.changed ?? false };
});
