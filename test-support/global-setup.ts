import { type Service, unavailableReason } from './services.js';

/** Prints, once per run, which tests run against real services and which are skipped and why. */
export default function setup(): void {
  const services: Service[] = ['postgres', 'redis', 'chromium'];
  const skipped = services.flatMap((s) => {
    const reason = unavailableReason(s);
    return reason ? [`${s} (${reason})`] : [];
  });
  if (skipped.length > 0) {
    console.log(`\n[gatehouse] tests needing these services are SKIPPED: ${skipped.join('; ')}`);
    console.log(
      '[gatehouse] set TEST_DATABASE_URL / TEST_REDIS_URL and install chromium to run them (CI does).\n',
    );
  } else {
    console.log('\n[gatehouse] running against real PostgreSQL, Redis and Chromium.\n');
  }
}
