import { testDatabaseUrl } from '../../../../test-support/services.js';
import { type TcpProxy, tcpProxy } from './fault-injection/tcp-proxy.js';
import { createFreshSchema } from './fresh-schema.js';
import { freePort } from './http.js';

/** A fresh schema of the test database, reached through a TCP proxy the test can cut and open again. */
export interface SchemaBehindProxy {
  /** The schema's URL through the proxy: what the server's `database.url` takes. */
  url: string;
  proxy: TcpProxy;
  /** Closes the proxy and drops the schema. */
  drop(): Promise<void>;
}

/** Call only when `missing('postgres')` is false. */
export async function schemaBehindProxy(): Promise<SchemaBehindProxy> {
  const schema = await createFreshSchema();
  const port = await freePort();
  const target = new URL(testDatabaseUrl!);
  const proxy = tcpProxy(port, { host: target.hostname, port: Number(target.port || 5432) });
  await proxy.open();
  const viaProxy = new URL(schema.url);
  viaProxy.host = `127.0.0.1:${port}`;
  return {
    url: viaProxy.toString(),
    proxy,
    async drop() {
      await proxy.cut();
      await schema.drop();
    },
  };
}
