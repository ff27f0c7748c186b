import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 that keeps every message it is given. */
export class TestSmtp {
  readonly received: string[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  async start(port = this.port): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, done) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.received.push(Buffer.concat(chunks).toString('utf8'));
          done();
        });
      },
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Messages to one address, parsed. */
  to(address: string): Mail[] {
    return this.received.map(parseMail).filter((m) => m.headers.get('to') === address);
  }
}

export interface Mail {
  headers: Map<string, string>;
  subject: string;
  text: string;
}

/** Just enough MIME for nodemailer's text/plain output: unfolded headers, encoded words, quoted-printable. */
export function parseMail(raw: string): Mail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  const bytes = (s: string) =>
    Buffer.from(
      s.replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    );
  const decodeWords = (s: string) =>
    s
      .replace(/\?=\s+=\?/g, '?==?')
      .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64').toString('utf8')
          : bytes(data.replace(/_/g, ' ')).toString('utf8'),
      );
  let body = raw.slice(split + 4);
  const cte = headers.get('content-transfer-encoding')?.toLowerCase();
  if (cte === 'quoted-printable') body = bytes(body.replace(/=\r\n/g, '')).toString('utf8');
  if (cte === 'base64') body = Buffer.from(body, 'base64').toString('utf8');
  return { headers, subject: decodeWords(headers.get('subject') ?? ''), text: body.replace(/\r\n/g, '\n') };
}
