import { asc, eq } from 'drizzle-orm';
import type { Client, TokenEndpointAuthMethod } from '../domain/index.js';
import type { Db } from '../infra/db.js';
import { clients } from './schema.js';
import { canBeStoredAsText } from './text.js';

type Row = typeof clients.$inferSelect;

function toClient(r: Row): Client {
  return {
    clientId: r.clientId,
    secretHash: r.secretHash,
    tokenEndpointAuthMethod: r.tokenEndpointAuthMethod as TokenEndpointAuthMethod,
    grantTypes: r.grantTypes,
    scopes: r.scopes,
    redirectUris: r.redirectUris,
    requirePkce: r.requirePkce,
    skipConsent: r.skipConsent,
    clientName: r.clientName,
    postLogoutRedirectUris: r.postLogoutRedirectUris,
    jwks: r.jwks,
    jwksUri: r.jwksUri,
    resources: r.resources,
  };
}

export class ClientRepo {
  constructor(private readonly db: Db) {}

  async find(clientId: string): Promise<Client | undefined> {
    if (!canBeStoredAsText(clientId)) return undefined;
    const rows = await this.db.select().from(clients).where(eq(clients.clientId, clientId)).limit(1);
    return rows[0] ? toClient(rows[0]) : undefined;
  }

  async list(): Promise<Client[]> {
    return (await this.db.select().from(clients).orderBy(asc(clients.clientId))).map(toClient);
  }

  async upsert(c: Client): Promise<void> {
    const values = {
      clientId: c.clientId,
      secretHash: c.secretHash,
      tokenEndpointAuthMethod: c.tokenEndpointAuthMethod,
      grantTypes: c.grantTypes,
      scopes: c.scopes,
      redirectUris: c.redirectUris,
      requirePkce: c.requirePkce,
      skipConsent: c.skipConsent,
      clientName: c.clientName,
      postLogoutRedirectUris: c.postLogoutRedirectUris,
      jwks: c.jwks,
      jwksUri: c.jwksUri,
      resources: c.resources,
    };
    await this.db
      .insert(clients)
      .values(values)
      .onConflictDoUpdate({ target: clients.clientId, set: { ...values, updatedAt: new Date() } });
  }

  async setSecretHash(clientId: string, secretHash: string): Promise<boolean> {
    const rows = await this.db
      .update(clients)
      .set({ secretHash, updatedAt: new Date() })
      .where(eq(clients.clientId, clientId))
      .returning({ id: clients.clientId });
    return rows.length > 0;
  }

  async delete(clientId: string): Promise<boolean> {
    const rows = await this.db
      .delete(clients)
      .where(eq(clients.clientId, clientId))
      .returning({ id: clients.clientId });
    return rows.length > 0;
  }
}
