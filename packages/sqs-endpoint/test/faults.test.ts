import { copiesToEnqueue, parseSendFaults } from '../src/faults';

describe('SQS fault injection', () => {
  it('reads the fault list, and refuses what it cannot read', () => {
    expect(parseSendFaults('duplicate, delay=300,drop=0.1')).toEqual({
      duplicate: true,
      maxDelayMs: 300,
      dropRate: 0.1,
    });
    expect(parseSendFaults(undefined)).toEqual({ duplicate: false, maxDelayMs: 0, dropRate: 0 });
    expect(() => parseSendFaults('drop=2')).toThrow(/--faults/);
    expect(() => parseSendFaults('explode')).toThrow(/--faults/);
  });

  it('enqueues one copy without faults, two when duplicating, none when dropping', () => {
    const none = parseSendFaults('');
    expect(copiesToEnqueue(none)).toEqual([0]);
    expect(copiesToEnqueue(parseSendFaults('duplicate'))).toEqual([0, 0]);
    expect(copiesToEnqueue(parseSendFaults('drop=0.5'), () => 0.2)).toEqual([]);
    expect(copiesToEnqueue(parseSendFaults('drop=0.5'), () => 0.7)).toEqual([0]);
    expect(copiesToEnqueue(parseSendFaults('delay=100'), () => 0.5)).toEqual([50]);
  });
});
