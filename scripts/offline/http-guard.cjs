// The HTTP functions as `serverless offline` runs them, through generated stand-ins (guard-files.ts).
//
// serverless-offline 13 turns a failed invocation into a Lambda error result ({errorMessage,
// errorType, stackTrace}) and then, for an HTTP API (payload 2.0) route, answers any result that
// has no statusCode with status 200 (src/events/http/HttpServer.js). So a module that threw while
// loading (a syntax error, a throw at import) or a handler that rejected answered 200 with a stack
// trace, which a client counts as success. Here each handler is loaded and called inside a
// try/catch: any such failure becomes the JSON 500 API Gateway would answer, with the details in
// the server's log only. Plain CommonJS: it runs wherever serverless-offline runs the handler.
'use strict';

// One count for the whole process, however many copies of this module are loaded: the companion
// plugin waits on it so that a stop lets open requests finish before Redis goes.
const STATE = Symbol.for('sagashop.offline-http-guard');
const state = (globalThis[STATE] ??= { inFlight: 0, waiters: [] });

function failure(message) {
  return {
    statusCode: 500,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: message }),
  };
}

const describe = (error) => (error && error.stack) || String(error);

/**
 * The exports `names` of the module at `modulePath`, each wrapped. The module is required on the
 * first request, not here: a module that throws is not cached by require(), so the next request
 * tries again (after a rebuild, say) instead of failing for good.
 */
function guard(modulePath, names, label) {
  let loaded;
  const wrapped = {};
  for (const name of names) {
    wrapped[name] = async (event, context) => {
      state.inFlight += 1;
      try {
        let handler;
        try {
          loaded ??= require(modulePath);
          handler = loaded[name];
          if (typeof handler !== 'function') throw new TypeError(`${name} is not a function exported by ${modulePath}`);
        } catch (error) {
          console.error(`${label}: its code could not be loaded, answering 500: ${describe(error)}`);
          return failure('This function could not be loaded; the server log says why.');
        }
        try {
          return await handler(event, context);
        } catch (error) {
          console.error(`${label}: the handler failed, answering 500: ${describe(error)}`);
          return failure('The service could not handle this request; please try again.');
        }
      } finally {
        state.inFlight -= 1;
        if (state.inFlight === 0) for (const wake of state.waiters.splice(0)) wake();
      }
    };
  }
  return wrapped;
}

/** Resolves once no guarded request is open, or after `timeoutMs`, whichever comes first. */
function idle(timeoutMs) {
  if (state.inFlight === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    state.waiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

module.exports = { guard, idle };
