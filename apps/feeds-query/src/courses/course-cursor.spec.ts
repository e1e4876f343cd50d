import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@voltstream/contracts';
import { CoursePosition, decodeCourseCursor, encodeCourseCursor } from './course-cursor';

const id = '0b6f3a52-61c6-4c3b-9f5c-0d1b7e6a2c11';
const newest: CoursePosition = { kind: 'newest', publishedAt: new Date('2026-03-01T08:00:00.123Z'), id };
const search: CoursePosition = { kind: 'search', rank: 0.0607927, id };

const badInput = (error: unknown) =>
  error instanceof DomainError &&
  error.code === 'BAD_USER_INPUT' &&
  error.fieldErrors.some((field) => field.path === 'after');

describe('course cursors', () => {
  it('give back the position they were made from, as opaque URL-safe text', () => {
    assert.deepEqual(decodeCourseCursor(encodeCourseCursor(newest), false), newest);
    assert.deepEqual(decodeCourseCursor(encodeCourseCursor(search), true), search);
    assert.match(encodeCourseCursor(search), /^[A-Za-z0-9_-]+$/);
  });

  it('belong to one ordering: a search cursor is no cursor of the newest list, nor the reverse', () => {
    assert.throws(() => decodeCourseCursor(encodeCourseCursor(search), false), badInput);
    assert.throws(() => decodeCourseCursor(encodeCourseCursor(newest), true), badInput);
  });

  it('refuse cursors they did not hand out', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      '',
      'nonsense!',
      forged(['n', 1, 'not-a-uuid']),
      forged(['n', 1.5, id]),
      forged(['s', -1, id]),
      forged(['x', 1, id]),
      forged(['n', 1, id, 'extra']),
      forged({ kind: 'n' }),
    ]) {
      assert.throws(() => decodeCourseCursor(cursor, false), badInput, cursor);
    }
  });
});
