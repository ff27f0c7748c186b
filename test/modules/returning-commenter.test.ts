import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  COMMENTER_PROOF_MAX_AGE_S,
  NO_COMMENTER_PROOF,
  readCommenterProof,
  tokenWithConfirmedEmail,
  withComment,
  writeCommenterProof,
} from '../../src/modules/comments/returning-commenter.ts';
import { signToken } from '../../src/modules/shared/secret.ts';

const SECRET = randomBytes(32);
const NOW = new Date('2025-09-01T12:00:00.000Z');

describe('the returning-commenter token', () => {
  test('reads back the comments and confirmed addresses it was written with, without holding an address', () => {
    const token = tokenWithConfirmedEmail(
      { secret: SECRET, now: NOW },
      writeCommenterProof(SECRET, withComment(withComment(NO_COMMENTER_PROOF, 7), 12), NOW),
      ' Ines@Example.net ',
    );
    const proof = readCommenterProof(SECRET, token, NOW);
    assert.deepEqual(proof.commentIds, [7, 12]);
    assert.equal(proof.emailKeys.length, 1);
    assert.doesNotMatch(Buffer.from(token.split('.')[0]!, 'base64url').toString(), /ines|example/i);
    // The same address however it was typed: one entry.
    const again = tokenWithConfirmedEmail({ secret: SECRET, now: NOW }, token, 'ines@example.net');
    assert.deepEqual(readCommenterProof(SECRET, again, NOW).emailKeys, proof.emailKeys);
  });

  test('proves nothing when tampered with, signed with another key or for another purpose, or too old', () => {
    const token = writeCommenterProof(SECRET, withComment(NO_COMMENTER_PROOF, 5), NOW);
    const [body, mac] = token.split('.') as [string, string];
    const forged = `${Buffer.from(`${NOW.getTime()}|5,6|`).toString('base64url')}.${mac}`;
    assert.deepEqual(readCommenterProof(SECRET, forged, NOW), NO_COMMENTER_PROOF);
    assert.deepEqual(readCommenterProof(randomBytes(32), token, NOW), NO_COMMENTER_PROOF);
    assert.deepEqual(
      readCommenterProof(SECRET, signToken(SECRET, 'form', `${NOW.getTime()}|5|`), NOW),
      NO_COMMENTER_PROOF,
    );
    assert.deepEqual(readCommenterProof(SECRET, `${body}.`, NOW), NO_COMMENTER_PROOF);
    assert.deepEqual(readCommenterProof(SECRET, null, NOW), NO_COMMENTER_PROOF);
    const expired = new Date(NOW.getTime() + (COMMENTER_PROOF_MAX_AGE_S + 1) * 1000);
    assert.deepEqual(readCommenterProof(SECRET, token, expired), NO_COMMENTER_PROOF);
    assert.deepEqual(readCommenterProof(SECRET, token, NOW).commentIds, [5]);
  });

  test('keeps the newest 20 comments, so the cookie stays small however much a reader writes', () => {
    let proof = NO_COMMENTER_PROOF;
    for (let id = 1; id <= 30; id++) proof = withComment(proof, id);
    const read = readCommenterProof(SECRET, writeCommenterProof(SECRET, proof, NOW), NOW);
    assert.deepEqual(
      read.commentIds,
      Array.from({ length: 20 }, (_, i) => i + 11),
    );
  });
});
