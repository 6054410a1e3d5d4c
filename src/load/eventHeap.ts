/**
 * Binary min-heap of scheduled items by intended time, with each item knowing its own position
 * (`heapIndex`) so it can be rescheduled in place. The scheduler keeps one entry per live session
 * (50,000+) and reuses it for every action: no allocation per scheduled action, so nothing
 * short-lived is promoted into the old generation while it waits out a think time.
 */
export interface ScheduledItem {
  /** Intended start, ms since run start. */
  at: number;
  /** Position in the heap; -1 when not in it. */
  heapIndex: number;
}

export class EventHeap<T extends ScheduledItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds the item, or moves it if it is already scheduled. */
  schedule(item: T, at: number): void {
    item.at = at;
    if (item.heapIndex >= 0) {
      this.siftUp(item.heapIndex);
      this.siftDown(item.heapIndex);
      return;
    }
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.siftUp(item.heapIndex);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top) this.remove(top);
    return top;
  }

  /** Takes every item due by `upTo` out of the heap, earliest first, handing each to `each`. */
  takeDue(upTo: number, each: (item: T) => void): void {
    for (let top = this.items[0]; top && top.at <= upTo; top = this.items[0]) {
      this.remove(top);
      each(top);
    }
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.siftUp(i);
    this.siftDown(last.heapIndex);
  }

  private siftUp(i: number): void {
    const a = this.items;
    const item = a[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent]!;
      if (p.at <= item.at) break;
      a[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    a[i] = item;
    item.heapIndex = i;
  }

  private siftDown(i: number): void {
    const a = this.items;
    const item = a[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]!.at < a[l]!.at ? r : l;
      const child = a[c]!;
      if (child.at >= item.at) break;
      a[i] = child;
      child.heapIndex = i;
      i = c;
    }
    a[i] = item;
    item.heapIndex = i;
  }
}
