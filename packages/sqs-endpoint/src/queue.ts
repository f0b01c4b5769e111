import { randomUUID } from 'node:crypto';
import { Line } from './line';
import { md5, type MessageAttributeValue, type QueueAttributes, type StoredMessage, type Wake } from './message';
import { MinHeap } from './min-heap';

export { DEFAULT_ATTRIBUTES, md5, type MessageAttributeValue, type QueueAttributes, type StoredMessage } from './message';

interface Waiter {
  max: number;
  visibilityTimeout: number;
  resolve: (messages: StoredMessage[]) => void;
  timer: NodeJS.Timeout;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export type Clock = () => number;

export interface QueueOptions {
  now?: Clock;
  /** How often messages past MessageRetentionPeriod are swept out, whether or not anyone receives. */
  sweepIntervalMs?: number;
}

/**
 * One standard SQS queue, in memory, with the semantics Lambda's event source relies on:
 * delays, visibility timeouts, receive counts, redrive to a dead-letter queue after
 * maxReceiveCount receives, retention, and long polls that answer as soon as one message is there.
 * A message is held by exactly one structure at a time (the visible line, or the deadline heap and,
 * while in flight, the receipt-handle map), and leaves it when deleted or expired.
 */
export class MemoryQueue {
  readonly createdAt: number;
  lastModifiedAt: number;
  private readonly visible = new Line<StoredMessage>();
  private readonly wakes = new MinHeap<Wake>();
  private readonly inFlight = new Map<string, StoredMessage>();
  private readonly waiters: Waiter[] = [];
  private delayedCount = 0;
  private servingScheduled = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeTimerAt = Infinity;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly now: Clock;

  constructor(
    readonly name: string,
    readonly arn: string,
    public attributes: QueueAttributes,
    /** Finds a dead-letter queue by ARN when a message exceeds maxReceiveCount. */
    private readonly deadLetterQueue: (arn: string) => MemoryQueue | undefined,
    options: QueueOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
    this.lastModifiedAt = this.createdAt;
    this.sweepTimer = setInterval(() => this.sweep(), options.sweepIntervalMs ?? 10_000);
    this.sweepTimer.unref();
  }

  send(
    body: string,
    delaySeconds?: number,
    messageAttributes?: Record<string, MessageAttributeValue>,
    md5OfMessageAttributes?: string,
    extraDelayMs = 0,
  ): StoredMessage {
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      messageAttributes,
      md5OfMessageAttributes,
      sentAt: this.now(),
      receiveCount: 0,
      deleted: false,
    };
    this.enqueue(message, (delaySeconds ?? this.attributes.DelaySeconds) * 1000 + extraDelayMs);
    return message;
  }

  /** Puts a message (new, or moved here from another queue) in line, visible after a delay. */
  enqueue(message: StoredMessage, delayMs = 0): void {
    message.receiptHandle = undefined;
    if (delayMs > 0) {
      this.delayedCount++;
      this.schedule(message, this.now() + delayMs);
    } else {
      this.makeVisible(message);
    }
  }

