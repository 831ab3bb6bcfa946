import { KeyedHasher } from '../crypto/keyed-hasher';

/** Keyed hashes of enrollment tickets, under their own APP_SECRET sub-key. */
export class EnrollmentTicketHasher extends KeyedHasher {
  constructor(appSecret: Buffer, previousAppSecret?: Buffer) {
    super('enrollment-ticket-hmac', appSecret, previousAppSecret);
  }
}
