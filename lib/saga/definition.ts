// The checkout saga, whole, in one place: its steps, who owns each, where each goes next, what
// undoes what, how long a saga may take, and the queues between the steps. Everything else is
// derived from it: serverless.yml's step functions, their queues, dead-letter queues, event
// source mappings, rights and queue URLs (deploy/saga-template.ts), the LocalStack init script,
// the local stack's queue URLs and the deploy tests' expectations; the step the checkout sends
// first, where each step's message goes next (lib/saga/steps.ts), the undos recovery runs and
// their order, the steps the log scan reads, and the order of a saga's history. docs/saga.md,
// "The declaration", says which code reads which field. Pure: no AWS, no Redis.
//
//   checkout (HTTP) ──▶ reserve-stock ─done─▶ charge-payment ─done─▶ complete-order (paid)
//                            │refused               │refused
//                            ▼                      ▼
//                       complete-order         release-stock ──▶ complete-order (refused)
//
// README, "Adding a step", walks through adding one.

export interface StepDeclaration<Step extends string = string> {
  /** The service whose handler runs the step, and the only one whose Redis keys it touches. */
  service: string;
  /** serverless.yml's handler: `<file without .ts>.<export>`. */
  handler: string;
  /** The step that gets the saga's message once this one is done; null ends the saga. */
  onDone: Step | null;
  /** The step that gets the message (with the refusal) when this one refuses; null: it never refuses. */
  onRefused: Step | null;
  /**
   * The step that gives back what this one took when the saga is refused after it. checkSaga holds
   * the routes to it: a later step's refusal goes to it (or to a later step's compensation, which
   * goes on to it); recovery runs it, in reverse order of the steps, past a saga's deadline.
   */
  compensation?: Step;
  /**
   * An undo that recovery alone runs (a script, no queue) for a step that is never given back: it
   * fences the step off for good; if the step got there first, recovery completes the saga instead.
   */
  recoveryCompensation?: string;
}

/** A function outside the saga's steps that sends messages into it. */
export interface SenderDeclaration<Step extends string = string> {
  sendsTo: readonly Step[];
}

export interface SagaDeclaration<Step extends string = string> {
  /** How long a saga may stay open before recovery compensates it (CHECKOUT_DEADLINE_MS overrides it locally). */
  deadlineMs: number;
  queues: {
    /** Queues are named `<prefix>-<stage>-<step>`, their dead-letter queues `...-dlq`. */
    prefix: string;
    /** Seconds before a failed message is delivered again: 6 × the step functions' 10 s timeout
     * (a stage may set its own, see deploy/stage-settings.ts). */
    visibilityTimeoutSeconds: number;
    /** Deliveries of a message before it goes to its step's dead-letter queue. */
    maxReceiveCount: number;
    /** How long a dead-letter queue keeps a message: SQS's longest, for the operator to look. */
    deadLetterRetentionSeconds: number;
    /** Messages per invocation; each failed one is reported alone (ReportBatchItemFailures). */
    batchSize: number;
    /** Seconds a failed record waits before its next delivery, by the delivery that failed (the
     * first failure waits the first entry; later ones the last). Shorter than the visibility
     * timeout, so a transient failure costs a checkout seconds, not a minute (lib/saga/retry.ts). */
    retryBackoffSeconds: readonly number[];
  };
  /**
   * Bounds on concurrent invocations on AWS (a stage's parameters may change them, see
   * deploy/stage-settings.ts): each step's function reserves `perStep` and its queue's mapping
   * invokes it at most that many times at once (MaximumConcurrency, 2 to 1000); each sender named
   * in `senders` reserves that many (the checkout holds its function while it waits for the verdict).
   */
  concurrency: {
    perStep: number;
    senders: Readonly<Record<string, number>>;
  };
  /** Where a saga begins: the step the checkout sends its first message to. */
  firstStep: Step;
  steps: Readonly<Record<Step, StepDeclaration<Step>>>;
  /** Functions of serverless.yml, by key, that send into the saga from outside it. */
  senders: Readonly<Record<string, SenderDeclaration<Step>>>;
}

