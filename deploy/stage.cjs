// serverless.yml's `custom.stage: ${file(./deploy/stage.cjs)}`: the Framework calls this function
// while it resolves variables, and every stage-dependent setting of serverless.yml reads the
// object it returns (see stage-settings.ts). TypeScript through tsx, as the other local plugins.
require('tsx/cjs/api').register();
const { join } = require('node:path');
const { stageSettings, StageSettingsError } = require('./stage-settings.ts');
const { loadSagaDeclaration } = require('./saga-template.ts');

/** `--param` as the CLI gives it (one "key=value" string or a list of them) to an object. */
function cliParams(option) {
  const params = {};
  for (const item of [option ?? []].flat()) {
    const equals = String(item).indexOf('=');
    if (equals > 0) params[String(item).slice(0, equals)] = String(item).slice(equals + 1);
  }
  return params;
}

module.exports = async ({ options, resolveVariable, resolveConfigurationProperty }) => {
  const stage = await resolveVariable('sls:stage');
  const region = await resolveConfigurationProperty(['provider', 'region']);
  try {
    const saga = loadSagaDeclaration(process.env, join(__dirname, '..'));
    const settings = stageSettings({
      stage,
      region,
      params: cliParams(options.param),
      env: process.env,
      hostArch: process.arch,
      saga,
    });
    for (const warning of settings.warnings) process.stderr.write(`\n${warning}\n\n`);
    return settings;
  } catch (error) {
    // The Framework prints a failed resolver's stack: let the stack be just the message.
    if (error instanceof StageSettingsError) error.stack = `\n${error.message}`;
    throw error;
  }
};
