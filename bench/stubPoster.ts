/**
 * The least client Node offers for the bench's reference agents (agentFloor.ts, agentBare.ts): a
 * kept-open node:net connection to the bench's stub collector on loopback, the answer read through
 * `onread` into one buffer with only its status line looked at, and `post` called once a second.
 * Anything but a 200, an error or a closed connection ends the process with 1 and what happened, so
 * that the bench fails rather than print the cost of nothing.
 */
import { connect, type Socket } from 'node:net';

export function postEverySecond(name: string, port: number, post: (socket: Socket) => void): Socket {
  const answer = Buffer.alloc(4096);
  const socket = connect({
    host: '127.0.0.1',
    port,
    onread: {
      buffer: answer,
      callback: (length: number, buffer: Uint8Array) => {
        // "HTTP/1.1 200": the answer of one POST comes in one read on loopback.
        if (length < 12 || buffer[9] !== 0x32 || buffer[10] !== 0x30 || buffer[11] !== 0x30) {
          console.error(`${name}: unexpected answer: ${Buffer.from(buffer.subarray(0, Math.min(length, 80))).toString('latin1')}`);
          process.exit(1);
        }
        return true;
      },
    },
  });
  socket.on('error', (error) => {
    console.error(`${name}: ${error.message}`);
    process.exit(1);
  });
  socket.on('close', () => process.exit(1));
  socket.once('connect', () => setInterval(() => post(socket), 1000));
  return socket;
}
