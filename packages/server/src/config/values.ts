import { z } from 'zod';

/*
 * Numbers and booleans as both sources write them: the config file has typed values, the environment only
 * strings. Strings are converted before validation, so one schema checks both.
 */

/**
 * A whole number. A string (every environment value) is accepted only when it is all digits: a blank, a sign,
 * `0x…`, `8e3`, a fraction or a space is refused instead of being read as `0` or `NaN`.
 */
export function wholeNumber(constrain: (n: z.ZodNumber) => z.ZodNumber) {
  const number = z
    .number({
      error: (i) => (typeof i.input === 'string' ? 'must be a whole number (digits only)' : undefined),
    })
    .int({ error: 'must be a whole number' });
  return z.preprocess((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), constrain(number));
}

/** The usual spellings of a boolean in a string (`true`/`1`/`yes`/`on`, `false`/`0`/`no`/`off`). */
export function envBoolean(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
}
