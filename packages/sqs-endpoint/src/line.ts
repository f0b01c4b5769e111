/**
 * The visible messages of a queue, first in first out, with O(1) take from the front. A taken
 * slot is cleared at once, so the line never keeps a message alive after it left.
 */
export class Line<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Puts an item back at the front: next in line. */
  pushFront(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) this.clear();
    else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Keeps only the items `keep` selects, in order; returns how many were dropped. */
  retain(keep: (item: T) => boolean): number {
    const kept = [...this].filter(keep);
    const dropped = this.length - kept.length;
    if (dropped > 0) {
      this.items = kept;
      this.head = 0;
    }
    return dropped;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let index = this.head; index < this.items.length; index++) yield this.items[index]!;
  }
}
