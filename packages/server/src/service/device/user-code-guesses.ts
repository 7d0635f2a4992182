import { type Store, storeKeys } from '../../infra/store/index.js';
import { type AttemptLimit, giveBackAttempt, takeAttempt } from '../sign-in/attempts.js';

/**
 * User codes looked up (page shown for a code, or a code approved/denied) per address: a wrong one counts, a
 * right one is given back. With 20^8 codes, this keeps guessing a pending code hopeless (RFC 8628 §5.1).
 */
const perAddress = (ip: string): AttemptLimit => ({
  key: storeKeys.userCodeGuessesFromAddress(ip),
  limit: 10,
  windowSecs: 15 * 60,
});

export class UserCodeGuesses {
  constructor(private readonly store: Store) {}

  /** Counts a lookup from `ip`; false when the address is over its limit (the code is then not looked up). */
  take(ip: string): Promise<boolean> {
    return takeAttempt(this.store, perAddress(ip));
  }

  /** A code that turned out to be pending: the lookup does not count. */
  giveBack(ip: string): Promise<void> {
    return giveBackAttempt(this.store, perAddress(ip));
  }
}
