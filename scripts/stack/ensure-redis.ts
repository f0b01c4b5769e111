// `npm test`'s first step (package.json "pretest"): redis-server is on PATH, or installed now when
// this process may install it, or the run stops at once with the one command to type, before the
// type check rather than after it. Jest's global setup asks again, for `npx jest <file>`.
import { ensureRedisServer } from './redis';

ensureRedisServer().then(
  () => undefined,
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