/** Keeps the literal step names as a type, and lets the compiler check every name used. */
export function defineSaga<
  const Steps extends Record<string, StepDeclaration<Extract<keyof Steps, string>>>,
  const Senders extends Record<string, SenderDeclaration<Extract<keyof Steps, string>>>,
>(
  saga: Omit<SagaDeclaration<Extract<keyof Steps, string>>, 'steps' | 'senders'> & {
    steps: Steps;
    senders: Senders;
  },
): SagaDeclaration<Extract<keyof Steps, string>> & { steps: Steps; senders: Senders } {
  return saga;
}

export const SAGA = defineSaga({
  deadlineMs: 60_000,
  queues: {
    prefix: 'sagashop',
    visibilityTimeoutSeconds: 60,
    maxReceiveCount: 5,
    deadLetterRetentionSeconds: 14 * 24 * 3600,
    batchSize: 10,
    // Deliveries 1, 5, 20 and 60 s after the first failure: the first retries come within the
    // checkout's 20 s wait; the last comes after a whole minute, so a Redis failover (ElastiCache
    // takes 30-60 s) does not send the messages it failed to the dead-letter queue.
    retryBackoffSeconds: [1, 4, 15, 40],
  },
  concurrency: {
    perStep: 5,
    senders: { checkout: 50 },
  },
  firstStep: 'reserve-stock',
  // What each step does, atomically in its store's Lua script, is said above its entry.
  steps: {
    // Takes every line's summed quantity or none, and records what it took.
    'reserve-stock': {
      service: 'stock',
      handler: 'functions/saga/reserve-stock.handler',
      onDone: 'charge-payment',
      onRefused: 'complete-order',
      compensation: 'release-stock',
    },
    // Takes the order's total from the user's credit, or refuses.
    'charge-payment': {
      service: 'payment',
      handler: 'functions/saga/charge-payment.handler',
      onDone: 'complete-order',
      onRefused: 'release-stock',
      // Never a refund: past the deadline the replay fences the charge off before it can happen.
      recoveryCompensation: 'abort-charge',
    },
    // Writes the verdict once (paid marks the order paid), closes the saga, publishes the verdict.
    'complete-order': {
      service: 'order',
      handler: 'functions/saga/complete-order.handler',
      onDone: null,
      onRefused: null,
    },
    // Gives back exactly what reserve-stock recorded (or fences it off if it comes first).
    'release-stock': {
      service: 'stock',
      handler: 'functions/saga/release-stock.handler',
      onDone: 'complete-order',
      onRefused: null,
    },
  },
  senders: {
    // Begins the saga (POST /orders/checkout/{order_id}).
    checkout: { sendsTo: ['reserve-stock'] },
    // Recovery re-sends a lost message while the saga is within its deadline.
    replayLog: { sendsTo: ['reserve-stock', 'charge-payment'] },
  },
});

export type SagaStep = keyof typeof SAGA.steps;

/** The undo recovery runs for a step: its recoveryCompensation, else its compensation, else none. */
type UndoOf<Declared> = Declared extends { recoveryCompensation: infer Undo extends string }
  ? Undo
  : Declared extends { compensation: infer Undo extends string }
    ? Undo
    : never;
/** Every undo recovery may run on the shop's saga (abort-charge, release-stock). */
export type SagaUndo = { [Step in SagaStep]: UndoOf<(typeof SAGA.steps)[Step]> }[SagaStep];
/** The steps recovery may send a lost message to again: what the declaration lets replayLog send. */
export type ReplayTarget = (typeof SAGA.senders.replayLog.sendsTo)[number];

/** The steps of a declaration, in the order declared. */
export const stepNamesOf = <Step extends string>(saga: SagaDeclaration<Step>) => Object.keys(saga.steps) as Step[];

