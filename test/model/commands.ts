// The generated command sequences. Weights favour what makes sagas move and race (checkouts,
// deliveries, replays); waits are rare because each costs real time in every run.
import * as fc from 'fast-check';
import type { ReplayFault } from './actions';
import type { Real } from './command-base';
import { AddItem, BatchInitOrders, ChangeCredit, ChangeStock, CreateItem, CreateOrder, CreateUser, PlaceOrder } from './commands-entities';
import { Backlog, BatchInitItems, BatchInitUsers, LoseWrites, MarkDurablePoint, OffClockReplay } from './commands-faults';
import { Checkout, Deliver, Drop, ExpireMarkers, Replay, Wait } from './commands-saga';
import type { SagaModel } from './model';
import { MODEL_WINDOWS, REPLAY_LOCK_MS } from './saga-lib';

/** Past a tiny deadline plus the grace (and past a crashed replay's lock). */
const PAST_THE_GRACE_MS = MODEL_WINDOWS.MESSAGE_GRACE_MS + 50;
/** Past a long deadline plus the grace, and past the retention: the sweep may act. */
const PAST_THE_WINDOW_MS = MODEL_WINDOWS.SAGA_RETENTION_SECONDS * 1000 + 50;

const pick = fc.nat({ max: 7 });
/** Mostly an entity that exists, now and then one that does not. */
const pickOrMissing = fc.oneof({ weight: 19, arbitrary: pick }, { weight: 1, arbitrary: fc.constant('missing' as const) });
const writeIndex = fc.nat({ max: 3 });

const replayFault: fc.Arbitrary<ReplayFault> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crash' as const), atWrite: writeIndex }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('lose-lock' as const),
      atWrite: writeIndex,
      newerReplayRuns: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      atWrite: writeIndex,
      pick,
      keep: fc.boolean(),
    }),
  },
);

type CommandArbitrary = fc.Arbitrary<fc.AsyncCommand<SagaModel, Real>>;

/**
 * A replay host's clock against Redis's: ahead by a quarter of the saga's window (deadline + grace,
 * as in the issue: 1.5 s ahead of 3 s + 3 s), ahead by most of it, or behind.
 */
const CLOCK_SKEWS_MS = [250, 800, -300] as const;

const rarely = (weight: number) => fc.oneof({ weight, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });

/** What the exploration may leave out, to look past a defect already found. */
export interface CommandChoices {
  /** Direct changes that raise a balance to 2^53-1 (see the defect of the `direct` baseline). */
  fills: boolean;
  /** Price 0 for created items and batch_init's orders, so an order may cost nothing. */
  freeOrders: boolean;
  /** Redis hosts crashing back to an earlier instant (where the durability setting allows it). */
  lostWrites: boolean;
  /** batch_init of items and users while sagas hold them. */
  batchInitBalances: boolean;
  /** Replays whose host clock is off Redis's: ahead or behind, only ahead, or never. */
  clockSkew: 'both' | 'ahead' | false;
  /** Backlogs of sagas bigger than one replay page, and replays with small pages. */
  backlogs: boolean;
}

export const ALL_COMMANDS: CommandChoices = {
  fills: true,
  freeOrders: true,
  lostWrites: true,
  batchInitBalances: true,
  clockSkew: 'both',
  backlogs: true,
};

/** A non-zero delta, or (now and then) 'fill': up to 2^53-1. */
function balanceDelta(min: number, max: number, choices: CommandChoices): fc.Arbitrary<number | 'fill'> {
  const delta = fc.integer({ min, max }).map((value) => (value === 0 ? 1 : value));
  return choices.fills ? fc.oneof({ weight: 5, arbitrary: delta }, { weight: 1, arbitrary: fc.constant('fill' as const) }) : delta;
}

const somePrice = (max: number, choices: CommandChoices) => fc.integer({ min: choices.freeOrders ? 0 : 1, max });

