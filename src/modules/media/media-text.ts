import { AppError } from '../shared/errors.ts';
import { MEDIA_LIMITS, type MediaText } from './media.types.ts';

/** One line of text: surrounding space trimmed, runs of white space (line breaks too) made one space. */
const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The words as they will be stored: one line each; no alt text on a decorative image. */
export function tidyMediaText(input: MediaText): MediaText {
  return {
    decorative: input.decorative,
    alt: input.decorative ? '' : oneLine(input.alt),
    caption: oneLine(input.caption),
    credit: oneLine(input.credit),
  };
}

/**
 * What is wrong with tidied words, by field. Alt text is required unless the image is marked decorative
 * (then it is stored empty, which is what tells a screen reader to skip it).
 */
export function mediaTextErrors(text: MediaText): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!text.decorative && text.alt === '')
    errors.alt = 'Describe the image for people who cannot see it, or mark it as decorative.';
  if (text.alt.length > MEDIA_LIMITS.altLength)
    errors.alt = `Keep the alternative text under ${MEDIA_LIMITS.altLength} characters; put more in the caption.`;
  if (text.caption.length > MEDIA_LIMITS.captionLength)
    errors.caption = `Keep the caption under ${MEDIA_LIMITS.captionLength} characters.`;
  if (text.credit.length > MEDIA_LIMITS.creditLength)
    errors.credit = `Keep the credit under ${MEDIA_LIMITS.creditLength} characters.`;
  return errors;
}

/** The tidied words, or a MEDIA_INVALID error naming each field to correct. */
export function checkMediaText(input: MediaText): MediaText {
  const text = tidyMediaText(input);
  const errors = mediaTextErrors(text);
  if (Object.keys(errors).length > 0) throw invalidMedia(errors);
  return text;
}

export const invalidMedia = (fields: Record<string, string>) =>
  new AppError('MEDIA_INVALID', 'Some details of the image need a correction.', {
    fields,
    detail: Object.keys(fields).join(','),
  });
