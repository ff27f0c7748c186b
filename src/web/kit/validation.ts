import type { FastifyError } from 'fastify';
import { AppError } from '../../modules/shared/errors.ts';

type Issue = NonNullable<FastifyError['validation']>[number];

/** The field an issue is about: `/title` -> `title`, a missing or unknown property by its own name. */
function fieldOf(issue: Issue): string {
  const params = issue.params as { missingProperty?: string; additionalProperty?: string };
  const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const own = params.missingProperty ?? params.additionalProperty;
  if (own) return path ? `${path}.${own}` : own;
  return path.replace(/\.\d+$/, '') || 'request';
}

/** A person's sentence for one issue (never Ajv's own wording, which names schema keywords). */
function messageOf(issue: Issue): string {
  const params = issue.params as { limit?: number; allowedValues?: unknown[] };
  switch (issue.keyword) {
    case 'required':
      return 'This is needed.';
    case 'additionalProperties':
      return 'This field is not part of the form.';
    case 'maxLength':
      return `This is longer than ${params.limit?.toLocaleString('en-GB')} characters.`;
    case 'minLength':
      return 'This is needed.';
    case 'maxItems':
      return `This has more than ${params.limit?.toLocaleString('en-GB')} values.`;
    case 'pattern':
    case 'format':
      return 'This is not in the form expected here.';
    case 'type':
      return 'This has the wrong kind of value (one value was expected, or text).';
    default:
      return 'This value is not one the page accepts.';
  }
}

type Context = { code: 'INVALID_FORM' | 'INVALID_QUERY'; message: string };
const BODY: Context = {
  code: 'INVALID_FORM',
  message: 'Some of what was sent could not be accepted. See the fields below.',
};
const CONTEXTS: Record<string, Context> = {
  body: BODY,
  querystring: { code: 'INVALID_QUERY', message: 'Some of the values in the address are not valid.' },
  params: { code: 'INVALID_QUERY', message: 'The address is not one this site makes.' },
};

/**
 * A failed schema check as an error a person can read: INVALID_FORM for a body, INVALID_QUERY for the address,
 * with a message per field (issue 15). The values themselves are never echoed.
 */
export function validationFailure(error: FastifyError): AppError {
  const context = CONTEXTS[error.validationContext ?? 'body'] ?? BODY;
  const fields: Record<string, string> = {};
  for (const issue of error.validation ?? []) {
    const field = fieldOf(issue).slice(0, 100);
    fields[field] ??= messageOf(issue);
  }
  return new AppError(context.code, context.message, { cause: error, fields });
}