const commandArbitraries = (choices: CommandChoices): { weight: number; arbitrary: CommandArbitrary }[] => [
  {
    weight: 1,
    arbitrary: fc.tuple(somePrice(5, choices), fc.nat({ max: 8 })).map(([price, stock]) => new CreateItem(price, stock)),
  },
  { weight: 1, arbitrary: fc.nat({ max: 40 }).map((credit) => new CreateUser(credit)) },
  {
    weight: 5,
    arbitrary: fc
      .tuple(pickOrMissing, fc.array(fc.tuple(pickOrMissing, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 3 }))
      .map(([user, lines]) => new PlaceOrder(user, lines)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(pick, rarely(4)).map(([user, missing]) => new CreateOrder(user, missing)),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(pick, pick, fc.integer({ min: 1, max: 3 }), rarely(19))
      .map(([order, item, quantity, missing]) => new AddItem(order, item, quantity, missing)),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(pick, fc.constantFrom('long' as const, 'tiny' as const), rarely(5))
      .map(([order, deadline, lost]) => new Checkout(order, deadline, !lost)),
  },
  {
    weight: 16,
    arbitrary: fc.tuple(pick, fc.boolean(), rarely(6)).map(([which, keep, crash]) => new Deliver(which, keep, crash)),
  },
  { weight: 1, arbitrary: pick.map((which) => new Drop(which)) },
  {
    weight: 4,
    arbitrary: fc.tuple(replayFault, rarely(4)).map(([fault, overlapping]) => new Replay(fault, overlapping)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(pick, balanceDelta(-4, 6, choices)).map(([item, delta]) => new ChangeStock(item, delta)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(pick, balanceDelta(-15, 20, choices)).map(([user, delta]) => new ChangeCredit(user, delta)),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        somePrice(4, choices),
        fc.nat(),
      )
      .map(([count, items, users, price, seed]) => new BatchInitOrders(count, items, users, price, seed)),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        { weight: 4, arbitrary: fc.constant(REPLAY_LOCK_MS + 20) },
        { weight: 3, arbitrary: fc.constant(PAST_THE_GRACE_MS) },
        { weight: 1, arbitrary: fc.constant(PAST_THE_WINDOW_MS) },
      )
      .map((ms) => new Wait(ms)),
  },
  { weight: 1, arbitrary: fc.constant(new ExpireMarkers(PAST_THE_WINDOW_MS)) },
  // The faults at the saga's edges (commands-faults.ts).
  ...(choices.lostWrites
    ? [
        { weight: 1, arbitrary: fc.constant(new MarkDurablePoint()) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom('stock' as const, 'payment' as const, 'order' as const, 'all' as const)
            .map((services) => new LoseWrites(services)),
        },
      ]
    : []),
  ...(choices.batchInitBalances
    ? [
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.integer({ min: 1, max: 3 }), fc.nat({ max: 8 }), somePrice(4, choices))
            .map(([count, stock, price]) => new BatchInitItems(count, stock, price)),
        },
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.integer({ min: 1, max: 3 }), fc.nat({ max: 40 }))
            .map(([count, credit]) => new BatchInitUsers(count, credit)),
        },
      ]
    : []),
  ...(choices.backlogs
    ? [
        {
          weight: 1,
          arbitrary: fc
            .tuple(fc.integer({ min: 2, max: 8 }), fc.constantFrom('long' as const, 'tiny' as const), pick, pick)
            .map(([size, deadline, item, user]) => new Backlog(size, deadline, item, user)),
        },
      ]
    : []),
  ...(choices.clockSkew || choices.backlogs
    ? [
        {
          weight: 2,
          arbitrary: fc
            .tuple(
              fc.constantFrom(
                0,
                ...CLOCK_SKEWS_MS.filter((skew) => choices.clockSkew === 'both' || (choices.clockSkew === 'ahead' && skew > 0)),
              ),
              fc.integer({ min: choices.backlogs ? 1 : 1000, max: choices.backlogs ? 3 : 1000 }),
              fc.constantFrom(2, 5),
              fc.boolean(),
            )
            .map(
              ([skew, sagaPage, logPage, oneRound]) =>
                new OffClockReplay(skew, sagaPage, choices.backlogs ? logPage : 5000, oneRound && choices.backlogs),
            ),
        },
      ]
    : []),
];

/**
 * Sequences of up to `maxCommands` commands, with fast-check's shrinker for commands. A failure
 * report names a `replayPath`: passed back here (with the seed and path), it replays that run.
 */
export function sagaCommands(maxCommands: number, replayPath?: string, choices: CommandChoices = ALL_COMMANDS) {
  return fc.commands([fc.oneof(...commandArbitraries(choices))], { maxCommands, size: 'max', replayPath });
}
