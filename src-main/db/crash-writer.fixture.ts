// Test fixture: checks cars in as fast as it can and prints each RO id once its write committed,
// so a test can kill it mid-write and check that every printed RO survived.
import { Desk } from '../desk.js';

const dataDir = process.argv[2]!;
const desk = await Desk.open({ dataDir });
const session = desk.newSession();
for (let i = 0; ; i++) {
  const outcome = await desk.call(
    'ro-check-in',
    { customer: { firstName: 'Crash', lastName: `Test ${i}` }, vehicle: { plate: `CR ${i}` } },
    session,
  );
  if (!outcome.ok) throw new Error(outcome.error.message);
  process.stdout.write(`${(outcome.result as { id: string }).id}\n`);
}