/** The steps a step sends to: where it goes on done and on refusal. */
export function nextStepsOf<Step extends string>(saga: SagaDeclaration<Step>, step: Step): Step[] {
  const { onDone, onRefused } = saga.steps[step];
  return [...new Set([onDone, onRefused].filter((next): next is Step => next !== null))];
}

/** The steps a saga takes when every step is done: the first step, its onDone, and so on to the end. */
export function forwardPathOf<Step extends string>(saga: SagaDeclaration<Step>): Step[] {
  const path: Step[] = [];
  for (let step: Step | null = saga.firstStep; step !== null && step in saga.steps && !path.includes(step); step = saga.steps[step].onDone)
    path.push(step);
  return path;
}

/** The step that ends every saga (it writes the verdict): the last of the forward path. */
export const finalStepOf = <Step extends string>(saga: SagaDeclaration<Step>): Step => forwardPathOf(saga).at(-1)!;

/** A step that takes something a refused saga must give back: it declares an undo. */
export const takesSomething = (declared: StepDeclaration) =>
  declared.compensation !== undefined || declared.recoveryCompensation !== undefined;

export interface Undo<Step extends string = string> {
  step: Step;
  undo: string;
  /** True for a recoveryCompensation: it fences the step off, and finds it done if it came first. */
  fencesOnly: boolean;
}

/** What recovery undoes when it compensates a saga, in the order it undoes it: the forward path's steps that take something, the last one first. */
export function undoPlanOf<Step extends string>(saga: SagaDeclaration<Step>): Undo<Step>[] {
  return forwardPathOf(saga)
    .reverse()
    .flatMap((step): Undo<Step>[] => {
      const { compensation, recoveryCompensation } = saga.steps[step];
      if (recoveryCompensation !== undefined) return [{ step, undo: recoveryCompensation, fencesOnly: true }];
      return compensation !== undefined ? [{ step, undo: compensation, fencesOnly: false }] : [];
    });
}

/**
 * Where a refusal must go once the forward path's steps before `index` are done: the compensation
 * of the latest of them that declares one (it hands on to the one before), else the final step.
 */
function compensationDue<Step extends string>(saga: SagaDeclaration<Step>, path: Step[], index: number): Step {
  const undone = path
    .slice(0, index)
    .reverse()
    .find((step) => saga.steps[step].compensation !== undefined);
  return undone === undefined ? finalStepOf(saga) : saga.steps[undone].compensation!;
}

/**
 * Every step, and each recoveryCompensation right after its step, in the order a saga's log
 * entries come: a step after every step that sends to it, in the order declared among equals.
 * The saga history breaks ties between two services' entries of one millisecond with it.
 */
export function historyOrderOf<Step extends string>(saga: SagaDeclaration<Step>): string[] {
  const steps = stepNamesOf(saga);
  const sentFrom = (step: Step) => steps.filter((from) => from !== step && nextStepsOf(saga, from).includes(step));
  const ordered: Step[] = [];
  const nextReady = () => steps.find((step) => !ordered.includes(step) && sentFrom(step).every((from) => ordered.includes(from)));
  for (let ready = nextReady(); ready !== undefined; ready = nextReady()) ordered.push(ready);
  return ordered.flatMap((step) => {
    const { recoveryCompensation } = saga.steps[step];
    return recoveryCompensation === undefined ? [step] : [step, recoveryCompensation];
  });
}

/** serverless.yml's function key of a step: reserve-stock → reserveStock. */
export const functionKeyOf = (step: string) => step.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** RESERVE_STOCK_QUEUE_URL etc.: every function's environment holds the URL of every step's queue. */
export const queueUrlVariable = (step: string) => `${step.toUpperCase().replace(/-/g, '_')}_QUEUE_URL`;

/** The SQS name of a step's queue on a stage, and of its dead-letter queue. */
export const queueNameOf = (saga: SagaDeclaration, stage: string, step: string) => `${saga.queues.prefix}-${stage}-${step}`;
export const deadLetterQueueNameOf = (saga: SagaDeclaration, stage: string, step: string) => `${queueNameOf(saga, stage, step)}-dlq`;

