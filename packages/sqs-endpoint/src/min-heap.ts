/**
 * A binary min-heap ordered by `at`: the next moment something in a queue changes state. Each item
 * knows its slot, so an entry whose message was deleted or rescheduled leaves the heap at once
 * instead of lingering (with its message) until its deadline.
 */
export class MinHeap<T extends { at: number; slot: number }> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    item.slot = this.items.length;
    this.items.push(item);
    this.up(item.slot);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
  }

  /** Takes `item` out wherever it is; false when it is not (or no longer) in this heap. */
  remove(item: T): boolean {
    const items = this.items;
    const slot = item.slot;
    if (slot < 0 || items[slot] !== item) return false;
    const last = items.pop()!;
    item.slot = -1;
    if (last !== item) {
      items[slot] = last;
      last.slot = slot;
      this.down(slot);
      this.up(last.slot);
    }
    return true;
  }

  /** Removes every item `drop` selects, in one pass: O(n), for sweeps over the whole heap. */
  removeWhere(drop: (item: T) => boolean): T[] {
    const dropped: T[] = [];
    const kept: T[] = [];
    for (const item of this.items) {
      if (drop(item)) {
        item.slot = -1;
        dropped.push(item);
      } else {
        item.slot = kept.length;
        kept.push(item);
      }
    }
    this.items = kept;
    for (let slot = (kept.length >> 1) - 1; slot >= 0; slot--) this.down(slot);
    return dropped;
  }

  clear(): void {
    for (const item of this.items) item.slot = -1;
    this.items = [];
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    [items[a], items[b]] = [items[b], items[a]];
    items[a].slot = a;
    items[b].slot = b;
  }

  private up(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (this.items[parent].at <= this.items[index].at) return;
      this.swap(parent, index);
      index = parent;
    }
  }

  private down(index: number): void {
    const items = this.items;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && items[left].at < items[smallest].at) smallest = left;
      if (right < items.length && items[right].at < items[smallest].at) smallest = right;
      if (smallest === index) return;
      this.swap(smallest, index);
      index = smallest;
    }
  }
}
