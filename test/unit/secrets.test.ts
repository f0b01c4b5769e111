import { readConfig } from '@lib/clients/config';
import { redisAuthFrom } from '@lib/clients/redis-auth';
import { hideInLogs, redactSecrets, redactUrl } from '@lib/clients/secrets';

// No secret in any log line: URLs in messages lose their credentials, and a token the process
// holds is scrubbed from everything written to the console, error objects included.
describe('secrets in messages and logs', () => {
  it('takes the credentials out of URLs, however malformed', () => {
    expect(redactUrl('rediss://:tok3n@cache:6379')).toBe('rediss://***@cache:6379');
    expect(redactUrl('redis://user:p@ss/word@cache:6379/0')).toBe('redis://***@cache:6379/0');
    expect(redactUrl('user:secret@cache')).toBe('***@cache');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });

  it("never quotes a bad Redis URL's password in the configuration error", () => {
    expect(() => readConfig({ REDIS_URL: 'redis://:hunter2-token@cache:notaport' })).toThrow(/\(got redis:\/\/\*\*\*@cache:notaport\)/);
    try {
      readConfig({ STOCK_REDIS_URL: 'http://:hunter2-token@cache' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('scrubs a hidden secret from console lines, in error objects too', () => {
    const written: string[] = [];
    const original = console.error;
    console.error = (line: unknown) => void written.push(String(line));
    try {
      hideInLogs('s3cr3t/token+value');
      const error = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
        command: { name: 'auth', args: ['s3cr3t/token+value'] },
      });
      console.error('request failed', error, 's3cr3t%2Ftoken%2Bvalue');
    } finally {
      console.error = original;
    }
    expect(written.join('\n')).toContain('WRONGPASS');
    expect(written.join('\n')).not.toMatch(/s3cr3t/);
    expect(redactSecrets('a s3cr3t/token+value b')).toBe('a *** b');
  });
});

describe('the Redis token from SSM', () => {
  it('is read once per process, shared by concurrent first calls, and retried after a failure', async () => {
    let reads = 0;
    let fail = true;
    const auth = redisAuthFrom('/app/redis-auth', async (name) => {
      reads += 1;
      expect(name).toBe('/app/redis-auth');
      if (fail) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return 'token-from-ssm-123';
    });
    expect(() => auth.token()).toThrow(/before it was loaded/);
    await expect(auth.load()).rejects.toThrow(
      'could not read the Redis AUTH token from SSM parameter /app/redis-auth: ThrottlingException: Rate exceeded',
    );
    fail = false;
    await Promise.all([auth.load(), auth.load(), auth.load()]);
    await auth.load();
    expect(reads).toBe(2);
    expect(auth.token()).toBe('token-from-ssm-123');
  });

  it('is not looked for where no parameter is named (local stages)', async () => {
    const auth = redisAuthFrom(undefined, async () => {
      throw new Error('no SSM call expected');
    });
    await auth.load();
    expect(auth.token()).toBeUndefined();
  });
});