  /**
   * Answers at once with what is visible, or waits up to `waitSeconds` for the first message. An
   * aborted `signal` (the client went away) ends the wait with nothing taken.
   */
  receive(
    max: number,
    waitSeconds: number,
    visibilityTimeout = this.attributes.VisibilityTimeout,
    signal?: AbortSignal,
  ): Promise<StoredMessage[]> {
    if (signal?.aborted) return Promise.resolve([]);
    this.promoteDue();
    const taken = this.take(max, visibilityTimeout);
    if (taken.length > 0 || waitSeconds <= 0) return Promise.resolve(taken);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        max,
        visibilityTimeout,
        signal,
        resolve: (messages) => {
          if (waiter.onAbort) signal?.removeEventListener('abort', waiter.onAbort);
          resolve(messages);
        },
        timer: setTimeout(() => {
          this.removeWaiter(waiter);
          waiter.resolve([]);
        }, waitSeconds * 1000),
      };
      if (signal) {
        waiter.onAbort = () => {
          this.removeWaiter(waiter);
          clearTimeout(waiter.timer);
          waiter.resolve([]);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** Deletes the message that `receiptHandle` was last issued for; a stale handle changes nothing. */
  delete(receiptHandle: string): boolean {
    const message = this.inFlight.get(receiptHandle);
    if (!message) return false;
    this.inFlight.delete(receiptHandle);
    this.cancelWake(message);
    message.receiptHandle = undefined;
    message.deleted = true;
    return true;
  }

  /** Returns false when the handle is not that of a message in flight. */
  changeVisibility(receiptHandle: string, visibilityTimeout: number): boolean {
    const message = this.inFlight.get(receiptHandle);
    if (!message) return false;
    if (visibilityTimeout === 0) {
      this.inFlight.delete(receiptHandle);
      this.cancelWake(message);
      message.receiptHandle = undefined;
      this.makeVisible(message);
    } else {
      this.schedule(message, this.now() + visibilityTimeout * 1000);
    }
    return true;
  }

  /**
   * Undoes receives whose answer never reached the client (its connection closed first): the
   * messages are visible again at once, first in line, and the receive does not count toward
   * redrive. Handles that were re-issued or used since change nothing.
   */
  release(receiptHandles: string[]): void {
    for (const handle of [...receiptHandles].reverse()) {
      const message = this.inFlight.get(handle);
      if (!message) continue;
      this.inFlight.delete(handle);
      this.cancelWake(message);
      message.receiptHandle = undefined;
      if (--message.receiveCount === 0) message.firstReceivedAt = undefined;
      this.visible.pushFront(message);
    }
    this.serveWaiters();
  }

  purge(): void {
    for (const message of this.visible) message.deleted = true;
    for (const wake of this.wakes.removeWhere(() => true)) this.forget(wake.message);
    this.visible.clear();
    this.inFlight.clear();
    this.delayedCount = 0;
  }

  /** Drops every message older than MessageRetentionPeriod, wherever it is: visible, delayed or in flight. */
  sweep(): void {
    const now = this.now();
    const expired = (message: StoredMessage) => now - message.sentAt > this.attributes.MessageRetentionPeriod * 1000;
    this.visible.retain((message) => {
      if (expired(message)) message.deleted = true;
      return !message.deleted;
    });
    for (const wake of this.wakes.removeWhere((entry) => expired(entry.message))) this.forget(wake.message);
  }

  /** Ends every waiting receive with no messages (the queue is being deleted or the server stops). */
  close(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve([]);
    }
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    clearInterval(this.sweepTimer);
  }

  counts() {
    this.promoteDue();
    return { visible: this.visible.length, inFlight: this.inFlight.size, delayed: this.delayedCount };
  }

  /** How many message references each internal structure holds, and how many receives wait: for leak tests. */
  inspect() {
    return {
      visible: this.visible.length,
      scheduled: this.wakes.size,
      inFlight: this.inFlight.size,
      waiters: this.waiters.length,
    };
  }

  /** A message taken out of the deadline heap for good (purged or expired). */
  private forget(message: StoredMessage): void {
    message.wake = undefined;
    message.deleted = true;
    if (message.receiptHandle) this.inFlight.delete(message.receiptHandle);
    else this.delayedCount--;
    message.receiptHandle = undefined;
  }

  /**
   * Waiting receives are served once the current request's work is done (a microtask later), not
   * per message: the messages of one SendMessageBatch reach one long poll together, as they do on
   * SQS, instead of one message to each of several waiting polls (more requests, smaller batches).
   */
  private makeVisible(message: StoredMessage): void {
    this.visible.push(message);
    if (this.servingScheduled) return;
    this.servingScheduled = true;
    queueMicrotask(() => {
      this.servingScheduled = false;
      this.serveWaiters();
    });
  }

  private schedule(message: StoredMessage, at: number): void {
    this.cancelWake(message);
    const wake: Wake = { at, slot: -1, message };
    message.wake = wake;
    this.wakes.push(wake);
    this.armWakeTimer();
  }

  private cancelWake(message: StoredMessage): void {
    if (message.wake) this.wakes.remove(message.wake);
    message.wake = undefined;
  }

  private take(max: number, visibilityTimeout: number): StoredMessage[] {
    const taken: StoredMessage[] = [];
    const now = this.now();
    const retentionMs = this.attributes.MessageRetentionPeriod * 1000;
    while (taken.length < max && this.visible.length > 0) {
      const message = this.visible.shift()!;
      if (message.deleted) continue;
      if (now - message.sentAt > retentionMs) {
        message.deleted = true;
        continue;
      }
      const redrive = this.attributes.RedrivePolicy;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        const target = this.deadLetterQueue(redrive.deadLetterTargetArn);
        if (target) {
          target.enqueue(message);
          continue;
        }
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.receiptHandle = randomUUID();
      this.inFlight.set(message.receiptHandle, message);
      this.schedule(message, now + visibilityTimeout * 1000);
      taken.push(message);
    }
    return taken;
  }

  /** Moves every message whose delay or visibility timeout has run out back into line. */
  private promoteDue(): void {
    const now = this.now();
    for (let next = this.wakes.peek(); next && next.at <= now; next = this.wakes.peek()) {
      this.wakes.pop();
      const message = next.message;
      message.wake = undefined;
      if (message.receiptHandle) {
        this.inFlight.delete(message.receiptHandle);
        message.receiptHandle = undefined;
      } else {
        this.delayedCount--;
      }
      this.visible.push(message);
    }
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.visible.length > 0) {
      const waiter = this.waiters.shift()!;
      const taken = this.take(waiter.max, waiter.visibilityTimeout);
      if (taken.length === 0) {
        this.waiters.unshift(waiter);
        return;
      }
      clearTimeout(waiter.timer);
      waiter.resolve(taken);
    }
  }

  private removeWaiter(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  private armWakeTimer(): void {
    const next = this.wakes.peek();
    if (!next || next.at >= this.wakeTimerAt) return;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimerAt = next.at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeTimer = null;
        this.wakeTimerAt = Infinity;
        this.promoteDue();
        this.serveWaiters();
        this.armWakeTimer();
      },
      Math.max(0, next.at - this.now()),
    );
    this.wakeTimer.unref();
  }
}
