// Preloaded (`node --require`) into the parts the launcher starts in process groups of their own.
// A group signal no longer reaches them, so if the launcher dies without stopping them (SIGKILL,
// OOM killer) nothing would: the launcher holds the write end of our stdin, and the kernel closes
// it however the launcher ends. End of stdin is the signal to stop as if we got SIGTERM.
'use strict';
const { fstatSync } = require('node:fs');
const { isMainThread } = require('node:worker_threads');

const HARD_STOP_MS = 10_000;

function watching() {
  // Worker threads inherit the preload but not the stdin; the main thread does the watching.
  if (!isMainThread) return false;
  try {
    const stdin = fstatSync(0);
    // node gives a child its stdio pipes as socket pairs; a shell gives FIFOs.
    return stdin.isFIFO() || stdin.isSocket();
  } catch {
    return false;
  }
}

if (watching()) {
  let gone = false;
  const parentGone = () => {
    if (gone) return;
    gone = true;
    process.stderr.write(`[lifeline] the launcher is gone: stopping (pid ${process.pid})\n`);
    // If our own shutdown hangs, end for good, with whatever we started in our group.
    setTimeout(() => {
      try {
        process.kill(-process.pid, 'SIGKILL');
      } catch {
        process.kill(process.pid, 'SIGKILL');
      }
    }, HARD_STOP_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  };
  process.stdin.on('end', parentGone);
  process.stdin.on('close', parentGone);
  process.stdin.on('error', parentGone);
  process.stdin.resume();
  // Watching must not be what keeps this process alive.
  process.stdin.unref?.();
}
