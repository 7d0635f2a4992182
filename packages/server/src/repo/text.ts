/**
 * Whether a value can equal a PostgreSQL `text` value at all: text cannot hold NUL (U+0000), and a query
 * with one fails ("invalid byte sequence") instead of matching nothing. Lookups by client input check this
 * first, so a `%00` in a client_id or username is "not found", never a 500.
 */
export const canBeStoredAsText = (value: string): boolean => !value.includes('\u0000');
