// One Lambda "container" for the bundle tests: loads a function's handler from its unzipped
// package and invokes it with the events the test sends over IPC, as Lambda's Node runtime would
// (one module instance for the container's life, a context with the time left). It is copied next
// to the unzipped package and run with a plain `node` outside the repository: every require() of
// the handler resolves from the package alone.
const path = require('node:path');

const [root, handlerSpec, functionName, timeoutSeconds] = process.argv.slice(2);
const dot = handlerSpec.lastIndexOf('.');
const file = path.join(root, `${handlerSpec.slice(0, dot)}.js`);
let handler;
try {
  handler = require(file)[handlerSpec.slice(dot + 1)];
  if (typeof handler !== 'function') throw new Error(`${handlerSpec} is not a function`);
} catch (error) {
  process.send({ kind: 'load-failed', error: String((error && error.stack) || error) });
  process.exit(1);
}

process.on('message', async ({ id, event }) => {
  const started = Date.now();
  const context = {
    functionName,
    awsRequestId: id,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Number(timeoutSeconds) * 1000 - (Date.now() - started),
  };
  try {
    const result = await handler(event, context);
    process.send({ id, result: result === undefined ? null : result });
  } catch (error) {
    process.send({ id, error: String((error && error.stack) || error) });
  }
});
process.send({ kind: 'ready' });
