// serverless.yml's `${file(./deploy/operator.cjs):<part>}`: on AWS stages the operator's API
// function and the dashboard (deploy/operator.ts); nothing elsewhere. TypeScript through tsx.
require('tsx/cjs/api').register();
const { join } = require('node:path');
const { loadSagaDeclaration } = require('./saga-template.ts');
const { operatorTemplate } = require('./operator.ts');

module.exports = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  return operatorTemplate(loadSagaDeclaration(process.env, join(__dirname, '..')), stage);
};
