/**
 * The ceiling `npm run bench:ingest` measures Tripline against: a bare Fastify server on loopback
 * that does only what any ingest must (gunzip the body, parse its JSON) and acknowledges each
 * report as Tripline does, with no validation, storage or rules. Run as its own process, as the
 * collector is: `node dist/bench/ceilingServer.js PORT`.
 */
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { REPORTS_PATH } from '../contract/report.js';

const port = Number(process.argv[2]);
const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
  try {
    const text = request.headers['content-encoding'] === 'gzip' ? gunzipSync(body as Buffer) : (body as Buffer);
    done(null, JSON.parse(text.toString('utf8')));
  } catch (error) {
    done(error as Error, undefined);
  }
});
app.post(REPORTS_PATH, async (request) => ({ sequence: (request.body as { sequence: number }).sequence, duplicate: false }));
app.get('/readyz', async () => ({ ready: true }));
await app.listen({ host: '127.0.0.1', port });
