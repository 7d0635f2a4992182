export const USAGE = `usage: gatehouse <command>
  serve                                   run the server (default)
  migrate                                 apply database migrations and exit
  clients create <id> [--scope s]... [--grant g]... [--auth-method m] [--redirect-uri u]...
                 [--name display-name] [--post-logout-redirect-uri u]... [--resource uri]...
                 [--jwks-uri url | --jwks-file jwks.json]   (private_key_jwt)
                 [--replace]                             (replace an existing client)
  clients list | delete <id> | rotate-secret <id>
  users create <username> --password p [--email e] [--name n] [--replace]
  users set-password <username> --password p
  users delete <username>
  consents list <username> | revoke <username> <client_id>
  keys list | rotate
`;

/** A usage or input error: its message on stderr and the exit code (2: usage; 1: refused; 78: configuration). */
export function fail(message: string, code = 2): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** A command's result on stdout: strings as they are, anything else as JSON. */
export const out = (v: unknown): void => {
  process.stdout.write(`${typeof v === 'string' ? v : JSON.stringify(v, null, 2)}\n`);
};
