import nodemailer from 'nodemailer';

/** One plain-text e-mail. `headers` are extra header fields (e.g. List-Unsubscribe), already valid. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  headers?: Record<string, string>;
}

/** Whatever delivers mail. Only the outbox worker calls it: requests never send mail themselves. */
export interface Mailer {
  send(msg: MailMessage): Promise<void>;
}

/** A delivery that failed. `permanent` when the server refused for good (5xx): retrying cannot help. */
export class MailDeliveryError extends Error {
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MailDeliveryError';
    this.permanent = permanent;
  }
}

/**
 * A Mailer that hands each message to an SMTP server, e.g. `smtp://127.0.0.1:2525` or
 * `smtps://user:pass@mail.example`. One connection per message: the outbox sends a few at a time.
 * Timeouts are short so that one attempt always ends well inside the outbox's first retry delay.
 */
export function createSmtpMailer(opts: { url: string; from: string }): Mailer {
  const protocol = new URL(opts.url).protocol;
  if (protocol !== 'smtp:' && protocol !== 'smtps:') throw new Error(`Not an SMTP URL: ${protocol}`);
  const transport = nodemailer.createTransport({
    url: opts.url,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    async send(msg) {
      try {
        await transport.sendMail({
          from: opts.from,
          to: msg.to,
          subject: msg.subject,
          text: msg.text,
          headers: msg.headers ?? {},
        });
      } catch (err) {
        const code = (err as { responseCode?: unknown }).responseCode;
        const permanent = typeof code === 'number' && code >= 500 && code < 600;
        throw new MailDeliveryError(err instanceof Error ? err.message : String(err), permanent, { cause: err });
      }
    },
  };
}
