// The checkout saga, whole, in one place: its steps, who owns each, where each goes next, what
// undoes what, how long a saga may take, and the queues between the steps. Everything else is
// derived from it: serverless.yml's step functions, their queues, dead-letter queues, event
// source mappings, rights and queue URLs (deploy/saga-template.ts), the LocalStack init script,
// the local stack's queue URLs and the deploy tests' expectations. Pure: no AWS, no Redis.
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
  /** What it does, in one line (atomically, in its store's Lua script). */
  does: string;
  /** The step that gets the saga's message once this one is done; null ends the saga. */
  onDone: Step | null;
  /** The step that gets the message (with the refusal) when this one refuses; null: it never refuses. */
  onRefused: Step | null;
  /** The step that gives back what this one took when the saga is refused after it. */
  compensation?: Step;
  /** An undo that recovery alone runs (a script, no queue): it fences this step off for good. */
  recoveryCompensation?: string;
}

/** A function outside the saga's steps that sends messages into it. */
export interface SenderDeclaration<Step extends string = string> {
  /** Why it sends, in one line. */
  why: string;
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
  /** The first step is where a saga begins. */
  steps: Readonly<Record<Step, StepDeclaration<Step>>>;
  /** Functions of serverless.yml, by key, that send into the saga from outside it. */
  senders: Readonly<Record<string, SenderDeclaration<Step>>>;
}

/** Keeps the literal step names as a type, and lets the compiler check every name used. */
export function defineSaga<const Steps extends Record<string, StepDeclaration<Extract<keyof Steps, string>>>>(
  saga: Omit<SagaDeclaration<Extract<keyof Steps, string>>, 'steps'> & { steps: Steps },
): SagaDeclaration<Extract<keyof Steps, string>> & { steps: Steps } {
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
  steps: {
    'reserve-stock': {
      service: 'stock',
      handler: 'functions/saga/reserve-stock.handler',
      does: "takes every line's summed quantity or none, and records what it took",
      onDone: 'charge-payment',
      onRefused: 'complete-order',
      compensation: 'release-stock',
    },
    'charge-payment': {
      service: 'payment',
      handler: 'functions/saga/charge-payment.handler',
      does: "takes the order's total from the user's credit, or refuses",
      onDone: 'complete-order',
      onRefused: 'release-stock',
      // Never a refund: past the deadline the replay fences the charge off before it can happen.
      recoveryCompensation: 'abort-charge',
    },
    'complete-order': {
      service: 'order',
      handler: 'functions/saga/complete-order.handler',
      does: 'writes the verdict once (paid marks the order paid), closes the saga, publishes the verdict',
      onDone: null,
      onRefused: null,
    },
    'release-stock': {
      service: 'stock',
      handler: 'functions/saga/release-stock.handler',
      does: 'gives back exactly what reserve-stock recorded (or fences it off if it comes first)',
      onDone: 'complete-order',
      onRefused: null,
    },
  },
  senders: {
    checkout: { why: 'begins the saga (POST /orders/checkout/{order_id})', sendsTo: ['reserve-stock'] },
    replayLog: { why: "recovery re-sends a lost message while the saga is within its deadline", sendsTo: ['reserve-stock', 'charge-payment'] },
  },
});

export type SagaStep = keyof typeof SAGA.steps;

/** The steps of a declaration, in the order declared (the first begins the saga). */
export const stepNamesOf = <Step extends string>(saga: SagaDeclaration<Step>) => Object.keys(saga.steps) as Step[];

/** The steps a step sends to: where it goes on done and on refusal. */
export function nextStepsOf<Step extends string>(saga: SagaDeclaration<Step>, step: Step): Step[] {
  const { onDone, onRefused } = saga.steps[step];
  return [...new Set([onDone, onRefused].filter((next): next is Step => next !== null))];
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
  for (const [name, sender] of Object.entries(saga.senders)) for (const target of sender.sendsTo) known(`sender ${name}`, target);
  for (const name of Object.keys(saga.concurrency.senders)) if (!(name in saga.senders)) problems.push(`concurrency.senders names "${name}", which is not a sender`);
  const reached = new Set<string>();
  const toVisit = [steps[0], ...Object.values(saga.senders).flatMap((sender) => sender.sendsTo)];
  for (let step = toVisit.pop(); step !== undefined; step = toVisit.pop()) {
    if (reached.has(step) || !steps.includes(step)) continue;
    reached.add(step);
    toVisit.push(...nextStepsOf(saga, step));
  }
  for (const step of steps) if (!reached.has(step)) problems.push(`nothing ever sends to step "${step}"`);
  return problems;
}
