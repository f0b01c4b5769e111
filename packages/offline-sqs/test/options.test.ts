import { readOptions } from '../src';

describe('the plugin options (custom.offlineSqs)', () => {
  it('has none required: without an endpoint the plugin only warns; four pollers per queue', () => {
    expect(readOptions(undefined)).toEqual({ endpoint: undefined, batchSize: undefined, pollers: 4 });
    expect(readOptions({ offlineSqs: { endpoint: '  ' } }).endpoint).toBeUndefined();
  });

  it('reads the endpoint, a batch size over every event, and the pollers', () => {
    expect(readOptions({ offlineSqs: { endpoint: 'http://127.0.0.1:9324', batchSize: 1, pollers: '2' } })).toEqual({
      endpoint: 'http://127.0.0.1:9324',
      batchSize: 1,
      pollers: 2,
    });
  });

  it('refuses, naming the option, what it cannot use', () => {
    expect(() => readOptions({ offlineSqs: { batchSize: 11 } })).toThrow(
      'custom.offlineSqs.batchSize must be a whole number from 1 to 10 (got 11)',
    );
    expect(() => readOptions({ offlineSqs: { pollers: 0 } })).toThrow(/custom.offlineSqs.pollers must be/);
    expect(() => readOptions({ offlineSqs: { batchsize: 1 } })).toThrow(
      'custom.offlineSqs has no option batchsize (it knows endpoint, batchSize, pollers)',
    );
  });
});
