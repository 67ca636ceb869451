// `npm run fake-openai`: the fake OpenAI-compatible server on its own, to try drafts without a
// provider. It prints the settings to give the relay. Misbehaviour for the next request: POST
// /fake/next with a behaviour ({"kind":"hallucinated-date"}, {"kind":"status","status":429},
// {"kind":"stall","ms":20000}…, see fake-openai.ts).
import http from 'node:http';
import { parseArgs } from 'node:util';
import { type FakeBehaviour, FakeOpenAI } from './fake-openai.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8792' }, 'control-port': { type: 'string', default: '8793' } } });
const fake = new FakeOpenAI({ chunkMs: 30 });
const url = await fake.start(Number(values.port));
const control = http.createServer((req, res) => {
  let text = '';
  req.on('data', (c: Buffer) => (text += c.toString('utf8')));
  req.on('end', () => {
    try {
      if (req.method !== 'POST' || req.url !== '/fake/next') throw new Error('POST /fake/next with a behaviour');
      fake.next(JSON.parse(text) as FakeBehaviour);
      res.writeHead(200).end('ok\n');
    } catch (err) {
      res.writeHead(400).end(`${(err as Error).message}\n`);
    }
  });
});
control.listen(Number(values['control-port']), '127.0.0.1');
console.log(`Fake OpenAI-compatible server at ${url}/v1. Start the relay with:`);
console.log(`  BAYLINE_AI_BASE_URL=${url}/v1 BAYLINE_AI_MODEL=fake-drafter npm run relay -- serve ...`);
console.log(`Misbehave once: curl -X POST http://127.0.0.1:${values['control-port']}/fake/next -d '{"kind":"wrong-amount"}'`);
