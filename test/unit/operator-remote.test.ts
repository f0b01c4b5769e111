// Where `--stage` / `--api` send the operator's commands (scripts/operator/remote.ts): the options.
// (The stage's API URL from CloudFormation: test/integration/operator-stack-url.test.ts.)
import { RemoteUsageError, positionals, remoteTarget } from '../../scripts/operator/remote';

describe('the remote options', () => {
  it('act locally without --stage or --api, or with --stage local', async () => {
    expect(await remoteTarget([])).toBeUndefined();
    expect(await remoteTarget(['abc'])).toBeUndefined();
    expect(await remoteTarget(['--stage', 'local'])).toBeUndefined();
  });

  it('take the region from an execute-api URL, else --region, else the environment', async () => {
    expect(await remoteTarget(['--api', 'https://abc123.execute-api.eu-west-1.amazonaws.com'], {})).toEqual({
      api: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com'),
      region: 'eu-west-1',
    });
    expect((await remoteTarget(['--api=https://ops.example.com', '--region', 'ap-south-1'], {}))!.region).toBe('ap-south-1');
    expect((await remoteTarget(['--api', 'https://ops.example.com'], { AWS_REGION: 'ca-central-1' }))!.region).toBe('ca-central-1');
  });

  it('refuse what they cannot use, saying why', async () => {
    await expect(remoteTarget(['--api', 'nope'])).rejects.toThrow(RemoteUsageError);
    await expect(remoteTarget(['--api'])).rejects.toThrow('--api needs a value');
    await expect(remoteTarget(['--stage', 'prod', '--api', 'https://x.example.com'])).rejects.toThrow('not both');
  });

  it('leave the command its own arguments', () => {
    expect(positionals(['--stage', 'prod', 'order-1', '--region=eu-west-1'], ['stage', 'api', 'region'])).toEqual(['order-1']);
  });
});
