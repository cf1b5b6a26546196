import { startLocalStack } from './stack.ts';

/** `npm start`: the service on this machine, on `PORT` (default 3000), until Ctrl-C. */
const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`);
  process.exit(1);
}

console.log('Starting DynamoDB Local and the local API gateway…');
const stack = await startLocalStack({ port }).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

const tokenRequest = JSON.stringify({ sub: 'admin-1', role: 'admin' });
console.log(`
Locker service listening on ${stack.url}
DynamoDB Local on ${stack.dynamoEndpoint} (in memory, table ${stack.tableName})

Get a token (roles: admin, carrier, customer, kiosk; kiosks also need "locationId") and call the API:
  TOKEN=$(curl -s -X POST ${stack.url}/_local/token -H 'Content-Type: application/json' -d '${tokenRequest}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')
  curl -s ${stack.url}/locations -H "Authorization: Bearer $TOKEN"

Local only: POST /_local/clock {"advanceHours": 73} moves the service clock, POST /_local/sweep runs the expiry sweep.
Ctrl-C stops everything.
`);

const shutDown = () => {
  console.log('\nStopping…');
  stack.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutDown);
process.once('SIGTERM', shutDown);
