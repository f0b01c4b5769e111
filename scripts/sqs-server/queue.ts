import { createHash, randomUUID } from 'node:crypto';
import { MinHeap } from './min-heap';

export interface QueueAttributes {
  VisibilityTimeout: number;
  DelaySeconds: number;
  MessageRetentionPeriod: number;
  ReceiveMessageWaitTimeSeconds: number;
  MaximumMessageSize: number;
  RedrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export const DEFAULT_ATTRIBUTES: QueueAttributes = {
  VisibilityTimeout: 30,
  DelaySeconds: 0,
  MessageRetentionPeriod: 345_600,
  ReceiveMessageWaitTimeSeconds: 0,
  MaximumMessageSize: 262_144,
};

export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  /** The only receipt handle that may delete it or change its visibility; undefined while visible. */
  receiptHandle?: string;
  /** Bumped on every state change, so a stale heap entry is recognised and ignored. */
  generation: number;
  deleted: boolean;
}

export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string; // base64 in the JSON protocol
}

interface Waiter {
  max: number;
  visibilityTimeout: number;
  resolve: (messages: StoredMessage[]) => void;
  timer: NodeJS.Timeout;
}

type Wake = { at: number; message: StoredMessage; generation: number };

export type Clock = () => number;

export const md5 = (data: string | Buffer) => createHash('md5').update(data).digest('hex');

/**
 * One standard SQS queue, in memory, with the semantics Lambda's event source relies on:
 * delays, visibility timeouts, receive counts, redrive to a dead-letter queue after
 * maxReceiveCount receives, retention, and long polls that answer as soon as one message is there.
 */
export class MemoryQueue {
  readonly createdAt: number;
  lastModifiedAt: number;
  private visible: StoredMessage[] = [];
  private visibleHead = 0;
  private readonly wakes = new MinHeap<Wake>();
  private readonly inFlight = new Map<string, StoredMessage>();
  private readonly waiters: Waiter[] = [];
  private delayedCount = 0;
  private wakeTimer: NodeJS.Timeout | null = null;
  private wakeTimerAt = Infinity;

  constructor(
    readonly name: string,
    readonly arn: string,
    public attributes: QueueAttributes,
    /** Finds a dead-letter queue by ARN when a message exceeds maxReceiveCount. */
    private readonly deadLetterQueue: (arn: string) => MemoryQueue | undefined,
    private readonly now: Clock = Date.now,
  ) {
    this.createdAt = now();
    this.lastModifiedAt = this.createdAt;
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
      generation: 0,
      deleted: false,
    };
    this.enqueue(message, (delaySeconds ?? this.attributes.DelaySeconds) * 1000 + extraDelayMs);
    return message;
  }

  /** Puts a message (new, or moved here from another queue) in line, visible after a delay. */
  enqueue(message: StoredMessage, delayMs = 0): void {
    message.receiptHandle = undefined;
    message.generation++;
    if (delayMs > 0) {
      this.delayedCount++;
      this.schedule(message, this.now() + delayMs);
    } else {
      this.makeVisible(message);
    }
  }

  /** Answers at once with what is visible, or waits up to `waitSeconds` for the first message. */
  receive(max: number, waitSeconds: number, visibilityTimeout = this.attributes.VisibilityTimeout): Promise<StoredMessage[]> {
    this.promoteDue();
    const taken = this.take(max, visibilityTimeout);
    if (taken.length > 0 || waitSeconds <= 0) return Promise.resolve(taken);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        max,
        visibilityTimeout,
        resolve,
        timer: setTimeout(() => {
          this.removeWaiter(waiter);
          resolve([]);
        }, waitSeconds * 1000),
      };
      this.waiters.push(waiter);
    });
  }

  /** Deletes the message that `receiptHandle` was last issued for; a stale handle changes nothing. */
  delete(receiptHandle: string): boolean {
    const message = this.inFlight.get(receiptHandle);
    if (!message) return false;
    this.inFlight.delete(receiptHandle);
    message.deleted = true;
    message.generation++;
    return true;
  }

  /** Returns false when the handle is not that of a message in flight. */
  changeVisibility(receiptHandle: string, visibilityTimeout: number): boolean {
    const message = this.inFlight.get(receiptHandle);
    if (!message) return false;
    message.generation++;
    if (visibilityTimeout === 0) {
      this.inFlight.delete(receiptHandle);
      message.receiptHandle = undefined;
      this.makeVisible(message);
    } else {
      this.schedule(message, this.now() + visibilityTimeout * 1000);
    }
    return true;
  }

  purge(): void {
    for (const message of this.liveVisible()) message.deleted = true;
    for (const message of this.inFlight.values()) message.deleted = true;
    this.visible = [];
    this.visibleHead = 0;
    this.inFlight.clear();
    this.wakes.clear();
    this.delayedCount = 0;
  }

  /** Ends every waiting receive with no messages (the queue is being deleted or the server stops). */
  close(): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve([]);
    }
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
  }

  counts() {
    this.promoteDue();
    return { visible: this.visible.length - this.visibleHead, inFlight: this.inFlight.size, delayed: this.delayedCount };
  }

  private *liveVisible(): Iterable<StoredMessage> {
    for (let index = this.visibleHead; index < this.visible.length; index++) yield this.visible[index];
  }

  private makeVisible(message: StoredMessage): void {
    this.visible.push(message);
    this.serveWaiters();
  }

  private schedule(message: StoredMessage, at: number): void {
    this.wakes.push({ at, message, generation: message.generation });
    this.armWakeTimer();
  }

  private take(max: number, visibilityTimeout: number): StoredMessage[] {
    const taken: StoredMessage[] = [];
    const now = this.now();
    const retentionMs = this.attributes.MessageRetentionPeriod * 1000;
    while (taken.length < max && this.visibleHead < this.visible.length) {
      const message = this.visible[this.visibleHead++];
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
      message.generation++;
      this.inFlight.set(message.receiptHandle, message);
      this.schedule(message, now + visibilityTimeout * 1000);
      taken.push(message);
    }
    if (this.visibleHead > 1024 && this.visibleHead * 2 > this.visible.length) {
      this.visible = this.visible.slice(this.visibleHead);
      this.visibleHead = 0;
    }
    return taken;
  }

  /** Moves every message whose delay or visibility timeout has run out back into line. */
  private promoteDue(): void {
    const now = this.now();
    for (let next = this.wakes.peek(); next && next.at <= now; next = this.wakes.peek()) {
      this.wakes.pop();
      const { message, generation } = next;
      if (message.deleted || message.generation !== generation) continue;
      if (message.receiptHandle) {
        this.inFlight.delete(message.receiptHandle);
        message.receiptHandle = undefined;
      } else {
        this.delayedCount--;
      }
      message.generation++;
      this.visible.push(message);
    }
  }

  private serveWaiters(): void {
    while (this.waiters.length > 0 && this.visibleHead < this.visible.length) {
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
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      this.wakeTimerAt = Infinity;
      this.promoteDue();
      this.serveWaiters();
      this.armWakeTimer();
    }, Math.max(0, next.at - this.now()));
    this.wakeTimer.unref();
  }
}
