import * as fs from 'node:fs';
import * as path from 'node:path';
import { InvalidInput } from '../core/errors';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

/** `--tls-ca`, `--tls-cert`, `--tls-key` (`cellflow run` and `cellflow cluster start`): all three or none, each a file, made absolute. */
export function tlsFlags(args: { tlsCa?: string; tlsCert?: string; tlsKey?: string }): TlsFiles | undefined {
  const given = [args.tlsCa, args.tlsCert, args.tlsKey].filter(Boolean).length;
  if (!given) return undefined;
  if (given < 3) throw new InvalidInput('TLS needs all three of --tls-ca, --tls-cert and --tls-key');
  const tls = { ca: path.resolve(args.tlsCa!), cert: path.resolve(args.tlsCert!), key: path.resolve(args.tlsKey!) };
  for (const f of [tls.ca, tls.cert, tls.key]) if (!fs.existsSync(f)) throw new InvalidInput(`${f}: no such file`);
  return tls;
}
