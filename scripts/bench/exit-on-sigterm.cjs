// Preloaded (node --require) into the stack's Node parts by `npm run bench -- --profile`: a process
// that does not handle SIGTERM itself (the SQS endpoint) dies of it without writing its
// --cpu-prof profile; this makes it exit normally instead. A process with a handler of its own
// (serverless offline) is left to it.
process.on('SIGTERM', () => {
  if (process.listenerCount('SIGTERM') === 1) process.exit(0);
});