/**
 * Every name a declaration uses must be one of its steps, and every step must be reachable from
 * the first one or a sender: a typo would otherwise deploy a queue nothing sends to.
 */
export function checkSaga(saga: SagaDeclaration): string[] {
  const steps = stepNamesOf(saga);
  const problems: string[] = [];
  const known = (where: string, name: string | null | undefined) => {
    if (name !== null && name !== undefined && !steps.includes(name)) problems.push(`${where} names "${name}", which is not a step`);
  };
  for (const step of steps) {
    const declared = saga.steps[step];
    known(`${step}.onDone`, declared.onDone);
    known(`${step}.onRefused`, declared.onRefused);
    known(`${step}.compensation`, declared.compensation);
    if (!/^[a-z]+(-[a-z]+)*$/.test(step)) problems.push(`step "${step}" must be kebab-case (it names a queue and a function)`);
    if (!/^[\w/-]+\.\w+$/.test(declared.handler)) problems.push(`${step}.handler must look like "functions/saga/${step}.handler"`);
  }
  known('firstStep', saga.firstStep);
  for (const [name, sender] of Object.entries(saga.senders)) for (const target of sender.sendsTo) known(`sender ${name}`, target);
  if (!Object.values(saga.senders).some((sender) => sender.sendsTo.includes(saga.firstStep)))
    problems.push(`no sender sends to the first step "${saga.firstStep}": nothing would begin a saga`);
  if (problems.length === 0) problems.push(...checkCompensations(saga));
  for (const name of Object.keys(saga.concurrency.senders))
    if (!(name in saga.senders)) problems.push(`concurrency.senders names "${name}", which is not a sender`);
  const reached = new Set<string>();
  const toVisit = [saga.firstStep, ...Object.values(saga.senders).flatMap((sender) => sender.sendsTo)];
  for (let step = toVisit.pop(); step !== undefined; step = toVisit.pop()) {
    if (reached.has(step) || !steps.includes(step)) continue;
    reached.add(step);
    toVisit.push(...nextStepsOf(saga, step));
  }
  for (const step of steps) if (!reached.has(step)) problems.push(`nothing ever sends to step "${step}"`);
  return problems;
}

/**
 * The routes agree with `compensation`: a step on the forward path that refuses sends to the
 * compensation of the latest step before it that took something (or, if none did, to the final
 * step), and each compensation hands on the same way. No step sends back to one before it.
 */
function checkCompensations(saga: SagaDeclaration): string[] {
  const problems: string[] = [];
  const path = forwardPathOf(saga);
  if (saga.steps[finalStepOf(saga)].onRefused !== null)
    problems.push(`the final step "${finalStepOf(saga)}" must not refuse (onRefused: null)`);
  path.forEach((step, index) => {
    const { onRefused, compensation } = saga.steps[step];
    const due = compensationDue(saga, path, index);
    if (onRefused !== null && index < path.length - 1 && onRefused !== due)
      problems.push(`${step}.onRefused sends to "${onRefused}", but a refusal there must go to "${due}"`);
    if (compensation === undefined) return;
    if (path.includes(compensation)) problems.push(`${step}.compensation "${compensation}" is a step every saga takes`);
    else if (saga.steps[compensation].onDone !== due)
      problems.push(`${compensation}.onDone sends to "${saga.steps[compensation].onDone}", but it must hand on to "${due}"`);
  });
  if (historyOrderOf(saga).filter((name) => name in saga.steps).length < stepNamesOf(saga).length)
    problems.push('the steps send to each other in a loop');
  return problems;
}

/** The order of the saga history's entries: the checkout's begin-checkout, then the declaration's steps and undos. */
export const HISTORY_ORDER: readonly string[] = ['begin-checkout', ...historyOrderOf(SAGA)];
