import { DataSource } from 'typeorm';
import { useTestApp } from './support/test-app';

describe('health endpoints', () => {
  const app = useTestApp();

  it('GET /health keeps its contract: 200 { status: "ok" }', async () => {
    const res = await app.client.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /health/ready reports each dependency (terminus shape), public', async () => {
    const res = await app.client.get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', error: {}, details: { database: { status: 'up' } } });
    if (app.t.config.redis.url) expect(res.body.details.redis).toMatchObject({ status: 'up' });
    else expect(res.body.details).not.toHaveProperty('redis');
  });

  it('GET /health/ready answers 503 in the error shape when the database is gone, naming it only', async () => {
    const dataSource = app.t.app.get(DataSource);
    await dataSource.destroy();
    try {
      const res = await app.client.get('/health/ready');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'A required service (database) is unavailable; try again shortly',
        requestId: expect.any(String),
      });
    } finally {
      await dataSource.initialize();
    }
    expect((await app.client.get('/health/ready')).status).toBe(200);
  });
});
