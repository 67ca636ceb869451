// The relay's admin command line. The relay itself (sync hub, pairing, blobs, portal) is built
// in its own issue; until then this says so instead of pretending to run.
const message = `The Bayline relay is not part of this version yet.
It will provide: npm run relay -- serve --data DIR --port N, workspace create|list, pair, device list|revoke.
For now the desk runs on its own: npm start, or npm run desk -- serve --data DIR.`;

console.error(message);
process.exit(1);
