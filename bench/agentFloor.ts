/**
 * Node's floor for an agent's cycle, run by `npm run bench:agent` beside the agent with the agent's
 * own Node flags: a process that does nothing but what every cycle of the agent must do at the
 * least, a timer that wakes it once a second and one HTTP/1.1 POST of a report's bytes over a
 * kept-open connection, its answer read. No probe, no report built, no bookkeeping: the body is the
 * same bytes every time, the client the least Node offers (node:net, the answer read through
 * `onread` into one buffer, only its status line looked at). What the agent costs above this is
 * its own work; what this costs, a Node agent cannot save.
 *
 * `node <agent flags> dist/bench/agentFloor.js PORT PATH BYTES`: posts BYTES bytes to
 * http://127.0.0.1:PORT/PATH every second until killed. Exits 1 on a refused answer or a lost
 * connection (the bench then fails rather than print a floor of nothing).
 */
import { postEverySecond } from './stubPoster.js';

const [portText, path, bytesText] = process.argv.slice(2);
const port = Number(portText);
const bytes = Number(bytesText);
if (!Number.isInteger(port) || port <= 0 || path === undefined || !Number.isInteger(bytes) || bytes <= 0) {
  console.error('usage: agentFloor.js PORT PATH BYTES');
  process.exit(2);
}

const body = Buffer.alloc(bytes, 'x');
const head = Buffer.from(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${bytes}\r\n\r\n`, 'latin1');
const request = Buffer.concat([head, body]);
postEverySecond('agentFloor', port, (socket) => socket.write(request));
