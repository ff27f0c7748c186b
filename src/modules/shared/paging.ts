import { AppError } from './errors.ts';

export interface PageRequest {
  page: number;
  perPage: number;
}

export interface Paged<T> {
  items: T[];
  page: number;
  perPage: number;
  total: number;
  pageCount: number;
}

export const MAX_PAGE = 100_000;

/** Reads a page number given by a person: absent means 1; anything but a whole number from 1 up is refused. */
export function parsePageNumber(raw: unknown): number {
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^[0-9]{1,6}$/.test(raw)) {
    throw new AppError('INVALID_PAGE_NUMBER', 'The page number must be a whole number from 1 upwards.', {
      detail: `page=${String(raw).slice(0, 40)}`,
    });
  }
  const n = Number(raw);
  if (n < 1 || n > MAX_PAGE) {
    throw new AppError('INVALID_PAGE_NUMBER', 'The page number must be a whole number from 1 upwards.', {
      detail: `page=${n}`,
    });
  }
  return n;
}

export function paged<T>(items: T[], req: PageRequest, total: number): Paged<T> {
  return { items, page: req.page, perPage: req.perPage, total, pageCount: Math.max(1, Math.ceil(total / req.perPage)) };
}
