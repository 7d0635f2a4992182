import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/web/router.js';

describe('GET /api/healthz', () => {
  it('answers 200 with status ok', async () => {
    const app = await buildApp();
    const res = await app.inject({ method: 'GET', url: '/api/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
    await app.close();
  });
});
