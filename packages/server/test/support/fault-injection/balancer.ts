import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small round-robin HTTP load balancer in front of the nodes, as in a deployment: the client's address in
 * `X-Forwarded-For`, and a node that refuses the connection (a dead process) is skipped for the next one,
 * so the client never hears of it. A node that dies while it holds a request cannot be skipped (it may have
 * acted on the request): that client gets a 502 tagged `X-Balancer-Error: reset`, which is the balancer's
 * answer and not the server's. Each node's answer carries `X-Balancer-Node: <port>`.
 */
export interface Balancer {
  url: string;
  /** The balancer's own failures, in order: which node, and whether it refused or dropped the request. */
  failures: { port: number; kind: 'refused' | 'reset' }[];
  close(): Promise<void>;
}

export async function startBalancer(port: number, nodePorts: number[]): Promise<Balancer> {
  const failures: Balancer['failures'] = [];
  let next = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress]
      .filter(Boolean)
      .join(', ');
    const headers: OutgoingHttpHeaders = { ...req.headers, 'x-forwarded-for': forwardedFor };
    for (let tried = 0; tried < nodePorts.length; tried++) {
      const nodePort = nodePorts[next++ % nodePorts.length] as number;
      const outcome = await forward(nodePort, req, headers, body, res);
      if (outcome === 'answered') return;
      failures.push({ port: nodePort, kind: outcome });
      // Only a refused connection is safe to retry elsewhere: the node never saw the request.
      if (outcome === 'reset') return fail(res, 'reset');
    }
    fail(res, 'refused');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failures,
    close: () => close(server),
  };
}

/** Sends the request to one node and streams its answer back; what happened if there was no answer. */
function forward(
  nodePort: number,
  req: IncomingMessage,
  headers: OutgoingHttpHeaders,
  body: Buffer,
  res: ServerResponse,
): Promise<'answered' | 'refused' | 'reset'> {
  return new Promise((resolve) => {
    // A new connection per request (no keep-alive): a dead node is then always a refused connection.
    const upstream = request(
      { host: '127.0.0.1', port: nodePort, method: req.method, path: req.url, headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-balancer-node': String(nodePort) });
        answer.pipe(res);
        // The node died halfway through its answer: the client's connection is cut, as a real one would be.
        answer.on('error', () => res.destroy());
        answer.on('aborted', () => res.destroy());
        answer.on('end', () => resolve('answered'));
        res.on('close', () => resolve('answered'));
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) return;
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'reset');
    });
    upstream.end(body);
  });
}

function fail(res: ServerResponse, kind: 'refused' | 'reset'): void {
  res.writeHead(502, { 'content-type': 'application/json', 'x-balancer-error': kind });
  res.end(JSON.stringify({ error: 'bad_gateway' }));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
