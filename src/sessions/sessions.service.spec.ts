import { UnauthorizedException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import { RevocationList } from '../access/revocation-list';
import { SecurityEvents } from '../audit/security-events.service';
import { AppConfigService } from '../config/app-config.service';
import { MIGRATIONS } from '../database/data-source-options';
import { MemoryShortLivedStore } from '../state/memory-short-lived.store';
import { ShortLivedStore } from '../state/short-lived.store';
import { User } from '../users/user.entity';
import { RefreshToken } from './refresh-token.entity';
import { Session } from './session.entity';
import { SessionsService } from './sessions.service';

const origin = { requestId: 'r', clientAddress: '127.0.0.1', route: '/auth/refresh' };
const config = {
  app: { sessions: { refreshTtlSeconds: 3600, idleTtlSeconds: 600 }, jwt: { accessTtlSeconds: 900 } },
} as AppConfigService;

/**
 * Refresh rotation against a real (in-memory SQLite) database, without HTTP:
 * the conditional statements are the point, so they run for real; the
 * events sink records the order of what happened.
 */
describe('SessionsService refresh rotation', () => {
  let sessions: SessionsService;
  let revocations: RevocationList;
  let log: string[];
  /** Whether the session was already revoked at the moment each event was recorded. */
  let revokedWhenRecorded: Promise<boolean>[];
  let dataSource: DataSource;

  beforeEach(async () => {
    log = [];
    revokedWhenRecorded = [];
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({
          type: 'better-sqlite3',
          database: ':memory:',
          entities: [User, Session, RefreshToken],
          migrations: MIGRATIONS,
          migrationsRun: true,
        }),
        TypeOrmModule.forFeature([Session, RefreshToken, User]),
      ],
      providers: [
        SessionsService,
        RevocationList,
        { provide: ShortLivedStore, useValue: new MemoryShortLivedStore() },
        { provide: AppConfigService, useValue: config },
        {
          provide: SecurityEvents,
          useValue: {
            record: (event: string, _origin: unknown, fields: { sessionId: string }) => {
              log.push(`event ${event}`);
              revokedWhenRecorded.push(revocations.isRevoked(fields.sessionId));
            },
          },
        },
      ],
    }).compile();
    sessions = moduleRef.get(SessionsService);
    revocations = moduleRef.get(RevocationList);
    dataSource = moduleRef.get(DataSource);
    const users: Repository<User> = moduleRef.get(getRepositoryToken(User));
    await users.insert({ id: 'u1', username: 'alice', usernameNormalized: 'alice', passwordHash: 'x' });
  });

  afterEach(() => dataSource.destroy());

  const expiry = () => Date.now() + 900_000;
  const auth = { amr: ['pwd', 'otp'], authTime: Date.now() };
  const from = { clientAddress: '127.0.0.2', userAgent: 'test', deviceId: null };

  it('hands out a new refresh token and retires the old one', async () => {
    const started = await sessions.start('u1', expiry(), auth, from);
    const rotated = await sessions.rotate(started.refreshToken, origin, expiry());
    expect(rotated).toMatchObject({ sessionId: started.sessionId, userId: 'u1' });
    expect(rotated.refreshToken).not.toBe(started.refreshToken);
    expect((await sessions.rotate(rotated.refreshToken, origin, expiry())).sessionId).toBe(started.sessionId);
  });

  it('a rotated token presented again ends the whole session first, then records the theft', async () => {
    const started = await sessions.start('u1', expiry(), auth, from);
    const rotated = await sessions.rotate(started.refreshToken, origin, expiry());
    await expect(sessions.rotate(started.refreshToken, origin, expiry())).rejects.toThrow(UnauthorizedException);
    expect(await revocations.isRevoked(started.sessionId)).toBe(true);
    expect(log).toEqual(['event session.refresh.reuse']);
    expect(await Promise.all(revokedWhenRecorded)).toEqual([true]);
    // The thief's newest token is dead too.
    await expect(sessions.rotate(rotated.refreshToken, origin, expiry())).rejects.toThrow(UnauthorizedException);
  });

  it('two rotations of one token at once: exactly one wins, and the loser ends the session as a reuse', async () => {
    const started = await sessions.start('u1', expiry(), auth, from);
    const results = await Promise.allSettled([
      sessions.rotate(started.refreshToken, origin, expiry()),
      sessions.rotate(started.refreshToken, origin, expiry()),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await revocations.isRevoked(started.sessionId)).toBe(true);
  });

  it('an ended session refreshes nothing, and its revocation lasts as long as its latest access token', async () => {
    const started = await sessions.start('u1', expiry(), auth, from);
    const later = Date.now() + 3_600_000;
    await sessions.rotate(started.refreshToken, origin, later);
    await sessions.end(started.sessionId);
    const row = await dataSource.getRepository(Session).findOneByOrFail({ id: started.sessionId });
    expect(row.accessExpiresAt).toBe(later);
    expect(await revocations.isRevoked(started.sessionId)).toBe(true);
    expect(log).toEqual([]);
  });
});
