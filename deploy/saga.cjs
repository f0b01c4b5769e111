// serverless.yml's `${file(./deploy/saga.cjs):<part>}`: the saga's functions, queues and rights,
// generated from its declaration (lib/saga/definition.ts) by deploy/saga-template.ts. The
// Framework calls this function while it resolves variables. TypeScript through tsx, as stage.cjs.
require('tsx/cjs/api').register();
const { join } = require('node:path');
const { loadSagaDeclaration, sagaTemplate } = require('./saga-template.ts');

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  const visibilityTimeout = await resolveVariable('self:custom.stage.visibilityTimeout');
  const { concurrency, retainDeadLetterQueues } = await resolveVariable('self:custom.stage');
  return sagaTemplate(loadSagaDeclaration(process.env, join(__dirname, '..')), {
    stage,
    visibilityTimeout,
    concurrency,
    retainDeadLetterQueues,
  });
};
