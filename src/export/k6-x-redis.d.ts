/**
 * Types of k6's Redis extension, module `k6/x/redis` (github.com/grafana/xk6-redis), for
 * type-checking the scripts `gauntlet export k6` writes. @types/k6 2.x has none: it declared
 * `k6/experimental/redis` up to 1.x, and k6 removed that module in favour of the extension.
 *
 * Only what the generated scripts use, from the k6 docs (javascript-api/k6-x-redis: Client,
 * Options) and checked against the extension's source (redis/options.go, redis/client.go),
 * which decodes the options strictly (an unknown field is an error) and differs from the docs
 * in two places followed here: timeouts are milliseconds (the docs say seconds), and `tls.ca`
 * takes PEM strings such as `open('ca.pem')` returns.
 */
declare module 'k6/x/redis' {
  export interface TLSOptions {
    /** PEM CA certificates. */
    ca: string[];
    cert?: string;
    key?: string;
  }

  export interface SocketOptions {
    host: string;
    port?: number;
    tls?: TLSOptions;
    /** Milliseconds. */
    dialTimeout?: number;
    /** Milliseconds; -1 disables. */
    readTimeout?: number;
    /** Milliseconds; -1 disables. */
    writeTimeout?: number;
    /** Connections per client (a client belongs to one VU). */
    poolSize?: number;
    minIdleConns?: number;
  }

  /** With `masterName` the client is Sentinel-backed: `socket` is then a sentinel's address. */
  export interface Options {
    socket: SocketOptions;
    username?: string;
    password?: string;
    clientName?: string;
    database?: number;
    /** Retries of a command after a network error; 0 means the default (3), -1 none. In options.go, not in the docs' table. */
    maxRetries?: number;
    masterName?: string;
    sentinelUsername?: string;
    sentinelPassword?: string;
  }

  export type CommandArgument = string | number | boolean;

  /**
   * Connects on its first command (never in the init context). A command's promise rejects
   * with the client's Go error, whose text `error()` returns; a nil reply rejects with
   * "redis: nil".
   */
  export class Client {
    protected __brand: never;
    constructor(options: Options | string);
    sendCommand(command: string, ...args: CommandArgument[]): Promise<unknown>;
  }

  const redis: { Client: typeof Client };
  export default redis;
}
