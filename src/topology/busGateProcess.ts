/**
 * Bus-gate process: `node --import tsx busGateProcess.ts <port>`. Started detached beside a
 * cluster's toxiproxy-server (busGateServer.ts), recorded in state.json and stopped with the
 * topology like its other servers. It holds the cluster bus's gates (busGates.ts) and takes
 * orders over HTTP on 127.0.0.1:<port>, as toxiproxy-server does:
 *
 *   GET  /gates            every gate's status
 *   POST /gates            {name, upstream} -> the new gate (listening on a port of its own)
 *   PUT  /gates/<name>     {refuseAll, refusedSources} -> the gate's status
 *   POST /reset            every gate open
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { z } from 'zod';
import { BusGates, GateNotFoundError } from './busGates.js';

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: busGateProcess.ts <port>');
  process.exit(64);
}

const createBody = z.object({ name: z.string().min(1), upstream: z.string().regex(/^[\d.]+:\d+$/) }).strict();
const ruleBody = z.object({ refuseAll: z.boolean(), refusedSources: z.array(z.string()) }).strict();

const gates = new BusGates();

async function body(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : {};
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = req.url ?? '/';
  if (req.method === 'GET' && path === '/gates') return reply(res, 200, gates.list());
  if (req.method === 'POST' && path === '/gates') {
    const b = createBody.parse(await body(req));
    return reply(res, 201, await gates.create(b.name, b.upstream));
  }
  if (req.method === 'PUT' && path.startsWith('/gates/')) return reply(res, 200, gates.set(decodeURIComponent(path.slice('/gates/'.length)), ruleBody.parse(await body(req))));
  if (req.method === 'POST' && path === '/reset') {
    gates.reset();
    return reply(res, 200, gates.list());
  }
  reply(res, 404, { error: `no route ${req.method} ${path}` });
}

const server = createServer((req, res) => {
  handle(req, res).catch((e: unknown) => reply(res, e instanceof GateNotFoundError ? 404 : 400, { error: (e as Error).message }));
});
server.on('error', (e) => {
  // The starter reads this line from the log and retries on another port.
  console.error(`bus gate: ${e.message}`);
  process.exit(1);
});
server.listen({ host: '127.0.0.1', port }, () => console.log(`bus gate: listening on 127.0.0.1:${port}`));

const stop = (): void => {
  gates.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
