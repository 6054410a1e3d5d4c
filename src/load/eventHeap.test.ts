import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventHeap } from './eventHeap.js';

const item = (id: number) => ({ id, at: 0, heapIndex: -1 });

test('pops items in intended-time order', () => {
  const heap = new EventHeap<ReturnType<typeof item>>();
  for (let id = 0; id < 1000; id++) heap.schedule(item(id), (id * 7919) % 1000);
  const out: number[] = [];
  while (heap.size) out.push(heap.pop()!.at);
  assert.deepEqual(out, [...out].sort((a, b) => a - b));
  assert.equal(out.length, 1000);
  assert.equal(heap.pop(), undefined);
});

test('rescheduling moves an item in place, and removal takes it out', () => {
  const heap = new EventHeap<ReturnType<typeof item>>();
  const items = Array.from({ length: 50 }, (_, id) => item(id));
  items.forEach((it, k) => heap.schedule(it, 100 + k));
  heap.schedule(items[40]!, 1);
  heap.schedule(items[0]!, 1000);
  heap.remove(items[10]!);
  assert.equal(heap.size, 49);
  assert.equal(items[10]!.heapIndex, -1);
  const order: number[] = [];
  while (heap.size) order.push(heap.pop()!.id);
  assert.equal(order[0], 40);
  assert.equal(order.at(-1), 0);
  assert.ok(!order.includes(10));
});

test('takeDue takes every item due by a time, earliest first, and leaves the rest', () => {
  const heap = new EventHeap<ReturnType<typeof item>>();
  for (let id = 0; id < 1000; id++) heap.schedule(item(id), (id * 7919) % 1000);
  const taken: number[] = [];
  heap.takeDue(499.5, (x) => taken.push(x.at));
  assert.equal(taken.length, 500);
  assert.deepEqual(taken, [...taken].sort((a, b) => a - b));
  assert.ok(taken.every((at) => at <= 499.5));
  assert.equal(heap.size, 500);
  assert.equal(heap.peek()!.at, 500);
  heap.takeDue(-1, () => assert.fail('nothing is due'));
  assert.equal(heap.size, 500);
});
