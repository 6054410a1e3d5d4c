import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { BusGates } from './busGates.js';

// Loopback sockets only: 127.0.0.0/8 is all on lo, so a client can bind any of it as its source.
let echo: Server;
let upstream = '';
const gates = new BusGates();
let listen = { host: '', port: 0 };

before(async () => {
  echo = createServer((s) => s.pipe(s));
  echo.listen({ host: '127.0.0.1', port: 0 });
  await once(echo, 'listening');
  const a = echo.address() as { port: number };
  upstream = `127.0.0.1:${a.port}`;
  const g = await gates.create('node-0', upstream);
  const i = g.listen.lastIndexOf(':');
  listen = { host: g.listen.slice(0, i), port: Number(g.listen.slice(i + 1)) };
});
after(() => {
  gates.close();
  echo.close();
});

function connectFrom(source: string): Socket {
  return createConnection({ ...listen, localAddress: source }).on('error', () => undefined);
}

/** Resolves with the echoed text, or with 'reset'/'closed' when the gate cut the connection first. */
function roundTrip(s: Socket, text = 'PING'): Promise<string> {
  return new Promise<string>((resolve) => {
    s.once('data', (d) => resolve(String(d)));
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNRESET' ? 'reset' : String(e.code)));
    s.once('close', () => resolve('closed'));
    if (s.connecting) s.once('connect', () => s.write(text));
    else s.write(text);
  });
}

test('relays both ways until told otherwise; refusing a source resets its open connection and refuses its new ones, others still pass', async () => {
  const victim = connectFrom('127.0.0.5');
  const other = connectFrom('127.0.0.6');
  assert.equal(await roundTrip(victim), 'PING');
  assert.equal(await roundTrip(other), 'PING');
  assert.deepEqual(gates.list()[0]?.openBySource, { '127.0.0.5': 1, '127.0.0.6': 1 });

  const closed = new Promise((resolve) => victim.once('close', resolve));
  gates.set('node-0', { refuseAll: false, refusedSources: ['127.0.0.5'] });
  await closed;
  assert.equal(await roundTrip(other, 'still'), 'still', 'another source keeps its link');
  assert.notEqual(await roundTrip(connectFrom('127.0.0.5')), 'PING', 'the refused source cannot reconnect');
  assert.equal(await roundTrip(connectFrom('127.0.0.7')), 'PING');
  assert.equal(gates.list()[0]?.refusedBySource['127.0.0.5'], 1);
  other.destroy();
});

test('refuseAll refuses every source; reset opens every gate again', async () => {
  gates.set('node-0', { refuseAll: true, refusedSources: [] });
  assert.notEqual(await roundTrip(connectFrom('127.0.0.6')), 'PING');
  gates.reset();
  assert.deepEqual({ ...gates.list()[0], openBySource: {}, refusedBySource: {} }, { name: 'node-0', listen: `${listen.host}:${listen.port}`, upstream, refuseAll: false, refusedSources: [], openBySource: {}, refusedBySource: {} });
  const s = connectFrom('127.0.0.5');
  assert.equal(await roundTrip(s), 'PING');
  s.destroy();
});

test('a rule for a gate that does not exist is an error', () => {
  assert.throws(() => gates.set('node-9', { refuseAll: true, refusedSources: [] }), /no gate node-9/);
});
