// The unit tier (jest/unit.config.js) starts no server and opens no socket, so it needs nothing but
// node and runs in seconds. A test that connects anywhere or listens on a port fails here at once,
// saying where it belongs, instead of waiting on a server that is not there, or reaching the Redis
// of a stack the developer has running.
import * as net from 'node:net';

// Kept only to be put back in place (below), never called detached.
// eslint-disable-next-line @typescript-eslint/unbound-method
const { connect } = net.Socket.prototype;
// eslint-disable-next-line @typescript-eslint/unbound-method
const { listen } = net.Server.prototype;

const refuse = (what: string) =>
  function refused(): never {
    throw new Error(
      `test:unit opens no sockets (this test tried to ${what}): a test that needs Redis, the SQS endpoint or any server belongs in test/integration or test/tooling/integration (docs/testing.md)`,
    );
  };

net.Socket.prototype.connect = refuse('connect');
net.Server.prototype.listen = refuse('listen on a port') as typeof listen;

// One worker process runs files of several tiers in `npm test`: the next file gets real sockets back.
afterAll(() => {
  net.Socket.prototype.connect = connect;
  net.Server.prototype.listen = listen;
});
